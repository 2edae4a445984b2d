"""What a shown sentence rules out of the new ones, worked out once per shown sentence."""

from summarizer.paraphrase import ParaphraseIndex
from summarizer.words import ranking_words

NEW = [
    "Rescuers pulled twelve survivors from the collapsed hotel in the port city on Tuesday.",
    "The prime minister promised a full inquiry into the hotel collapse.",
    "Twelve survivors were pulled from the collapsed hotel in the port city by rescuers on Tuesday.",
    "Aid ships reached the harbour with tents and water for the families.",
]


def words(text: str) -> list[str]:
    return ranking_words(tuple(text.replace(".", " .").split()))


def index() -> ParaphraseIndex:
    return ParaphraseIndex.of([words(s) for s in NEW])


def test_a_new_sentence_that_repeats_an_earlier_new_one_is_left_out():
    assert index().novel(()) == [0, 1, 3]


def test_a_shown_sentence_rules_out_its_paraphrases_and_the_first_unshown_one_takes_their_place():
    shown = "On Tuesday rescuers pulled twelve survivors from the collapsed hotel in the port city."
    ruled_out = index().ruled_out_by(words(shown))
    assert ruled_out == {0, 2}
    assert index().novel(ruled_out) == [1, 3]


def test_a_shown_sentence_on_something_else_rules_out_nothing():
    assert index().ruled_out_by(words("The central bank raised interest rates by half a point.")) == frozenset()
    assert index().ruled_out_by([]) == frozenset()


def test_an_index_of_no_sentences_keeps_nothing():
    empty = ParaphraseIndex.of([])
    assert (empty.ruled_out_by(words(NEW[0])), empty.novel(())) == (frozenset(), [])
