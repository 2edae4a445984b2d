"""/timeline: the most important dates of a story, each told by one credited sentence."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from service.limits import DEFAULT_DATES, MAX_DATES
from service.results import BriefItem
from service.selection import best_items, find_articles, no_match_message, novel_ids
from storage import articles as store
from storage.db import Database
from storage.records import Article, SentenceRow
from summarizer.dates import shift_day
from summarizer.text import quality_of

# A story's timeline reads its whole coverage, not only the newest articles a briefing ranks.
TIMELINE_ARTICLES = 2000
# Sentences of an article that can tell its day: the lead, where news puts what happened.
LEAD = 5
# An article naming a date counts this much toward the date's importance, next to 1 for an article published
# on it: journalists refer back to the days that mattered (chosen on the Timeline17 dev topics from 0, 0.5, 1, 2, 4).
MENTION_WEIGHT = 2


@dataclass
class TimelineEntry:
    """One date of the story and the sentence that tells it, credited to every outlet that said the same."""

    day: str
    item: BriefItem


@dataclass
class Timeline:
    """A story's most important dates, oldest first, or the reason there is none."""

    topic: str
    entries: list[TimelineEntry] = field(default_factory=list)
    article_ids: list[int] = field(default_factory=list)
    message: str = ""

    def as_dict(self) -> dict:
        """Machine-readable form for --json."""
        return {
            "topic": self.topic,
            "message": self.message,
            "articles": len(self.article_ids),
            "dates": [
                {"date": e.day, "text": e.item.text, "sources": [c.__dict__ for c in e.item.citations]}
                for e in self.entries
            ],
        }


def date_scores(
    articles: Sequence[Article], mentions: Sequence[tuple[int, str]], article_of: dict[int, int]
) -> Counter[str]:
    """How important each day is: articles published on it, plus articles that name it (from other days)."""
    scores: Counter[str] = Counter(a.published_at[:10] for a in articles)
    first = min(scores) if scores else ""
    last = max(scores) if scores else ""
    named: dict[str, set[int]] = defaultdict(set)
    for sentence_id, day in mentions:
        named[day].add(article_of[sentence_id])
    for day, by in named.items():
        # Days inside the coverage (and the eve of it: the event the first reports tell of).
        if first and shift_day(date.fromisoformat(first), -7).isoformat() <= day <= last:
            scores[day] += MENTION_WEIGHT * len(by)
    return scores


def build_timeline(
    db: Database,
    topic: str,
    count: int = DEFAULT_DATES,
    since: str | None = None,
    articles: Sequence[Article] | None = None,
    days: Sequence[str] | None = None,
) -> Timeline:
    """The ``count`` most important dates of a topic, oldest first, each with its best sentence.

    Dates come from publication dates and from dates the text names ('on 25 May'); a date's sentence is the
    best-ranked lead sentence published that day, or a sentence naming the date, that repeats no
    other entry. ``days`` fixes the dates instead of choosing them.
    """
    topic = (topic or "").strip()
    count = max(1, min(MAX_DATES, count))
    timeline = Timeline(topic=topic)
    if articles is None:
        articles = find_articles(db, topic, since, limit=TIMELINE_ARTICLES)
    if not articles:
        timeline.message = no_match_message(db, topic, since)
        return timeline
    ids = [a.id for a in articles]
    timeline.article_ids = ids
    # Days are chosen from dates alone; only the chosen days' candidate sentences are read.
    dated = store.dated_sentences(db, ids)
    mentions = [(s, d) for s, _, d in dated]
    if days is None:
        scores = date_scores(articles, mentions, {s: a for s, a, _ in dated})
        days = [d for d, _ in sorted(scores.items(), key=lambda p: (-p[1], p[0]))[:count]]
    wanted = set(days)
    leads = store.sentences_of(db, [a.id for a in articles if a.published_at[:10] in wanted], LEAD)
    naming = sorted({s for s, d in mentions if d in wanted} - {r.id for r in leads})
    rows = leads + store.sentences_by_id(db, naming)
    by_day = _candidates(rows, [(s, d) for s, d in mentions if d in wanted])
    chosen: list[SentenceRow] = []
    for day in days:
        pool = by_day.get(day, [])
        fresh = novel_ids(pool, chosen) if chosen else {r.id for r in pool}
        # A day is told by a sentence that stands alone: never the tail of a split quotation or page furniture.
        pool = [r for r in pool if r.id in fresh and quality_of(r.text, r.quality) > 0]
        if not pool:
            continue
        item = best_items(db, pool, 1)[0]
        timeline.entries.append(TimelineEntry(day, item))
        chosen += [r for r in pool if r.id == item.sentence_id]
    timeline.entries.sort(key=lambda e: e.day)
    return timeline


def _candidates(rows: Sequence[SentenceRow], mentions: Sequence[tuple[int, str]]) -> dict[str, list[SentenceRow]]:
    """Sentences that can tell each day: leads published that day, and sentences naming the day.

    (Leads of the next day's articles were tried as well: they tell the day less well on the Timeline17 dev topics.)
    """
    by_day: dict[str, dict[int, SentenceRow]] = defaultdict(dict)
    by_id = {r.id: r for r in rows}
    for row in rows:
        if row.position < LEAD:
            day = row.published_at[:10]
            by_day[day][row.id] = row
    for sentence_id, day in mentions:
        if sentence_id in by_id:
            by_day[day][sentence_id] = by_id[sentence_id]
    return {day: list(found.values()) for day, found in by_day.items()}
