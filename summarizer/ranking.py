"""Our ranker: centrality and news position together, then redundancy removal across sources."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sumy.models.dom import ObjectDocumentModel, Sentence

from summarizer.lexrank import StemmingSummarizer, cosine_matrix, lexrank_scores, tfidf_matrix
from summarizer.text import quality_of

# How much the lead position counts against centrality, and how similar two sentences may be
# before the second is the same fact said again (credited, not repeated).
POSITION_DECAY = 1.0
CENTRALITY_WEIGHT = 0.3
REDUNDANT = 0.5
# A new sentence this similar to one already delivered is a paraphrase, not news.
PARAPHRASE = 0.45
MIN_WORDS = 6
# A sentence about someone a briefing already covers counts this much for each time they were covered.
SUBJECT_REPEAT = 0.5


def position_prior(positions: Sequence[int]) -> np.ndarray:
    """News is lead-heavy: 1 for an article's first sentence, decaying as 1 / (1 + position)."""
    return 1.0 / np.power(1.0 + np.asarray(positions, dtype=np.float64), POSITION_DECAY)


def news_scores(
    sentences_words: Sequence[Sequence[str]],
    positions: Sequence[int],
    similarity: sparse.csr_matrix | None = None,
) -> np.ndarray:
    """Position prior scaled by LexRank centrality (normalised to [0, 1]); ``similarity`` is the sentences'
    ``similarity_matrix`` when the caller already has it."""
    if not sentences_words:
        return np.zeros(0)
    centrality = lexrank_scores(sentences_words, similarity=similarity)
    top = centrality.max() if len(centrality) else 0.0
    centrality = centrality / top if top > 0 else centrality
    lengths = np.array([len(w) for w in sentences_words])
    short = np.where(lengths < MIN_WORDS, 0.5, 1.0)
    return position_prior(positions) * (1.0 - CENTRALITY_WEIGHT + CENTRALITY_WEIGHT * centrality) * short


def news_ranking(
    sentences_words: Sequence[Sequence[str]],
    positions: Sequence[int],
    texts: Sequence[str],
    outlets: Sequence[str],
    similarity: sparse.csr_matrix,
    same_fact: dict[int, set[int]] | None = None,
    qualities: Sequence[float | None] | None = None,
) -> np.ndarray:
    """The news ranker /brief runs: position and centrality, times sentence quality (fragments, credits and glued
    headings are not briefing lines; ``qualities`` gives those already known), times corroboration (a statement
    several outlets made is worth more)."""
    if not sentences_words:
        return np.zeros(0)
    base = quality_scores(sentences_words, positions, texts, similarity, qualities)
    boosted: np.ndarray = base * corroboration(outlets, similarity, same_fact)
    return boosted


def quality_scores(
    sentences_words: Sequence[Sequence[str]],
    positions: Sequence[int],
    texts: Sequence[str],
    similarity: sparse.csr_matrix,
    qualities: Sequence[float | None] | None = None,
) -> np.ndarray:
    """``news_ranking`` before corroboration: position and centrality times sentence quality."""
    if not sentences_words:
        return np.zeros(0)
    known = qualities or [None] * len(texts)
    quality = [quality_of(t, q) for t, q in zip(texts, known)]
    scores: np.ndarray = news_scores(sentences_words, positions, similarity) * np.array(quality)
    return scores


def corroboration(
    outlets: Sequence[str], similarity: sparse.csr_matrix, same_fact: dict[int, set[int]] | None = None
) -> np.ndarray:
    """``news_ranking``'s weight for a statement other outlets made too: 1 + log(1 + how many)."""
    close = (similarity > REDUNDANT).tocsr()
    others = []
    for i, outlet in enumerate(outlets):
        similar = set(close.indices[close.indptr[i] : close.indptr[i + 1]].tolist()) | (same_fact or {}).get(i, set())
        others.append(len({outlets[j] for j in similar if outlets[j] != outlet}))
    weight: np.ndarray = 1.0 + np.log1p(np.array(others, dtype=float))
    return weight


def similarity_matrix(sentences_words: Sequence[Sequence[str]]) -> sparse.csr_matrix:
    """Pairwise tf-idf cosine similarity between sentences."""
    return cosine_matrix(tfidf_matrix(sentences_words)[0])


@dataclass(frozen=True)
class Selection:
    """A chosen sentence (index into the candidates) and the candidates that say the same thing."""

    index: int
    same_as: tuple[int, ...]


def select(
    scores: np.ndarray,
    similarity: sparse.csr_matrix,
    count: int,
    same_fact: dict[int, set[int]] | None = None,
    redundant: float = REDUNDANT,
    subjects: Sequence[int | None] | None = None,
    credit_rest: bool = True,
    agree: Callable[[int, int], bool] | None = None,
) -> list[Selection]:
    """Greedy selection by score, skipping any candidate that repeats one already chosen.

    A candidate repeats a chosen one when their similarity exceeds ``redundant`` or ``same_fact``
    says they state the same fact; it is then credited to the chosen sentence instead. With ``subjects``
    (who each sentence is about), a candidate about someone already covered counts half for each time they
    were: a briefing covers more of the people in the news. Without ``credit_rest`` selection stops once the picks
    are made (the candidates left are not credited to the sentences they repeat). With ``agree`` a repeat is
    credited only when ``agree(chosen, repeat)``: it is still never shown, but its outlet gets no credit for a
    sentence its own article does not report.
    """
    same_fact = same_fact or {}
    similarity = similarity.tocsr()
    order: list[int] = np.argsort(-scores, kind="stable").tolist()
    values: list[float] = np.asarray(scores, dtype=float).tolist()
    chosen: list[int] = []
    credits: dict[int, list[int]] = {}
    covered: dict[int, int] = {}

    def twin_of(i: int) -> int | None:
        start, end = similarity.indptr[i], similarity.indptr[i + 1]
        near = dict(zip(similarity.indices[start:end].tolist(), similarity.data[start:end].tolist()))
        return next((c for c in chosen if near.get(c, 0.0) > redundant or c in same_fact.get(i, ())), None)

    # Candidates by effective score, best first (ties: the earlier in ``order``). A score only ever drops, when its
    # subject is covered again, so an entry is brought up to date when it reaches the top (a lazy greedy): the
    # first up-to-date entry on top is the best.
    heap = [(-values[i], k, i, 0) for k, i in enumerate(order)]  # sorted, so already a heap
    taken: set[int] = set()
    while heap and len(chosen) < count:
        _, k, i, seen = heapq.heappop(heap)
        subject = subjects[i] if subjects is not None else None
        if subject is not None and covered.get(subject, 0) != seen:
            times = covered[subject]
            heapq.heappush(heap, (-(values[i] * SUBJECT_REPEAT**times), k, i, times))
            continue
        taken.add(i)
        twin = twin_of(i)
        if twin is not None:
            if agree is None or agree(twin, i):
                credits[twin].append(i)
            continue
        chosen.append(i)
        credits[i] = []
        if subject is not None:
            covered[subject] = covered.get(subject, 0) + 1
    pending = [i for i in order if i not in taken]
    # The picks are made: the rest only matter as credits to the sentence they repeat, found from the picks' side
    # (a few columns of the matrix) rather than by reading the row of every candidate left.
    if credit_rest and pending:
        place = {c: k for k, c in enumerate(chosen)}
        columns = similarity[:, chosen].tocsc()
        near: dict[int, list[int]] = {}
        for k, c in enumerate(chosen):
            start, end = columns.indptr[k], columns.indptr[k + 1]
            for i, value in zip(columns.indices[start:end].tolist(), columns.data[start:end].tolist()):
                if value > redundant:
                    near.setdefault(i, []).append(c)
        for i in pending:
            repeated = near.get(i, []) + [c for c in same_fact.get(i, ()) if c in place]
            if repeated:
                twin = min(repeated, key=place.__getitem__)
                if agree is None or agree(twin, i):
                    credits[twin].append(i)
    return [Selection(i, tuple(credits[i])) for i in chosen]


class NewsSummarizer(StemmingSummarizer):
    """sumy-compatible face of the news ranker /brief runs, over one document (one outlet): no repeats."""

    def __call__(self, document: ObjectDocumentModel, sentences_count: int) -> tuple[Sentence, ...]:
        sentences = list(document.sentences)
        if not sentences:
            return ()
        words = [self.sentence_words(s) for s in sentences]
        similarity = similarity_matrix(words)
        scores = news_ranking(
            words, range(len(sentences)), [str(s) for s in sentences], [""] * len(sentences), similarity
        )
        count = sentences_count if isinstance(sentences_count, int) else len(sentences)
        picked = {sel.index for sel in select(scores, similarity, count)}
        return tuple(s for i, s in enumerate(sentences) if i in picked)
