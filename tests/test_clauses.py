"""The short verbatim clause a new person's line quotes: what they did."""

import pytest

from summarizer.clauses import what_they_did


@pytest.mark.parametrize(
    "sentence, name, clause",
    [
        (
            "U.S. envoy Amos Hochstein held talks with Lebanese officials in Beirut on Monday.",
            "Amos Hochstein",
            "held talks with Lebanese officials in Beirut on Monday",
        ),
        (
            "Aaron David Miller, a senior fellow at the Carnegie Endowment, noted that neither side would compromise.",
            "Aaron David Miller",
            "noted that neither side would compromise",
        ),
        (
            "Blinken spoke in Rome after meeting Israeli Foreign Minister Gideon Saar.",
            "Gideon Saar",
            "Blinken spoke in Rome after meeting Israeli Foreign Minister Gideon Saar",
        ),
        (
            "The deputy spokesperson Vedant Patel emphasized that U.S. aid would continue to flow.",
            "Vedant Patel",
            "emphasized that U.S. aid would continue to flow",
        ),
        ("Israel's killing of Hamas leader Yahya Sinwar last week changed the talks.", "Yahya Sinwar", None),
        ("Conrad Murray said he had.", "Conrad Murray", None),
        ("Is there a connection between Lynn and the Evans family I am researching?", "Evans", None),
        ("Prayers were said in three churches, St Paul's and St Augustine's in Leicester.", "St Augustine", None),
    ],
)
def test_a_clause_says_what_the_person_did(sentence, name, clause):
    assert what_they_did(sentence, name, subject_only=name == "Yahya Sinwar") == clause


def test_a_long_clause_is_cut_and_marked():
    sentence = "Jane Roe said the ministry would review every contract signed with the firm over the past ten years."
    assert what_they_did(sentence, "Jane Roe") == "said the ministry would review every contract signed …"
