"""Evaluation helpers: systems are held to the reference's length; redundancy is measured on what was selected."""

from service.evaluation import _cut, redundancy


def test_every_system_is_cut_to_the_reference_length():
    assert _cut("one two three four five", 3) == "one two three"


def test_redundancy_is_high_for_repeats_and_zero_for_unrelated_sentences():
    same = ["Blinken", "arrived", "in", "Israel", "on", "Tuesday"]
    other = ["Oil", "prices", "fell", "sharply", "in", "London"]
    assert redundancy([same, same]) == (1.0, 1.0)
    assert redundancy([same, other]) == (0.0, 0.0)
    assert redundancy([same]) == (0.0, 0.0)
