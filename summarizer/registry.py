"""One registry from method name to sumy-compatible summarizer class, configured the same way."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from summarizer.nlp import StoredTokenizer
from summarizer.words import stemmer, stop_words

if TYPE_CHECKING:
    from sumy.summarizers._summarizer import AbstractSummarizer

# The registry's names, in the order help lists them; the classes load on first use (sumy imports NLTK and SciPy).
METHODS = (
    "news",
    "lexrank",
    "sumy-lexrank",
    "textrank",
    "lsa",
    "luhn",
    "kl",
    "sumbasic",
    "reduction",
    "edmundson",
    "lead",
    "random",
)
DEFAULT_METHOD = "news"


@cache
def _classes() -> dict[str, type[AbstractSummarizer]]:
    from sumy.summarizers.edmundson import EdmundsonSummarizer
    from sumy.summarizers.kl import KLSummarizer
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.lsa import LsaSummarizer
    from sumy.summarizers.luhn import LuhnSummarizer
    from sumy.summarizers.random import RandomSummarizer
    from sumy.summarizers.reduction import ReductionSummarizer
    from sumy.summarizers.sum_basic import SumBasicSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer

    from summarizer.lead import LeadSummarizer
    from summarizer.lexrank import FastLexRankSummarizer
    from summarizer.ranking import NewsSummarizer

    classes: dict[str, type[Any]] = {
        "news": NewsSummarizer,
        "lexrank": FastLexRankSummarizer,
        "sumy-lexrank": LexRankSummarizer,
        "textrank": TextRankSummarizer,
        "lsa": LsaSummarizer,
        "luhn": LuhnSummarizer,
        "kl": KLSummarizer,
        "sumbasic": SumBasicSummarizer,
        "reduction": ReductionSummarizer,
        "edmundson": EdmundsonSummarizer,
        "lead": LeadSummarizer,
        "random": RandomSummarizer,
    }
    assert tuple(classes) == METHODS
    return classes


class UnknownMethod(ValueError):
    """A summarizer name that is not in the registry."""


def get_summarizer(name: str = DEFAULT_METHOD, language: str = "english") -> AbstractSummarizer:
    """A summarizer by registry name, with sumy's stemmer and stop words for ``language``."""
    try:
        cls = _classes()[name.casefold()]
    except KeyError:
        raise UnknownMethod(f"unknown method {name!r}; choose one of: {', '.join(METHODS)}") from None
    summarizer = cls(stemmer(language))
    if hasattr(cls, "stop_words"):
        summarizer.stop_words = stop_words(language)
    if name.casefold() == "edmundson":
        summarizer.bonus_words = ("said", "new", "first")
        summarizer.stigma_words = ("however", "but")
        summarizer.null_words = tuple(stop_words(language))
    return summarizer


def chosen_sentences(method: str, sentences: Sequence[tuple[str, Sequence[str]]], count: int) -> set[str]:
    """The texts a registry summarizer picks from stored sentences (text, words), as one document in order."""
    from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence

    tokenizer = StoredTokenizer(sentences)
    document = ObjectDocumentModel([Paragraph([Sentence(text, tokenizer) for text, _ in sentences])])
    return {str(s) for s in get_summarizer(method)(document, count)}
