"""Polling one feed: fetching it (network only, no database) and storing what it gave (database only)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from spacy.language import Language

from service.ingest import IngestReport, ingest
from service.sources import web
from service.sources.fetch import FetchBudget, FetchError, FetchPolicy, Response, fetch
from storage import feeds as feed_store
from storage.db import Database
from storage.records import Feed

log = logging.getLogger(__name__)

# Teaser entries completed from their pages per feed poll (the rest keep their teaser text).
MAX_PAGES_PER_POLL = 20


@dataclass
class FeedFetch:
    """What fetching one feed gave: a response (parsed unless not modified), or an error."""

    response: Response | None = None
    parsed: web.FeedResult | None = None
    error: str | None = None


@dataclass
class FeedPoll:
    """The outcome of polling one feed."""

    url: str
    status: str
    report: IngestReport | None = None


def fetch_feed(feed: Feed, policy: FetchPolicy) -> FeedFetch:
    """Fetch and parse one feed with a conditional request, completing teasers within a page and time budget."""
    try:
        response = fetch(feed.url, policy, web.FEED_TYPES + web.PAGE_TYPES, feed.etag, feed.last_modified)
        if response.status == 304:
            return FeedFetch(response=response)
        budget = FetchBudget(MAX_PAGES_PER_POLL, policy.timeout * 6)
        return FeedFetch(response=response, parsed=web.parse_feed(response.body, feed.url, policy, budget))
    except FetchError as exc:
        return FeedFetch(error=str(exc))
    except Exception as exc:  # one broken feed must not stop the others
        log.exception("feed %s failed", feed.url)
        return FeedFetch(error=f"{exc.__class__.__name__}: {str(exc)[:200]}")


def store_feed(db: Database, nlp: Language, feed: Feed, fetched: FeedFetch) -> FeedPoll:
    """Ingest a fetched feed's entries and record the poll (status, validators, title) on the feed."""
    if fetched.error is not None:
        status = f"error: {fetched.error}"
        feed_store.record_poll(db, feed.url, status)
        return FeedPoll(feed.url, status)
    if fetched.parsed is None or fetched.response is None:
        feed_store.record_poll(db, feed.url, "not modified")
        return FeedPoll(feed.url, "not modified")
    try:
        report = ingest(db, nlp, fetched.parsed.items)
    except Exception as exc:
        log.exception("feed %s could not be stored", feed.url)
        status = f"error: {exc.__class__.__name__}: {str(exc)[:200]}"
        feed_store.record_poll(db, feed.url, status)
        return FeedPoll(feed.url, status)
    status = f"ok: {report.summary()}"
    response = fetched.response
    feed_store.record_poll(db, feed.url, status, response.etag, response.last_modified, fetched.parsed.title)
    return FeedPoll(feed.url, status, report)
