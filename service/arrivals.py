"""What arrived on a topic since a mark, read and scored once for every chat at that mark: the candidate sentences
and their ranking, the entity and figure news; and which of it a chat has not seen."""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from scipy import sparse

from service.credits import credible, reports
from service.factchanges import FactChange, fact_changes
from service.selection import candidates_for, fact_groups, recency, same_development
from service.topicreads import TopicReads, topic_reads
from storage import articles as store
from storage import entities as entity_store
from storage.db import Database
from storage.records import Article, Entity, Role, SentenceRow
from summarizer import ranking
from summarizer.credits import Report
from summarizer.entities import NEWS_LABELS, alias_key, looks_like_adjective
from summarizer.lexrank import cosine_matrix, tfidf_matrix
from summarizer.paraphrase import ParaphraseIndex
from summarizer.words import ranking_words

MAX_QUIET = 3
# An organisation or place is news when at least this many new articles name it.
MIN_ARTICLES_FOR_PLACE = 2
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
    scores: Mapping[int, float] = field(repr=False, compare=False)  # the candidate sentences' scores

    @cached_property
    def ranked(self) -> tuple[int, ...]:
        """The candidate sentences naming it, best-ranked first (worked out for the few entities a diff lists)."""
        scores = self.scores
        return tuple(sorted({s for s, _ in self.in_rows}, key=lambda s: (-scores.get(s, 0.0), s)))

    def importance(self, entity: Entity) -> tuple[int, int, int, str]:
        """The order entity lines come in: named in more articles, by more outlets, more often."""
        return (-self.articles, -self.sources, -self.mentions, entity.name)


def _named(
    named_in: Sequence[tuple[int, int, int]],
    reads: TopicReads,
    rows: Sequence[SentenceRow],
    scores: dict[int, float],
    entities: Set[int],
) -> dict[int, Named]:
    """What the arrived articles say of each of ``entities`` (``named_in``: each entity they name in order of first
    mention, with its articles and mentions), with its mentions in the candidate ``rows``."""
    source = {r.id: r.source for r in rows}
    in_rows: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: (r.article_id, r.id)):  # the mentions' reading order
        for entity_id, surface in reads.mentions_of_sentence(row.article_id, row.id):
            in_rows[entity_id].append((row.id, surface))
    named = {}
    for entity_id, articles, mentions in named_in:
        if entity_id not in entities:
            continue
        found = in_rows.get(entity_id, [])
        named[entity_id] = Named(articles, mentions, tuple(found), len({source[s] for s, _ in found}), scores)
    return named


def _news_order(
    named: dict[int, Named], entities: dict[int, Entity], known: Set[int], roles: dict[int, str]
) -> tuple[list[tuple[Entity, Named]], list[tuple[Entity, Named]]]:
    """The entities a diff may list, most important first (the same for every chat at the mark): new ones that can
    be news, and known ones named again.

    Left out of the new: a one-word 'person' with no role (more often a first name in a reader's comment, a place
    or a word the model misread), and an organisation or place named in fewer than two of the new articles (a city
    a quote passes through is not news) or written as an adjective.
    """
    new: list[tuple[Entity, Named]] = []
    again: list[tuple[Entity, Named]] = []
    for entity_id, found in named.items():
        entity = entities.get(entity_id)
        if entity is None:
            continue
        if entity_id in known:
            again.append((entity, found))
        elif entity.label == "PERSON":
            if len(entity.name.split()) >= 2 or entity_id in roles:
                new.append((entity, found))
        elif found.articles >= MIN_ARTICLES_FOR_PLACE and not looks_like_adjective(entity.name):
            new.append((entity, found))
    # Stable sorts: entities alike in importance keep their order of first mention.
    new.sort(key=lambda pair: pair[1].importance(pair[0]))
    again.sort(key=lambda pair: pair[1].importance(pair[0]))
    return new, again


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
    known: set[int]  # entities the covered articles named
    # The entities a line may be about, most important first: new ones that can be news, known ones named again.
    new_entities: list[tuple[Entity, Named]]
    known_again: list[tuple[Entity, Named]]
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
    named_in = reads.named_in(new_set)
    new_facts = reads.facts_of(new_set)
    outlets = {alias_key(a.source) for a in new_articles}
    named_ids = sorted(e for e, _, _ in named_in)
    # The news entities a line may list: never an outlet (the article's publisher is not its news).
    entities = {
        e.id: e
        for e in (reads.entities[i] for i in named_ids if i in reads.entities)
        if e.label in NEWS_LABELS and alias_key(e.name) not in outlets
    }
    subjects = _subjects(reads, rows)
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
    named = _named(named_in, reads, rows, score_of, entities.keys())
    roles = _roles(reads.roles_in(new_set))
    known = set(old_counts)
    new_entities, known_again = _news_order(named, entities, known, roles)
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
        known=known,
        new_entities=new_entities,
        known_again=known_again,
        entities=entities,
        roles=roles,
        fact_changes=fact_changes(db, reads.facts_of(covered), new_facts),
        quiet=_gone_quiet(db, topic, old_counts, set(named_ids), len(new_articles), outlets),
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


def _subjects(reads: TopicReads, rows: Sequence[SentenceRow]) -> dict[int, int]:
    """Each candidate sentence's likely subject: the first person it names (``selection.subjects_of``, from the
    topic's reads)."""
    found = {}
    for row in rows:
        for entity_id, _ in reads.mentions_of_sentence(row.article_id, row.id):
            entity = reads.entities.get(entity_id)
            if entity is not None and entity.label == "PERSON":
                found[row.id] = entity_id
                break
    return found


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
    order = heapq.nsmallest(30, old_counts, key=lambda e: (-old_counts[e], e))
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
