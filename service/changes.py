"""What changed since a chat's last briefing on a topic, organised by entity."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any, Literal, TypeVar

from service.arrivals import Arrivals, read_arrivals, unseen
from service.briefing import build_briefing
from service.diffcache import DiffCache
from service.factchanges import FactChange
from service.results import Briefing, BriefItem, Citation
from service.selection import (
    Scored,
    cite,
    find_articles,
    select_items,
    sentence_count,
)
from service.topicreads import TopicReads, topic_reads
from storage import articles as store
from storage import chats as chat_store
from storage.db import Database
from storage.records import Article, Entity
from summarizer.clauses import what_they_did

# A diff sized for a phone: words of the rendered text (sentences, lines and credits) per length, and how many
# new people, organisations or places, known entities with news and changed figures it lists.
T = TypeVar("T")
WORD_BUDGET = {"short": 100, "medium": 180, "long": 300}
MAX_NEW_PEOPLE = {"short": 2, "medium": 3, "long": 5}
MAX_NEW_OTHERS = {"short": 1, "medium": 2, "long": 3}
MAX_UPDATED_ENTITIES = {"short": 0, "medium": 0, "long": 3}
MAX_FACT_LINES = {"short": 2, "medium": 3, "long": 5}
MAX_SENTENCES_PER_ENTITY = 1
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


def length_name(length: str | int | None) -> str:
    """'short', 'medium' or 'long' for a length name or a number of sentences."""
    if isinstance(length, str) and length in DEVELOPMENTS:
        return length
    if length is None:
        return "medium"
    count = sentence_count(length)
    return "short" if count <= 3 else "medium" if count <= 5 else "long"


@dataclass
class EntityNews:
    """An entity with the sentences that introduce it or say something new about it.

    A new entity is shown as one line: its role when the new articles give one, and a short verbatim clause of
    what it did (from ``sentences[0]``, credited to its outlet)."""

    entity: Entity
    sentences: list[tuple[int, str, Citation]]
    sources: int
    mentions: int
    role: str | None = None
    clause: str | None = None
    articles: int = 1

    def line(self) -> str:
        """'Gideon Saar — Israeli Foreign Minister; Blinken spoke in Rome after meeting …' as plain text."""
        parts = [p for p in (self.role, self.clause) if p]
        return f"{self.entity.name} — " + "; ".join(parts) if parts else self.entity.name


@dataclass(frozen=True)
class Delivered:
    """What a chat was shown, as its history records it: how (a first briefing, a diff, the rest of a shortened
    diff), the newest article covered, and the sentences shown."""

    kind: Literal["brief", "changes", "more"]
    covered_to: int
    shown: list[int]


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
    left_out: int = 0  # lines left out to keep the message short (the long form has them)
    base: int | None = None  # the newest article the chat had seen before this diff
    # What recording this as delivered would write.
    snapshot: Delivered | None = field(default=None, repr=False, compare=False)

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
            return self.briefing.named_entities()
        return [n.entity for n in self.new_entities + self.updated_entities]

    def shown_text(self) -> list[str]:
        """What a reader sees, in order, as plain text: developments, new and updated entities, changed figures."""
        if self.briefing is not None:
            return [i.text for i in self.briefing.items]
        lines = [i.text for i in self.developments]
        lines += [n.line() for n in self.new_entities]
        lines += [t for n in self.updated_entities for _, t, _ in n.sentences]
        lines += [f.line() for f in self.fact_changes]
        return lines

    def as_dict(self) -> dict:
        """Machine-readable form for --json."""

        def news(items: list[EntityNews]) -> list[dict[str, Any]]:
            return [
                {
                    "entity": n.entity.name,
                    "label": n.entity.label,
                    "sources": n.sources,
                    "mentions": n.mentions,
                    "role": n.role,
                    "clause": n.clause,
                    "line": n.line(),
                    "sentences": [{"text": t, "source": c.__dict__} for _, t, c in n.sentences],
                }
                for n in items
            ]

        return {
            "topic": self.topic,
            "since": self.since,
            "message": self.message,
            "new_articles": self.new_articles,
            "full_briefing": self.briefing.as_dict() if self.briefing else None,
            "developments": [
                {"text": i.text, "sentence_id": i.sentence_id, "sources": [c.__dict__ for c in i.citations]}
                for i in self.developments
            ],
            "new_entities": news(self.new_entities),
            "updated_entities": news(self.updated_entities),
            "fact_changes": [
                {
                    "attribute": f.attribute,
                    "subject": f.subject,
                    "scope": f.scope,
                    "values": [{"value": v, "source": c.__dict__} for v, c in f.values],
                }
                for f in self.fact_changes
            ],
            "quiet": [e.name for e in self.quiet],
        }


@dataclass
class _Diff:
    """A computed diff and what it shows, shareable between chats in the same state."""

    changes: Changes
    sentences: set[int]


def compute_changes(
    db: Database,
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
        def brief() -> Briefing:
            # The three lengths of a topic's briefing share the candidates' scoring.
            memo: dict[tuple, Scored] = cache.get(("scored", topic, newest), dict)
            return build_briefing(db, topic, length=length, articles=articles, memo=memo)

        briefing = cache.get(("brief", topic, length, newest), brief)
        changes = Changes(topic=topic, briefing=briefing)
        if briefing.items:
            changes.snapshot = Delivered("brief", newest, [i.sentence_id for i in briefing.shown])
    else:
        covered = {a.id for a in articles if a.id <= last.covered_to}
        new_articles = [a for a in articles if a.id > last.covered_to]
        since = last.created_at
        if not new_articles:
            return Changes(
                topic=topic,
                since=since,
                message=f"Nothing new on “{topic or 'the top stories'}” since {since[:16].replace('T', ' ')} UTC.",
            )
        delivered = frozenset(chat_store.delivered_sentence_ids(db, chat_id, topic))

        def state_diff() -> _Diff:
            # What arrived since a mark is read and scored once for every chat at that mark; a diff is then keyed by
            # which of it the chat has not seen (chats shown different sentences mostly share it).
            reads: TopicReads = cache.get(("reads", topic, newest), lambda: topic_reads(db, [a.id for a in articles]))
            arrivals: Arrivals = cache.get(
                ("arrivals", topic, newest, last.covered_to),
                lambda: read_arrivals(db, topic, new_articles, covered, reads),
            )
            novel: frozenset[int] = cache.get(
                ("novel", topic, newest, last.covered_to, delivered), lambda: unseen(db, arrivals, delivered)
            )
            return cache.get(
                ("diff", topic, length, newest, last.covered_to, novel), lambda: _diff(arrivals, novel, length)
            )

        # A chat's state (its mark and what it was shown) names its diff: a prepared wave finds it here.
        diff: _Diff = cache.get(("state", topic, length, newest, last.covered_to, delivered), state_diff)
        changes = replace(diff.changes, since=since, base=last.covered_to)
        changes.snapshot = Delivered("changes", newest, sorted(diff.sentences))
    if record:
        record_changes(db, chat_id, changes)
    return changes


def more_changes(db: Database, chat_id: int, topic: str, base: int) -> Changes:
    """The rest of the last diff on ``topic``: what arrived after ``base`` up to the chat's last briefing, in the
    long form, leaving out what the chat was already shown (recorded as shown in turn)."""
    topic = (topic or "").strip()
    last = chat_store.last_snapshot(db, chat_id, topic)
    if last is None or last.covered_to <= base:
        return Changes(topic=topic, message=f"Nothing more on “{topic or 'the top stories'}” since your last briefing.")
    articles = find_articles(db, topic)
    new_articles = [a for a in articles if base < a.id <= last.covered_to]
    covered = {a.id for a in articles if a.id <= base}
    if not new_articles:
        return Changes(topic=topic, message=f"Nothing more on “{topic or 'the top stories'}”.")
    diff = diff_articles(
        db, topic, new_articles, covered, chat_store.delivered_sentence_ids(db, chat_id, topic), "long"
    )
    changes = replace(diff.changes, since=last.created_at, base=base)
    if changes.is_empty:
        changes.message = f"Nothing more on “{topic or 'the top stories'}” that you have not seen."
    changes.snapshot = Delivered("more", last.covered_to, sorted(diff.sentences))
    record_changes(db, chat_id, changes)
    return changes


def record_changes(db: Database, chat_id: int, changes: Changes) -> None:
    """Remember a computed diff or first briefing as delivered to the chat."""
    if changes.snapshot is not None:
        mark = changes.snapshot
        chat_store.record_snapshot(db, chat_id, changes.topic, mark.kind, mark.covered_to, mark.shown, _keep_since())


def _keep_since() -> str:
    """Briefings older than HISTORY_DAYS are forgotten (a chat's latest one is always kept)."""
    return (datetime.now(UTC) - timedelta(days=HISTORY_DAYS)).replace(microsecond=0).isoformat()


def diff_articles(
    db: Database,
    topic: str,
    new_articles: Sequence[Article],
    covered: set[int],
    delivered_ids: set[int],
    length: str | int | None = None,
) -> _Diff:
    """The diff of ``new_articles`` against the ``covered`` articles and the sentences already delivered.

    It opens with the new developments: the best-ranked new sentences that paraphrase nothing delivered, one per
    development, each credited to every outlet that reported it. Entity news and changed facts follow.
    """
    arrivals = read_arrivals(db, topic, new_articles, covered)
    return _diff(arrivals, unseen(db, arrivals, delivered_ids), length)


def _diff(arrivals: Arrivals, novel: frozenset[int], length: str | int | None) -> _Diff:
    """The diff a chat gets when ``novel`` is what it has not seen (no reads: shared by every chat alike)."""
    changes = Changes(topic=arrivals.topic, new_articles=arrivals.new_articles)
    rows = arrivals.rows
    picked = [i for i, r in enumerate(rows) if r.id in novel]
    if picked:
        # What the chat has not seen, ranked as every chat's arrivals were: a state costs a selection, not a ranking.
        fresh = [rows[i] for i in picked]
        at = {old: new for new, old in enumerate(picked)}
        same = {at[i]: {at[j] for j in others if j in at} for i, others in arrivals.same.items() if i in at}
        items = select_items(
            fresh,
            arrivals.ranked[picked],
            arrivals.repeats[picked][:, picked],
            developments_count(length),
            {i: others for i, others in same.items() if others},
            [arrivals.subjects.get(r.id) for r in fresh],
            [arrivals.said[i] for i in picked],
        )
        changes.developments = sorted(items, key=lambda i: -i.score)  # the most important development first

    changes.new_entities, changes.updated_entities = _entity_news(arrivals, novel, changes.developments, length)
    size = length_name(length)
    changes.fact_changes = arrivals.fact_changes[: MAX_FACT_LINES[size]]
    changes.quiet = list(arrivals.quiet)
    _fit(changes, WORD_BUDGET[size])
    # Entity lines quote a clause, not a sentence: only the long form's news about known entities counts as shown.
    shown_sentences = {i.sentence_id for i in changes.developments}
    shown_sentences |= {s for n in changes.updated_entities for s, _, _ in n.sentences}

    if changes.is_empty:
        count = (
            f"{arrivals.new_articles} new article"
            if arrivals.new_articles == 1
            else f"{arrivals.new_articles} new articles"
        )
        changes.message = f"{count} on “{arrivals.topic or 'the top stories'}”, but nothing you have not already seen."
    return _Diff(changes, shown_sentences)


def record_briefing(db: Database, chat_id: int, topic: str, kind: str, briefing: Briefing) -> int:
    """Remember a delivered briefing for the next diff: every article stored so far counts as seen, and the
    sentences it showed are not shown again."""
    return chat_store.record_snapshot(
        db, chat_id, topic, kind, store.newest_article_id(db), [i.sentence_id for i in briefing.shown], _keep_since()
    )


def _entity_news(
    arrivals: Arrivals, novel: frozenset[int], developments: Sequence[BriefItem], length: str | int | None
) -> tuple[list[EntityNews], list[EntityNews]]:
    """New people, organisations and places as one line each, and (long form) news about known entities.

    Taken in order of importance (the same for every chat at the mark: ``Arrivals.new_entities``) until the form's
    few are found. Left out besides: an outlet (the article's publisher is not its news), a person with no role and
    nothing to say about them, and any line that would only repeat a development.
    """
    size = length_name(length)
    roles, row_by_id = arrivals.roles, arrivals.by_id
    developed = {i.sentence_id for i in developments}
    people: list[EntityNews] = []
    others: list[EntityNews] = []
    for entity, named in arrivals.new_entities:
        person = entity.label == "PERSON"
        kept, most = (people, MAX_NEW_PEOPLE[size]) if person else (others, MAX_NEW_OTHERS[size])
        if len(kept) >= most:
            if len(people) >= MAX_NEW_PEOPLE[size] and len(others) >= MAX_NEW_OTHERS[size]:
                break
            continue
        role = roles.get(entity.id)
        news = EntityNews(entity, [], named.sources, named.mentions, role=role, articles=named.articles)
        surfaces = dict(named.in_rows)
        # A person's line says what they did; an organisation or place is listed by name.
        for sentence_id in (s for s in named.ranked if s not in developed) if person else ():
            row = row_by_id[sentence_id]
            # A role already says who they are; a clause that only names them adds nothing.
            subject_only = role is not None
            clause = what_they_did(row.text, surfaces[sentence_id], subject_only=subject_only) or what_they_did(
                row.text, entity.name, subject_only=subject_only
            )
            if clause:
                news.clause, news.sentences = clause, [(sentence_id, row.text, cite(row))]
                break
        if news.clause is None and role is None and person:
            continue  # named only in a development, or with nothing to say about them
        if not news.sentences:
            first = min((s for s, _ in named.in_rows), default=None)
            if first is None:
                continue
            news.sentences = [(first, row_by_id[first].text, cite(row_by_id[first]))]
        kept.append(news)

    updated: list[EntityNews] = []
    # A sentence a new entity's clause is quoted from is not shown again whole for a known one.
    taken = set(developed) | {n.sentences[0][0] for n in people + others if n.clause}
    # Known entities in order of importance, each with the best sentence about it the chat has not seen, until the
    # form's few are found.
    for entity, named in arrivals.known_again:
        if len(updated) >= MAX_UPDATED_ENTITIES[size]:
            break
        not_shown = (s for s in named.ranked if s in novel and s not in developed)
        fresh = [s for s in islice(not_shown, MAX_SENTENCES_PER_ENTITY) if s not in taken]
        if fresh:
            taken |= set(fresh)
            picked = [(s, row_by_id[s].text, cite(row_by_id[s])) for s in fresh]
            updated.append(EntityNews(entity, picked, named.sources, named.mentions, articles=named.articles))
    return people + others, updated


def _words(text: str, citations: Sequence[Citation]) -> int:
    """Words a line takes once rendered: its text and its credits ('Outlet, 2024-10-22')."""
    return len(text.split()) + sum(len(c.source.split()) + 1 for c in citations)


def _entity_words(news: EntityNews) -> int:
    """Words of a new entity's line: a person's with its clause's credit, anyone else's name alone."""
    if news.entity.label != "PERSON":
        return len(news.line().split())
    return _words(news.line(), [news.sentences[0][2]] if news.clause else [])


def _fact_words(fact: FactChange) -> int:
    """Words of a changed figure's line, every value credited."""
    return _words(fact.line(), [c for _, c in fact.values])


def _fit(changes: Changes, budget: int) -> None:
    """Keep the diff within ``budget`` words: the most important development always, then the rest while they
    fit, in this order: developments (leaving up to a third of the budget for the lines), changed figures, new
    people, new organisations and places, news about known entities, who went quiet. What is left out is counted
    for the reader ('more' is one tap away)."""
    # The heading, the 'N new articles since …' line and the closing 'N more lines' pointer.
    used = 18 + len(changes.topic.split())
    lines = sum(_entity_words(n) + 1 for n in changes.new_entities) + sum(
        _fact_words(f) + 1 for f in changes.fact_changes
    )
    reserve = min(lines, budget // 3)
    kept_developments: list[BriefItem] = []
    for item in changes.developments:
        cost = _words(item.text, item.citations) + 1 + (2 if not kept_developments else 0)
        if kept_developments and used + cost > budget - reserve:
            changes.left_out += 1
            continue
        used += cost
        kept_developments.append(item)
    changes.developments = kept_developments

    def keep(items: list, cost_of: Callable[[Any], int]) -> list:
        nonlocal used
        kept: list = []
        for item in items:
            cost = cost_of(item) + 1 + (4 if not kept else 0)  # a bullet; a section heading
            if used + cost > budget:
                changes.left_out += 1
                continue
            used += cost
            kept.append(item)
        return kept

    changes.fact_changes = keep(changes.fact_changes, _fact_words)
    people = keep([n for n in changes.new_entities if n.entity.label == "PERSON"], _entity_words)
    others = keep([n for n in changes.new_entities if n.entity.label != "PERSON"], _entity_words)
    changes.new_entities = people + others
    changes.updated_entities = keep(
        changes.updated_entities,
        lambda n: 1 + len(n.entity.name.split()) + sum(_words(t, [c]) for _, t, c in n.sentences),
    )
    changes.quiet = keep(changes.quiet, lambda e: len(e.name.split()) + 1)
