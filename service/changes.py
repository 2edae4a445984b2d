"""What changed since a chat's last briefing on a topic, organised by entity."""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone

import sqlite_utils

from service.briefing import build_briefing
from service.credits import credible, reports
from service.results import BriefItem, Briefing, Citation
from service.selection import (
    candidates_for, cite, fact_groups, find_articles, novel_ids, rank, recency, same_development, select_items,
    sentence_count, subjects_of,
)
from summarizer.words import ranking_words
from storage import articles as store
from storage import chats as chat_store
from storage import entities as entity_store
from storage.records import Article, Entity, FactRow
from summarizer import ranking
from summarizer.entities import NEWS_LABELS, alias_key
from summarizer.facts import WORLD

MAX_NEW_PEOPLE = 10
MAX_NEW_OTHERS = 6
MAX_UPDATED_ENTITIES = 6
MAX_SENTENCES_PER_ENTITY = 2
MAX_QUIET = 5
MAX_FACT_VALUES = 5
# Values of one measure this many days apart may belong to different episodes (see _latest_run).
MAX_FACT_GAP_DAYS = 21
DEVELOPMENTS = {"short": 2, "medium": 3, "long": 5}
# A chat's briefings on a topic are kept this long (its latest always): enough that nothing is shown twice.
HISTORY_DAYS = 30


def developments_count(length: str | int | None) -> int:
    """How many new developments open a diff: 2, 3 or 5 by length name; a number of sentences caps it at 5."""
    if length is None:
        return DEVELOPMENTS["medium"]
    if isinstance(length, str) and length in DEVELOPMENTS:
        return DEVELOPMENTS[length]
    return max(1, min(5, sentence_count(length)))


@dataclass
class EntityNews:
    """An entity with the sentences that introduce it or say something new about it."""

    entity: Entity
    sentences: list[tuple[int, str, Citation]]
    sources: int
    mentions: int


@dataclass
class FactChange:
    """One measure for one subject or place reported with a new value: every value in date order, with sources."""

    attribute: str
    subject: str | None
    values: list[tuple[str, Citation]]
    scope: str | None = None  # the place the values hold for ('Haiti', 'worldwide')

    @property
    def where(self) -> str:
        """' in Haiti', ' worldwide', or '' when the values hold for no one place."""
        if not self.scope:
            return ""
        return " worldwide" if self.scope == "worldwide" else f" in {self.scope}"


@dataclass
class Changes:
    """A diff for (chat, topic), or a full briefing when the chat has none yet."""

    topic: str
    since: str | None = None
    developments: list[BriefItem] = field(default_factory=list)
    new_entities: list[EntityNews] = field(default_factory=list)
    updated_entities: list[EntityNews] = field(default_factory=list)
    fact_changes: list[FactChange] = field(default_factory=list)
    quiet: list[Entity] = field(default_factory=list)
    new_articles: int = 0
    briefing: Briefing | None = None
    message: str = ""
    # What recording this as delivered would write: (kind, newest article id covered, sentence ids shown).
    snapshot: tuple | None = field(default=None, repr=False, compare=False)

    @property
    def is_empty(self) -> bool:
        """Nothing new to report."""
        return self.briefing is None and not (
            self.developments or self.new_entities or self.updated_entities or self.fact_changes
        )

    @property
    def entities(self) -> list[Entity]:
        """The entities this result is about, most prominent first (for 'Who is X?' buttons)."""
        if self.briefing is not None:
            return [e for e, _ in self.briefing.entities]
        return [n.entity for n in self.new_entities + self.updated_entities]

    def shown_text(self) -> list[str]:
        """What a reader sees, in order, as plain text: developments, new and updated entities, changed figures."""
        if self.briefing is not None:
            return [i.text for i in self.briefing.items]
        lines = [i.text for i in self.developments]
        lines += [t for n in self.new_entities + self.updated_entities for _, t, _ in n.sentences]
        for f in self.fact_changes:
            subject = f"{f.subject} — " if f.subject else ""
            lines.append(f"{subject}{f.attribute}{f.where}: " + " → ".join(v for v, _ in f.values))
        return lines

    def as_dict(self) -> dict:
        """Machine-readable form for --json."""
        def news(items):
            return [
                {"entity": n.entity.name, "label": n.entity.label, "sources": n.sources, "mentions": n.mentions,
                 "sentences": [{"text": t, "source": c.__dict__} for _, t, c in n.sentences]}
                for n in items
            ]

        return {
            "topic": self.topic, "since": self.since, "message": self.message, "new_articles": self.new_articles,
            "full_briefing": self.briefing.as_dict() if self.briefing else None,
            "developments": [
                {"text": i.text, "sentence_id": i.sentence_id, "sources": [c.__dict__ for c in i.citations]}
                for i in self.developments
            ],
            "new_entities": news(self.new_entities), "updated_entities": news(self.updated_entities),
            "fact_changes": [
                {"attribute": f.attribute, "subject": f.subject, "scope": f.scope,
                 "values": [{"value": v, "source": c.__dict__} for v, c in f.values]}
                for f in self.fact_changes
            ],
            "quiet": [e.name for e in self.quiet],
        }


@dataclass
class _Diff:
    """A computed diff and what it shows, shareable between chats in the same state."""

    changes: Changes
    sentences: set[int]


class DiffCache:
    """Diffs keyed by everything they depend on, so a digest for 10,000 chats in the same state runs once.

    Least recently used entries go first; the default holds 50 topics × 3 lengths × several chat states.
    """

    def __init__(self, size: int = 1024) -> None:
        self._items: OrderedDict[tuple, object] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()  # readers on several threads share one cache
        self.hits = self.misses = 0

    def get(self, key: tuple, make):
        """The cached value for ``key``, or ``make()`` stored under it (two threads may both make it once)."""
        with self._lock:
            if key in self._items:
                self.hits += 1
                self._items.move_to_end(key)
                return self._items[key]
            self.misses += 1
        value = make()
        with self._lock:
            self._items[key] = value
            if len(self._items) > self._size:
                self._items.popitem(last=False)
        return value


def compute_changes(
    db: sqlite_utils.Database,
    chat_id: int,
    topic: str,
    length: str | int | None = None,
    cache: DiffCache | None = None,
    record: bool = True,
) -> Changes:
    """Diff what arrived since the chat's last briefing on ``topic`` against what it already saw.

    With ``record`` the result is remembered as delivered at once; without, call ``record_changes`` once it is.
    """
    cache = cache or DiffCache(4)
    topic = (topic or "").strip()
    last = chat_store.last_snapshot(db, chat_id, topic)
    # The store only grows: its newest article id names its state, so every chat shares one search per topic.
    newest = store.newest_article_id(db)
    articles: list[Article] = cache.get(("articles", topic, newest), lambda: find_articles(db, topic))
    if last is None:
        # Never briefed on this topic: a full briefing, not a diff.
        briefing = cache.get(("brief", topic, length, newest),
                             lambda: build_briefing(db, topic, length=length, articles=articles))
        changes = Changes(topic=topic, briefing=briefing)
        if briefing.items:
            changes.snapshot = ("brief", newest, [i.sentence_id for i in briefing.shown])
    else:
        covered = {a.id for a in articles if a.id <= last.covered_to}
        new_articles = [a for a in articles if a.id > last.covered_to]
        since = last.created_at
        if not new_articles:
            return Changes(
                topic=topic, since=since,
                message=f"Nothing new on “{topic or 'the top stories'}” since {since[:16].replace('T', ' ')} UTC.",
            )
        delivered_ids = chat_store.delivered_sentence_ids(db, chat_id, topic)
        # A digest is keyed by the store's state, the chat's mark and what it was shown.
        key = ("diff", topic, length, newest, last.covered_to, frozenset(delivered_ids))
        diff: _Diff = cache.get(
            key, lambda: diff_articles(db, topic, new_articles, covered, delivered_ids, length)
        )
        changes = replace(diff.changes, since=since)
        changes.snapshot = ("changes", newest, sorted(diff.sentences))
    if record:
        record_changes(db, chat_id, changes)
    return changes


def record_changes(db: sqlite_utils.Database, chat_id: int, changes: Changes) -> None:
    """Remember a computed diff or first briefing as delivered to the chat."""
    if changes.snapshot is not None:
        kind, covered_to, sentences = changes.snapshot
        chat_store.record_snapshot(db, chat_id, changes.topic, kind, covered_to, sentences, _keep_since())


def _keep_since() -> str:
    """Briefings older than HISTORY_DAYS are forgotten (a chat's latest one is always kept)."""
    return (datetime.now(timezone.utc) - timedelta(days=HISTORY_DAYS)).replace(microsecond=0).isoformat()


def diff_articles(
    db: sqlite_utils.Database, topic: str, new_articles: Sequence[Article], covered: set[int],
    delivered_ids: set[int], length: str | int | None = None,
) -> _Diff:
    """The diff of ``new_articles`` against the ``covered`` articles and the sentences already delivered.

    It opens with the new developments: the best-ranked new sentences that paraphrase nothing delivered, one per
    development, each credited to every outlet that reported it. Entity news and changed facts follow.
    """
    changes = Changes(topic=topic, new_articles=len(new_articles))
    delivered = store.sentences_by_id(db, sorted(delivered_ids))
    rows = candidates_for(db, new_articles)
    novel = novel_ids(rows, delivered)
    scores = dict(zip((r.id for r in rows), rank(rows)[0])) if rows else {}
    fresh = [r for r in rows if r.id in novel]
    if fresh:
        same_fact = fact_groups(db, [a.id for a in new_articles], [r.id for r in fresh])
        similarity = ranking.similarity_matrix([ranking_words(r.tokens) for r in fresh])
        subjects = subjects_of(entity_store.people_by_sentence(db, [r.id for r in fresh]))
        said = reports(db, fresh)
        same = credible(same_development(fresh, similarity, subjects, same_fact), said)
        fresh_scores, _ = rank(fresh, same_fact=same, similarity=similarity)
        fresh_scores = fresh_scores * recency(fresh)
        items = select_items(fresh, fresh_scores, similarity, developments_count(length), same,
                             [subjects.get(r.id) for r in fresh], said)
        changes.developments = sorted(items, key=lambda i: -i.score)  # the most important development first

    old_mentions = entity_store.mentions_in(db, sorted(covered))
    new_mentions = entity_store.mentions_in(db, [a.id for a in new_articles])
    known = {m.entity_id for m in old_mentions}
    by_entity: dict[int, list] = defaultdict(list)
    for m in new_mentions:
        by_entity[m.entity_id].append(m)
    entities = {e.id: e for e, _ in entity_store.entities_with_counts(db, list(by_entity))}
    row_by_id = {r.id: r for r in rows}

    shown_sentences: set[int] = set()
    new_list, updated_list = [], []
    for entity_id, mentions in by_entity.items():
        entity = entities.get(entity_id)
        if entity is None or entity.label not in NEWS_LABELS:
            continue
        sources = len({row_by_id[m.sentence_id].source for m in mentions if m.sentence_id in row_by_id})
        sentence_ids = [m.sentence_id for m in mentions if m.sentence_id in novel]
        ranked = sorted(dict.fromkeys(sentence_ids), key=lambda s: -scores.get(s, 0.0))
        picked = [(s, row_by_id[s].text, cite(row_by_id[s])) for s in ranked[:MAX_SENTENCES_PER_ENTITY]]
        if entity_id not in known:
            if not picked:
                first = min((m.sentence_id for m in mentions if m.sentence_id in row_by_id), default=None)
                if first is None:
                    continue
                picked = [(first, row_by_id[first].text, cite(row_by_id[first]))]
            new_list.append(EntityNews(entity, picked[:1], sources, len(mentions)))
        elif picked:
            updated_list.append(EntityNews(entity, picked, sources, len(mentions)))
    importance = lambda n: (-n.sources, -n.mentions, n.entity.name)  # noqa: E731
    # People first (what analysts follow), then organisations and places; each by importance.
    people = sorted((n for n in new_list if n.entity.label == "PERSON"), key=importance)[:MAX_NEW_PEOPLE]
    others = sorted((n for n in new_list if n.entity.label != "PERSON"), key=importance)[:MAX_NEW_OTHERS]
    changes.new_entities = people + others
    # Entity news repeats no sentence already shown as a development or for a new entity.
    developed = {i.sentence_id for i in changes.developments}
    for news in changes.new_entities:
        news.sentences = [s for s in news.sentences if s[0] not in developed] or news.sentences
    taken = developed | {s for n in changes.new_entities for s, _, _ in n.sentences}
    updated = []
    for news in sorted(updated_list, key=importance):
        news.sentences = [s for s in news.sentences if s[0] not in taken][:MAX_SENTENCES_PER_ENTITY]
        if news.sentences:
            taken |= {s for s, _, _ in news.sentences}
            updated.append(news)
    changes.updated_entities = updated[:MAX_UPDATED_ENTITIES]
    for news in changes.new_entities + changes.updated_entities:
        shown_sentences |= {s for s, _, _ in news.sentences}
    shown_sentences |= developed

    old_facts = store.facts_of(db, sorted(covered))
    new_facts = store.facts_of(db, [a.id for a in new_articles])
    changes.fact_changes = _fact_changes(db, old_facts, new_facts)

    old_counts = Counter(m.entity_id for m in old_mentions)
    quiet_ids = [e for e, n in old_counts.most_common(30) if n >= 3 and e not in by_entity]
    changes.quiet = [
        e for e, _ in entity_store.entities_with_counts(db, quiet_ids) if e.label in NEWS_LABELS
    ][:MAX_QUIET]

    if changes.is_empty:
        count = f"{len(new_articles)} new article" if len(new_articles) == 1 else f"{len(new_articles)} new articles"
        changes.message = f"{count} on “{topic or 'the top stories'}”, but nothing you have not already seen."
    return _Diff(changes, shown_sentences)


GENERIC_PLACE_WORDS = frozenset("strip region province governorate district territory territories county area".split())


def _fact_key(fact: FactRow, scopes: dict[str, str]) -> tuple | None:
    """What makes two values comparable: the same measure of the same subject or place. None: not comparable.

    ``scopes`` maps a stored scope to its place key, so 'Gaza' and 'the Gaza Strip' are one place.
    """
    if fact.subject_id is None and not fact.scope:
        return None
    return (fact.subject_id, fact.attribute, scopes.get(fact.scope, fact.scope))


def _place_keys(db: sqlite_utils.Database, facts: list[FactRow]) -> dict[str, str]:
    keys = {}
    for scope in {f.scope for f in facts if f.scope.isdigit()}:
        entity = entity_store.get_entity(db, int(scope))
        if entity is not None:
            words = [w for w in alias_key(entity.name).split() if w not in GENERIC_PLACE_WORDS]
            keys[scope] = " ".join(words) or scope
    return keys


def _scope_name(db: sqlite_utils.Database, scope: str) -> str | None:
    if not scope:
        return None
    if scope == WORLD:
        return "worldwide"
    entity = entity_store.get_entity(db, int(scope)) if scope.isdigit() else None
    return entity.name if entity else None


def _fact_changes(db: sqlite_utils.Database, old: list[FactRow], new: list[FactRow]) -> list[FactChange]:
    """Measures whose value in the new articles differs from what the covered articles said.

    Values are paired only within one measure of one subject or place (a toll in Haiti is never set beside a toll
    elsewhere, UK cases never beside cases worldwide) and shown in publication order, ranges as written.
    """
    scopes = _place_keys(db, old + new)
    names: dict[str, str] = {}
    history: dict[tuple, list[FactRow]] = defaultdict(list)
    for fact in old:
        if (key := _fact_key(fact, scopes)) is not None:
            history[key].append(fact)
    arrived: dict[tuple, list[FactRow]] = defaultdict(list)
    for fact in new:
        if (key := _fact_key(fact, scopes)) is not None:
            arrived[key].append(fact)
            names.setdefault(key[2], fact.scope)
    changes = []
    for key, facts in arrived.items():
        before = _by_day(history.get(key, []))
        if not before:
            continue
        fresh = [f for f in _by_day(facts) if f.number != before[-1].number]
        if not fresh:
            continue
        values: list[tuple[str, Citation]] = []
        last = None
        series = _latest_run(sorted(before[-2:] + fresh, key=lambda f: (f.published_at, f.article_id)))
        for fact in series[-MAX_FACT_VALUES:]:
            if fact.number == last:
                continue
            last = fact.number
            values.append((fact.value, Citation(fact.source, fact.published_at, fact.url, fact.article_id, "")))
        if len(values) < 2:
            continue  # a value that only repeats what was said is no change
        subject = entity_store.get_entity(db, key[0]) if key[0] else None
        changes.append(FactChange(key[1], subject.name if subject else None, values, _scope_name(db, names[key[2]])))
    return changes


def _latest_run(series: list[FactRow]) -> list[FactRow]:
    """The values of the latest episode: after weeks of silence, a count that falls to under half or jumps a
    hundredfold belongs to another event (January's quake deaths are not June's rig deaths) and is not chained
    to the old values. A toll that keeps rising over months stays one series."""
    start = 0
    for i in range(1, len(series)):
        gap = date.fromisoformat(series[i].published_at[:10]) - date.fromisoformat(series[i - 1].published_at[:10])
        before, after = series[i - 1].number, series[i].number
        unlike = before > 0 and (after < before / 2 or after > before * 100)
        if gap.days > MAX_FACT_GAP_DAYS and unlike:
            start = i
    return series[start:]


def _by_day(facts: list[FactRow]) -> list[FactRow]:
    """One value per publication day, oldest first: each article's first statement, the day's latest article."""
    first_in_article: dict[int, FactRow] = {}
    for fact in sorted(facts, key=lambda f: (f.published_at, f.article_id, f.sentence_id)):
        first_in_article.setdefault(fact.article_id, fact)
    per_day: dict[str, FactRow] = {}
    for fact in first_in_article.values():
        per_day[fact.published_at[:10]] = fact
    return [per_day[day] for day in sorted(per_day)]


def record_briefing(db: sqlite_utils.Database, chat_id: int, topic: str, kind: str, briefing: Briefing) -> int:
    """Remember a delivered briefing for the next diff: every article stored so far counts as seen, and the
    sentences it showed are not shown again."""
    return chat_store.record_snapshot(db, chat_id, topic, kind, store.newest_article_id(db),
                                      [i.sentence_id for i in briefing.shown], _keep_since())
