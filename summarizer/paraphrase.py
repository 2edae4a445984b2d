"""Which new sentences paraphrase what a reader was shown, with the new sentences' vectors built once for every
reader: a shown sentence is compared with them alone, so what it rules out holds whoever else was shown what."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
from scipy import sparse

from summarizer.lexrank import TfIdf, cosine_matrix, normalised_rows, tfidf_matrix
from summarizer.ranking import PARAPHRASE


class ParaphraseIndex:
    """The new sentences (as ranking words) in reading order, their tf-idf vectors, and which earlier ones each
    repeats. The weights are sumy's (tf / max tf times log(N / (1 + df)), N and df counted over the new
    sentences); a word they never use weighs log N in a shown sentence."""

    def __init__(self, vectors: TfIdf, similarity: sparse.csr_matrix | None = None) -> None:
        """The index of sentences with these ``vectors`` (``tfidf_matrix``) and, when the caller has it, their
        ``cosine_matrix``."""
        matrix, self._idf, self._vocabulary = vectors
        count = matrix.shape[0]
        self._unseen = math.log(count) if count else 0.0
        self._normalised = normalised_rows(matrix)
        close = ((cosine_matrix(matrix) if similarity is None else similarity) > PARAPHRASE).tocsr()
        # For each sentence, the earlier sentences it paraphrases (later ones are ruled out by it, not against it).
        self._earlier = [
            [j for j in close.indices[close.indptr[i] : close.indptr[i + 1]].tolist() if j < i] for i in range(count)
        ]

    @classmethod
    def of(cls, sentences_words: Sequence[Sequence[str]]) -> ParaphraseIndex:
        """The index of these sentences (as ranking words)."""
        return cls(tfidf_matrix(sentences_words))

    def ruled_out_by(self, shown_words: Sequence[str]) -> frozenset[int]:
        """The new sentences (by index) that paraphrase one shown sentence."""
        counts = Counter(shown_words)
        if not counts or not self._earlier:
            return frozenset()
        top = max(counts.values())
        columns, values, norm = [], [], 0.0
        for word, tf in counts.items():
            column = self._vocabulary.get(word)
            weight = tf / top * (self._idf[column] if column is not None else self._unseen)
            norm += weight * weight
            if column is not None:
                columns.append(column)
                values.append(weight)
        if not columns or norm <= 0:
            return frozenset()
        vector = np.zeros(self._normalised.shape[1])
        vector[columns] = values
        similarity = self._normalised @ vector / math.sqrt(norm)
        return frozenset(np.flatnonzero(similarity > PARAPHRASE).tolist())

    def novel(self, ruled_out: Iterable[int]) -> list[int]:
        """The new sentences (by index) that paraphrase nothing ruled out nor an earlier one kept."""
        out = set(ruled_out)
        kept: set[int] = set()
        for i, earlier in enumerate(self._earlier):
            if i not in out and not any(j in kept for j in earlier):
                kept.add(i)
        return sorted(kept)
