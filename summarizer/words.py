"""The one tokenise-and-stem pipeline every ranker, diff and query compares with: sumy's Snowball stemmer and stop
words (code and bundled lists only, no NLTK data), with one stem cache for the process."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

MAX_CACHED_STEMS = 500_000
# Sentences whose ranking words are kept (about 20 MB): more than a digest wave has in play at once.
MAX_CACHED_SENTENCES = 20_000
_STEMS: dict[Any, dict[str, str]] = {}


@lru_cache(maxsize=4)
def stemmer(language: str = "english") -> Any:
    """sumy's Snowball stemmer for a language."""
    from sumy.nlp.stemmers import Stemmer

    return Stemmer(language)


@lru_cache(maxsize=4)
def stop_words(language: str = "english") -> frozenset[str]:
    """sumy's bundled stop-word list."""
    from sumy.utils import get_stop_words

    return frozenset(get_stop_words(language))


def stem_with(stem: Any, word: str) -> str:
    """``stem(word)``, memoised per stemmer: news repeats its words, and Snowball stemming otherwise costs more than
    ranking a whole story."""
    cache = _STEMS.setdefault(stem, {})
    found = cache.get(word)
    if found is None:
        if len(cache) > MAX_CACHED_STEMS:
            cache.clear()
        found = cache[word] = stem(word)
    return found


def stem(word: str, language: str = "english") -> str:
    """The cached Snowball stem of a word."""
    return stem_with(stemmer(language), word)


def ranking_words(tokens: Iterable[str], language: str = "english") -> list[str]:
    """Stemmed, stop-word-free, lower-cased words: the representation every ranker and diff compares.

    A stored sentence's tokens (a tuple) are worked out once while they stay in use: a digest wave compares the
    same new sentences for every chat state."""
    if isinstance(tokens, tuple):
        return list(_sentence_words(tokens, language))
    return list(_words(tokens, language))


@lru_cache(maxsize=MAX_CACHED_SENTENCES)
def _sentence_words(tokens: tuple[str, ...], language: str) -> tuple[str, ...]:
    return _words(tokens, language)


def _words(tokens: Iterable[str], language: str) -> tuple[str, ...]:
    stops = stop_words(language)
    stemmer_ = stemmer(language)
    return tuple(stem_with(stemmer_, w) for w in (t.casefold() for t in tokens) if w not in stops)
