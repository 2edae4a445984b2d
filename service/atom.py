"""A topic's briefing as an Atom feed (feedgen): any feed reader can follow a briefbot topic outside Telegram."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timezone

from feedgen.feed import FeedGenerator

from service.results import BriefItem, Briefing

FEED_ID = "tag:briefbot,2024:"


def _moment(day: str) -> datetime:
    """An ISO date or time as an aware datetime (UTC when it has no zone)."""
    moment = datetime.fromisoformat(day if "T" in day else f"{day[:10]}T00:00:00")
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _entry_id(item: BriefItem) -> str:
    digest = hashlib.sha1(f"{item.sentence_id}:{item.text}".encode()).hexdigest()[:16]
    return f"{FEED_ID}sentence:{digest}"


def briefing_atom(briefing: Briefing, self_url: str | None = None) -> bytes:
    """One entry per briefing sentence, newest first: the sentence verbatim, its outlets and a link to the first
    source's article."""
    generator = FeedGenerator()
    topic = briefing.topic or "top stories"
    generator.id(f"{FEED_ID}topic:{re.sub(r'[^a-z0-9]+', '-', topic.casefold()).strip('-') or 'top'}")
    generator.title(f"briefbot: {topic}")
    generator.subtitle("Sentences from named sources, each credited to every outlet that reported it.")
    generator.author({"name": "briefbot"})
    generator.language("en")
    if self_url:
        generator.link(href=self_url, rel="self")
    items = sorted(briefing.shown, key=lambda i: i.citations[0].published_at, reverse=True)
    newest = _moment(items[0].citations[0].published_at) if items else datetime.now(timezone.utc)
    generator.updated(newest)
    for item in reversed(items):  # feedgen puts the last added first
        entry = generator.add_entry()
        entry.id(_entry_id(item))
        first = item.citations[0]
        entry.title(item.text if len(item.text) <= 120 else item.text[:117] + "…")
        entry.content(item.text, type="text")
        outlets = ", ".join(dict.fromkeys(c.source for c in item.citations))
        entry.summary(f"{item.text} ({outlets})")
        entry.published(_moment(first.published_at))
        entry.updated(_moment(first.published_at))
        for citation in item.citations:
            if citation.url and re.match(r"^https?://", citation.url):
                entry.link(href=citation.url, rel="alternate" if citation is first else "related",
                           title=citation.source)
        entry.author({"name": outlets})
    return generator.atom_str(pretty=True)
