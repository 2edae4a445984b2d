"""How a story develops day by day: articles per day and the daily mentions of its five most-named entities."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from service.limits import DEFAULT_TREND_DAYS as DEFAULT_DAYS
from service.selection import find_articles, no_match_message
from service.timeline import TIMELINE_ARTICLES, build_timeline
from storage import entities as entity_store
from storage.db import Database
from storage.records import Entity
from summarizer.dates import shift_day
from summarizer.entities import NEWS_LABELS

MIN_DAYS = 7
# A week with no article ends a stretch of coverage: the default window shows the latest stretch, not empty weeks.
QUIET_GAP_DAYS = 7
SERIES = 5


@dataclass
class Trend:
    """A topic's daily counts over its last ``len(days)`` days of coverage (or why there are none)."""

    topic: str
    days: list[str] = field(default_factory=list)
    articles: list[int] = field(default_factory=list)
    series: list[tuple[Entity, list[int]]] = field(default_factory=list)
    timeline_days: list[str] = field(default_factory=list)
    message: str = ""

    def as_dict(self) -> dict:
        """Machine-readable form for --json."""
        return {
            "topic": self.topic,
            "message": self.message,
            "days": self.days,
            "articles": self.articles,
            "series": [{"id": e.id, "name": e.name, "label": e.label, "mentions": counts} for e, counts in self.series],
            "timeline_days": self.timeline_days,
        }


def build_trend(db: Database, topic: str, days: int | None = None) -> Trend:
    """Articles per day on the topic over its last ``days`` days of coverage (without a number: its latest stretch
    of coverage, at least a week and at most DEFAULT_DAYS), the daily mentions of the five people, organisations or
    places named most in that period, and the days its timeline picks that have articles."""
    topic = (topic or "").strip()
    trend = Trend(topic=topic)
    articles = find_articles(db, topic, limit=TIMELINE_ARTICLES)
    if not articles:
        trend.message = no_match_message(db, topic, None)
        return trend
    published = sorted({date.fromisoformat(a.published_at[:10]) for a in articles})
    last = published[-1]
    days = days or latest_stretch(published)
    first = shift_day(last, -(days - 1))
    window = [a for a in articles if date.fromisoformat(a.published_at[:10]) >= first]
    trend.days = [shift_day(first, n).isoformat() for n in range(days)]
    index = {day: n for n, day in enumerate(trend.days)}
    trend.articles = [0] * days
    for article in window:
        trend.articles[index[article.published_at[:10]]] += 1
    ids = [a.id for a in window]
    top = entity_store.top_mentioned(db, ids, NEWS_LABELS, SERIES)
    counts = entity_store.daily_mentions(db, ids, [e.id for e, _ in top])
    for entity, _ in top:
        per_day = [0] * days
        for day, n in counts.get(entity.id, {}).items():
            if day in index:
                per_day[index[day]] = n
        trend.series.append((entity, per_day))
    timeline = build_timeline(db, topic, articles=window)
    # A key date is marked on its bar: a day the timeline names but nobody published on has no bar to mark.
    trend.timeline_days = sorted(e.day for e in timeline.entries if e.day in index and trend.articles[index[e.day]])
    return trend


def latest_stretch(published: list[date]) -> int:
    """Days from the start of the latest stretch of coverage (no week without an article) to its last day, at
    least MIN_DAYS and at most DEFAULT_DAYS."""
    start = len(published) - 1
    while start > 0 and (published[start] - published[start - 1]).days <= QUIET_GAP_DAYS:
        start -= 1
    span = (published[-1] - published[start]).days + 1
    return max(MIN_DAYS, min(DEFAULT_DAYS, span))
