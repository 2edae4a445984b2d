"""LexRank vectorised with sparse matrices: sumy's algorithm, same selections, orders of magnitude faster."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
from scipy import sparse
from sumy.models.dom import ObjectDocumentModel, Sentence
from sumy.summarizers._summarizer import AbstractSummarizer

from summarizer.words import stem_with

# Up to this many sentences the power iteration uses a dense matrix (8 MB at the limit).
DENSE_LIMIT = 1000


# Sentence vectors (rows), each word's idf, and each word's column.
TfIdf = tuple[sparse.csr_matrix, np.ndarray, dict[str, int]]


def tfidf_matrix(sentences_words: Sequence[Sequence[str]]) -> TfIdf:
    """sumy LexRank's sentence vectors: tf / max tf times idf = log(N / (1 + df)); rows are sentences. Also each
    word's idf and column."""
    vocabulary: dict[str, int] = {}
    rows, cols, tfs = [], [], []
    df: Counter[str] = Counter()
    for row, sentence in enumerate(sentences_words):
        counts = Counter(sentence)
        if not counts:
            continue
        max_tf = max(counts.values())
        df.update(counts.keys())
        for term, tf in counts.items():
            rows.append(row)
            cols.append(vocabulary.setdefault(term, len(vocabulary)))
            tfs.append(tf / max_tf)
    n = len(sentences_words)
    idf = np.zeros(len(vocabulary))
    for term, index in vocabulary.items():
        idf[index] = math.log(n / (1 + df[term]))
    values = np.asarray(tfs) * idf[np.asarray(cols, dtype=np.int64)] if tfs else np.zeros(0)
    matrix = sparse.csr_matrix((values, (rows, cols)), shape=(n, len(vocabulary)))
    return matrix, idf, vocabulary


def normalised_rows(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    """The rows scaled to unit length (an empty row stays empty)."""
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    inverse = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    return (sparse.diags(inverse) @ matrix).tocsr()


def cosine_matrix(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    """Pairwise idf-modified cosine similarity of the rows (zero for empty rows)."""
    normalised = normalised_rows(matrix)
    return (normalised @ normalised.T).tocsr()


def lexrank_scores(
    sentences_words: Sequence[Sequence[str]],
    threshold: float = 0.1,
    epsilon: float = 0.1,
    similarity: sparse.csr_matrix | None = None,
) -> np.ndarray:
    """Thresholded LexRank centrality, computed exactly as sumy's ``LexRankSummarizer`` does (``similarity``, when
    the caller has it, is ``cosine_matrix(tfidf_matrix(sentences_words)[0])``)."""
    n = len(sentences_words)
    if n == 0:
        return np.zeros(0)
    if similarity is None:
        similarity = cosine_matrix(tfidf_matrix(sentences_words)[0])
    adjacency = (similarity > threshold).astype(np.float64).tocsr()
    degrees = np.asarray(adjacency.sum(axis=1)).ravel()
    degrees[degrees == 0] = 1
    transition = (sparse.diags(1.0 / degrees) @ adjacency).tocsr()
    if n <= DENSE_LIMIT:  # noqa: SIM108  (the comment below belongs to one branch)
        # sumy multiplies by the transposed view of a dense C-ordered matrix; doing the same sums
        # in the same order, so scores (and ties between them) are bit-identical.
        transition_t = transition.toarray().T
    else:
        transition_t = transition.T.tocsr()
    p = np.full(n, 1.0 / n)
    delta = 1.0
    while delta > epsilon:
        nxt = np.dot(transition_t, p) if isinstance(transition_t, np.ndarray) else transition_t @ p
        norm = np.linalg.norm(nxt)
        if norm == 0:
            return np.full(n, 1.0 / n)  # no two sentences share a word: every sentence is as central
        nxt /= norm
        delta = float(np.linalg.norm(nxt - p))
        p = nxt
    return p


class StemmingSummarizer(AbstractSummarizer):
    """A sumy summarizer that compares sentences as stemmed words without stop words (as LexRank does)."""

    _stop_words: frozenset[str] = frozenset()

    @property
    def stop_words(self) -> frozenset[str]:
        return self._stop_words

    @stop_words.setter
    def stop_words(self, words: Iterable[str]) -> None:
        self._stop_words = frozenset(map(self.normalize_word, words))

    def stem_word(self, word: str) -> str:
        """The stem of a word, from the process-wide stem cache."""
        return stem_with(self._stemmer, word)

    def sentence_words(self, sentence: Sentence) -> list[str]:
        """Stemmed, stop-word-free words of a sumy sentence."""
        normalised = map(self.normalize_word, sentence.words)
        return [self.stem_word(w) for w in normalised if w not in self._stop_words]


class FastLexRankSummarizer(StemmingSummarizer):
    """Drop-in for sumy's ``LexRankSummarizer`` (same parameters and selections), vectorised."""

    threshold = 0.1
    epsilon = 0.1

    def __call__(self, document: ObjectDocumentModel, sentences_count: int) -> tuple[Sentence, ...]:
        sentences = document.sentences
        if not sentences:
            return ()
        scores = lexrank_scores([self.sentence_words(s) for s in sentences], self.threshold, self.epsilon)
        ratings = dict(zip(sentences, scores))
        best: tuple[Sentence, ...] = self._get_best_sentences(sentences, sentences_count, ratings)
        return best
