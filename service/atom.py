"""A topic's briefing as an Atom feed (feedgen): any feed reader can follow a briefbot topic outside Telegram."""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import UTC, datetime

from feedgen.feed import FeedGenerator

from service.results import Briefing, BriefItem

FEED_ID = "tag:briefbot,2024:"


# What XML 1.0 forbids: control characters but tab and newlines, lone surrogates, U+FFFE and U+FFFF.
NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
log = logging.getLogger(__name__)


def _xml(text: str | None) -> str:
    """Text XML can carry: an article stored before ingest cleaned every field must not break the whole feed."""
    return NOT_XML.sub("", text or "")


def _moment(day: str) -> datetime:
    """An ISO date or time as an aware datetime (UTC when it has no zone); now, for a date that does not parse."""
    try:
        moment = datetime.fromisoformat(day if "T" in day else f"{day[:10]}T00:00:00")
    except ValueError:
        return datetime.now(UTC).replace(microsecond=0)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _entry_id(item: BriefItem) -> str:
    digest = hashlib.sha1(f"{item.sentence_id}:{item.text}".encode()).hexdigest()[:16]
    return f"{FEED_ID}sentence:{digest}"


def briefing_atom(briefing: Briefing, self_url: str | None = None) -> bytes:
    """One entry per briefing sentence, newest first: the sentence verbatim, its outlets and a link to the first
    source's article."""
    generator = FeedGenerator()
    topic = _xml(briefing.topic) or "top stories"
    generator.id(f"{FEED_ID}topic:{re.sub(r'[^a-z0-9]+', '-', topic.casefold()).strip('-') or 'top'}")
    generator.title(f"briefbot: {topic}")
    generator.subtitle("Sentences from named sources, each credited to every outlet that reported it.")
    generator.author({"name": "briefbot"})
    generator.language("en")
    if self_url:
        generator.link(href=self_url, rel="self")
    items = sorted(briefing.shown, key=lambda i: i.citations[0].published_at, reverse=True)
    newest = _moment(items[0].citations[0].published_at) if items else datetime.now(UTC)
    generator.updated(newest)
    for item in reversed(items):  # feedgen puts the last added first
        try:
            _add_entry(generator, item)
        except (ValueError, TypeError, OverflowError):  # one article's odd field costs its entry, not the feed
            log.warning("Atom entry for sentence %s left out", item.sentence_id, exc_info=True)
    feed: bytes = generator.atom_str(pretty=True)
    return feed


def _add_entry(generator: FeedGenerator, item: BriefItem) -> None:
    text = " ".join(_xml(item.text).split())
    if not text:
        raise ValueError("nothing XML can carry in the sentence")
    entry = generator.add_entry()
    try:
        entry.id(_entry_id(item))
        first = item.citations[0]
        entry.title(text if len(text) <= 120 else text[:117] + "…")
        entry.content(text, type="text")
        outlets = _xml(", ".join(dict.fromkeys(c.source for c in item.citations)))
        entry.summary(f"{text} ({outlets})")
        entry.published(_moment(first.published_at))
        entry.updated(_moment(first.published_at))
        for citation in item.citations:
            if citation.url and re.match(r"^https?://[^\s]+$", citation.url) and not NOT_XML.search(citation.url):
                entry.link(
                    href=citation.url, rel="alternate" if citation is first else "related", title=_xml(citation.source)
                )
        entry.author({"name": outlets or "unnamed source"})
    except BaseException:
        generator.remove_entry(entry)
        raise
