"""The Lead-N baseline: the first N sentences of the document."""

from __future__ import annotations

from sumy.models.dom import ObjectDocumentModel, Sentence
from sumy.summarizers._summarizer import AbstractSummarizer


class LeadSummarizer(AbstractSummarizer):
    """Selects the document's first sentences; news writing puts the key facts there."""

    def __call__(self, document: ObjectDocumentModel, sentences_count: int) -> tuple[Sentence, ...]:
        sentences = document.sentences
        ratings = {s: -i for i, s in reversed(list(enumerate(sentences)))}
        best: tuple[Sentence, ...] = self._get_best_sentences(sentences, sentences_count, ratings)
        return best
