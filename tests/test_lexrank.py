"""Our vectorised LexRank selects exactly what sumy's LexRankSummarizer selects."""

import random

import pytest
from sumy.parsers.plaintext import PlaintextParser
from sumy.summarizers.lex_rank import LexRankSummarizer

from summarizer.lexrank import FastLexRankSummarizer
from summarizer.nlp import SpacyTokenizer, stemmer, stop_words
from summarizer.registry import METHODS, get_summarizer
from tests.conftest import SEED

VOCABULARY = (
    "ceasefire hostage talks minister envoy border strike aid convoy city council vote budget storm flood "
    "election court ruling appeal market shares rate bank oil price protest police crowd hospital vaccine"
).split()


def configured(cls):
    summarizer = cls(stemmer("english"))
    summarizer.stop_words = stop_words("english")
    return summarizer


def generated_document(seed: int, sentences: int) -> str:
    rng = random.Random(seed)
    lines = []
    for _ in range(sentences):
        words = rng.choices(VOCABULARY, k=rng.randint(4, 14))
        lines.append(" ".join(words).capitalize() + ".")
    return "\n".join(lines)


@pytest.mark.parametrize("key", sorted(SEED))
@pytest.mark.parametrize("count", [1, 3, 5])
def test_same_selection_as_sumy_on_seeds(nlp, key, count):
    document = PlaintextParser.from_string(SEED[key].read_text(), SpacyTokenizer(nlp)).document
    assert configured(FastLexRankSummarizer)(document, count) == configured(LexRankSummarizer)(document, count)


@pytest.mark.parametrize("seed", range(6))
def test_same_selection_as_sumy_on_generated_documents(nlp, seed):
    document = PlaintextParser.from_string(generated_document(seed, 60 + 20 * seed), SpacyTokenizer(nlp)).document
    assert configured(FastLexRankSummarizer)(document, 5) == configured(LexRankSummarizer)(document, 5)


def test_empty_document(nlp):
    document = PlaintextParser.from_string("", SpacyTokenizer(nlp)).document
    assert configured(FastLexRankSummarizer)(document, 3) == ()


@pytest.mark.parametrize("name", sorted(METHODS))
def test_every_registered_method_summarizes_a_seed(nlp, name):
    document = PlaintextParser.from_string(SEED["000"].read_text(), SpacyTokenizer(nlp)).document
    chosen = get_summarizer(name)(document, 3)
    assert len(chosen) == 3 and all(s in document.sentences for s in chosen)


def test_unknown_method_names_the_choices():
    with pytest.raises(ValueError, match="unknown method 'nope'; choose one of: news, lexrank"):
        get_summarizer("nope")
