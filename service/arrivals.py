"""What arrived on a topic since a mark, read and scored once for every chat at that mark: the candidate sentences
and their ranking, the entity and figure news; and which of it a chat has not seen."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence, Set
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from service.credits import credible, reports
from service.factchanges import FactChange, fact_changes
from service.selection import candidates_for, fact_groups, recency, same_development, subjects_of
from service.topicreads import TopicReads, topic_reads
from storage import articles as store
from storage import entities as entity_store
from storage.db import Database
from storage.records import Article, Entity, Mention, Role, SentenceRow
from summarizer import ranking
from summarizer.credits import Report
from summarizer.entities import NEWS_LABELS, alias_key
from summarizer.lexrank import cosine_matrix, tfidf_matrix
from summarizer.paraphrase import ParaphraseIndex
from summarizer.words import ranking_words

MAX_QUIET = 3
# Someone has gone quiet when several new articles did not name them.
MIN_ARTICLES_FOR_QUIET = 3


@dataclass(frozen=True)
class Named:
    """How many arrived articles and mentions name an entity, and its mentions in the candidate sentences
    (sentence id, surface as written), in reading order."""

    articles: int
    mentions: int
    in_rows: tuple[tuple[int, str], ...]
    sources: int  # outlets whose candidate sentences name it
    ranked: tuple[int, ...]  # the candidate sentences naming it, best-ranked first


def _named(mentions: Sequence[Mention], rows: Sequence[SentenceRow], scores: dict[int, float]) -> dict[int, Named]:
    source = {r.id: r.source for r in rows}
    # One pass over the mentions: each entity's articles, mention count and mentions in the candidate sentences.
    articles: dict[int, set[int]] = defaultdict(set)  # in order of first mention
    counts: Counter[int] = Counter()
    in_rows: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for m in mentions:
        articles[m.entity_id].add(m.article_id)
        counts[m.entity_id] += 1
        if m.sentence_id in source:
            in_rows[m.entity_id].append((m.sentence_id, m.surface))
    named = {}
    for entity_id, found in articles.items():
        ids = {s for s, _ in in_rows[entity_id]}
        named[entity_id] = Named(
            len(found),
            counts[entity_id],
            tuple(in_rows[entity_id]),
            len({source[s] for s in ids}),
            tuple(sorted(ids, key=lambda s: (-scores.get(s, 0.0), s))),
        )
    return named


@dataclass
class Arrivals:
    """What arrived on a topic since a mark, read and scored once for every chat at that mark: which sentences
    a diff may show, and the entity and figure news, which do not depend on what a chat was shown."""

    topic: str
    new_articles: int
    rows: list[SentenceRow]
    scores: dict[int, float]
    # The developments' ranking, once for every chat: rows stating one development (same subject and words, or the
    # same fact; index -> indexes), the pairs similar enough for one to repeat the other (the similarity where it
    # is above ranking.REDUNDANT, all a selection compares), and their score with corroboration and recency.
    same: dict[int, set[int]]
    repeats: sparse.csr_matrix
    ranked: np.ndarray
    subjects: dict[int, int]  # sentence id -> the first person it names
    said: list[Report]
    outlets: set[str]
    named: dict[int, Named]  # news entity id -> what the arrived articles say of it, in order of first mention
    known: set[int]  # entities the covered articles named
    entities: dict[int, Entity]  # the news entities a line may name (outlets left out)
    roles: dict[int, str]
    fact_changes: list[FactChange]
    quiet: list[Entity]
    paraphrases: ParaphraseIndex
    by_id: dict[int, SentenceRow] = field(default_factory=dict)  # the rows by sentence id
    # delivered sentence id -> the rows (by index) it paraphrases, filled as chats' states need them
    ruled_out: dict[int, frozenset[int]] = field(default_factory=dict)


def read_arrivals(
    db: Database,
    topic: str,
    new_articles: Sequence[Article],
    covered: set[int],
    reads: TopicReads | None = None,
) -> Arrivals:
    """Read and score what arrived since the mark (every read a diff makes is here, or in ``reads``: what the
    topic's articles hold, shared by every mark)."""
    rows = candidates_for(db, new_articles)
    ids = [r.id for r in rows]
    new_ids = [a.id for a in new_articles]
    new_set = set(new_ids)
    if reads is None:
        reads = topic_reads(db, sorted(new_set | covered))
    old_counts = reads.article_counts(covered)
    new_mentions = reads.mentions_in(new_set)
    new_facts = reads.facts_of(new_set)
    outlets = {alias_key(a.source) for a in new_articles}
    named = sorted({m.entity_id for m in new_mentions})
    # The news entities a line may list: never an outlet (the article's publisher is not its news).
    entities = {
        e.id: e
        for e in (reads.entities[i] for i in named if i in reads.entities)
        if e.label in NEWS_LABELS and alias_key(e.name) not in outlets
    }
    subjects = subjects_of(entity_store.people_by_sentence(db, ids))
    said = reports(db, rows, reads.actors_by_article({r.article_id for r in rows}))
    # Ranked as /brief ranks (selection.rank), with the centrality worked out once for both corroborations below.
    words = [ranking_words(r.tokens) for r in rows]
    vectors = tfidf_matrix(words)
    similarity = cosine_matrix(vectors[0])  # ranking.similarity_matrix, with the vectors kept for paraphrases
    base = ranking.quality_scores(
        words, [r.position for r in rows], [r.text for r in rows], similarity, [r.quality for r in rows]
    )
    sources = [r.source for r in rows]
    scores = base * ranking.corroboration(sources, similarity) if rows else base
    same = same_development(rows, similarity, subjects, fact_groups(db, new_ids, ids, new_facts)) if rows else {}
    # Said once whoever said it; corroborated and credited only where the outlets' reports agree.
    ranked = base * ranking.corroboration(sources, similarity, credible(same, said)) * recency(rows) if rows else base
    score_of = dict(zip(ids, scores))
    # The words are in the vectors: a third of the rows' memory (built directly, twice as fast as ``replace``).
    kept = [
        SentenceRow(
            r.id, r.article_id, r.position, r.text, (), r.source, r.published_at, r.url, r.story_id, r.title, r.quality
        )
        for r in rows
    ]
    return Arrivals(
        topic=topic,
        new_articles=len(new_articles),
        rows=kept,
        scores=score_of,
        same=same,
        repeats=similarity.multiply(similarity > ranking.REDUNDANT).tocsr(),
        ranked=ranked,
        subjects=subjects,
        said=said,
        outlets=outlets,
        named=_named([m for m in new_mentions if m.entity_id in entities], rows, score_of),
        known=set(old_counts),
        entities=entities,
        roles=_roles(reads.roles_in(new_set)),
        fact_changes=fact_changes(db, reads.facts_of(covered), new_facts),
        quiet=_gone_quiet(db, topic, old_counts, {m.entity_id for m in new_mentions}, len(new_articles), outlets),
        paraphrases=ParaphraseIndex(vectors, similarity),
        by_id={r.id: r for r in kept},
    )


def unseen(db: Database, arrivals: Arrivals, delivered_ids: Set[int]) -> frozenset[int]:
    """The arrived sentences that paraphrase nothing the chat was shown (nor an earlier arrival). What one shown
    sentence rules out is worked out once for every chat that was shown it."""
    ruled_out = arrivals.ruled_out
    missing = sorted(set(delivered_ids) - ruled_out.keys())
    for row in store.sentences_by_id(db, missing):
        ruled_out[row.id] = arrivals.paraphrases.ruled_out_by(ranking_words(row.tokens))
    for gone in missing:
        ruled_out.setdefault(gone, frozenset())  # a sentence no longer stored rules nothing out
    out = frozenset().union(*(ruled_out[d] for d in delivered_ids))
    return frozenset(arrivals.rows[i].id for i in arrivals.paraphrases.novel(out))


def _roles(roles: Sequence[Role]) -> dict[int, str]:
    """Each entity's role as the given roles (of some articles, oldest first) most often write it ('Israeli Foreign
    Minister')."""
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    for role in roles:
        counts[role.entity_id][role.role] += 1
    return {entity_id: roles.most_common(1)[0][0] for entity_id, roles in counts.items()}


def _gone_quiet(
    db: Database,
    topic: str,
    old_counts: dict[int, int],
    named_now: Set[int],
    new_articles: int,
    outlets: set[str],
) -> list[Entity]:
    """People and organisations prominent before (named in two or more covered articles: ``old_counts``) that none
    of several new articles names; never the story's own subject (its most-named entity, or a name the topic says)."""
    if new_articles < MIN_ARTICLES_FOR_QUIET:
        return []
    order = sorted(old_counts, key=lambda e: (-old_counts[e], e))
    topic_words = set(ranking_words(topic.split()))
    candidates = [e for e in order[1:30] if old_counts[e] >= 2 and e not in named_now]
    quiet = []
    for entity, _ in entity_store.entities_with_counts(db, candidates):
        if entity.label not in {"PERSON", "ORG"} or alias_key(entity.name) in outlets:
            continue
        if topic_words & set(ranking_words(entity.name.split())):
            continue
        quiet.append(entity)
    return quiet[:MAX_QUIET]
