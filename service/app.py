"""The service: one object composing storage and the summarizer for the command line, console and bot."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import sqlite_utils
from spacy.language import Language

from service import sources
from service.briefing import LENGTHS, MAX_SENTENCES, Briefing, build_briefing
from service.changes import Changes, DiffCache, compute_changes, record_briefing, record_changes
from service.fetch import FetchError, FetchPolicy, check_address
from service.ingest import IngestReport, ingest
from service.timeline import DEFAULT_DATES, MAX_DATES, Timeline, build_timeline
from service.profiles import Lookup, Profile, build_profile, resolve_name
from storage import articles as article_store
from storage import chats as chat_store
from storage import feeds as feed_store
from storage.db import StoreError, open_database, utcnow
from storage.records import Chat, Feed
from summarizer.nlp import DEFAULT_MODEL, load_pipeline, model_installed

MAX_TOPIC = 200


class InputError(ValueError):
    """Bad user input; the message is the one-line reason to show."""


@dataclass
class FeedPoll:
    """The outcome of polling one feed."""

    url: str
    status: str
    report: IngestReport | None = None


def clean_topic(topic: str | None) -> str:
    """A topic as stored: trimmed, single-spaced, bounded; raises InputError when unusable."""
    topic = " ".join((topic or "").split())
    if len(topic) > MAX_TOPIC:
        raise InputError(f"That topic is too long ({len(topic)} characters; at most {MAX_TOPIC}).")
    if topic and not re.search(r"\w", topic):
        raise InputError("A topic needs at least one letter or digit.")
    return topic


def parse_length(length: str | int | None) -> str | int | None:
    """A briefing length: short, medium, long or a number of sentences from 1 to MAX_SENTENCES."""
    if length is None or isinstance(length, int) or length in LENGTHS:
        return length
    text = str(length).strip()
    if text.isdigit() and 1 <= int(text) <= MAX_SENTENCES:
        return int(text)
    raise InputError(
        f"The length must be short, medium, long or a number of sentences from 1 to {MAX_SENTENCES}, "
        f"not {text[:20]!r}"
    )


def parse_since(value: str | None) -> str | None:
    """An ISO date for --since (YYYY-MM-DD); raises InputError otherwise."""
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise InputError(f"--since takes a date like 2024-10-21, not {value!r}") from None


# Teaser entries completed from their pages per feed poll (the rest keep their teaser text).
MAX_PAGES_PER_POLL = 20


log = logging.getLogger(__name__)


@dataclass
class FeedFetch:
    """What fetching one feed gave: a response (parsed unless not modified), or an error."""

    response: object | None = None
    parsed: sources.FeedResult | None = None
    error: str | None = None


def preflight(db_path: str | Path, model: str) -> None:
    """Check before starting that the database opens (StoreError) and the spaCy model is installed (StoreError)."""
    open_database(db_path).conn.close()
    if not model_installed(model):
        raise StoreError(f"the spaCy model {model!r} is not installed; run `make setup`")


class Service:
    """Everything briefbot does, with no Telegram in sight. Methods are blocking: call them off the event loop."""

    def __init__(self, db: sqlite_utils.Database, nlp: Language | None = None, policy: FetchPolicy | None = None,
                 model: str = DEFAULT_MODEL) -> None:
        self.db = db
        self._nlp = nlp
        self._model = model
        self.policy = policy or FetchPolicy()
        self.diffs = DiffCache()

    @classmethod
    def open(cls, path: str | Path, model: str = DEFAULT_MODEL, policy: FetchPolicy | None = None,
             nlp: Language | None = None) -> "Service":
        """Open the database at ``path``; spaCy (unless given) loads on first use."""
        return cls(open_database(path), nlp, policy, model)

    @property
    def nlp(self) -> Language:
        """The spaCy pipeline, loaded once."""
        if self._nlp is None:
            self._nlp = load_pipeline(self._model)
        return self._nlp

    def close(self) -> None:
        """Close the database."""
        self.db.conn.close()

    # Ingestion
    def collect(self, targets: Iterable[str]) -> list[sources.RawArticle | sources.Failure]:
        """Read files and fetch URLs (pages or feeds) without touching the database: safe on a thread of its own,
        so a slow site never holds up the thread that answers commands."""
        items: list[sources.RawArticle | sources.Failure] = []
        for target in targets:
            if re.match(r"^[a-z][a-z0-9+.-]*://", target, re.I):
                items.extend(sources.read_url(target, self.policy))
            else:
                items.extend(sources.read_path(Path(target)))
        return items

    def ingest_items(self, items: Iterable[sources.RawArticle | sources.Failure],
                     published: str | None = None) -> IngestReport:
        """Store what ``collect`` gathered (each item in its own transaction)."""
        return ingest(self.db, self.nlp, items, parse_since(published) if published else None)

    def ingest(self, targets: Iterable[str], published: str | None = None,
               progress: Callable[[int], None] | None = None) -> IngestReport:
        """Ingest files, folders and URLs (pages or feeds)."""
        published = parse_since(published) if published else None

        def items():
            for target in targets:
                if re.match(r"^[a-z][a-z0-9+.-]*://", target, re.I):
                    yield from sources.read_url(target, self.policy)
                else:
                    yield from sources.read_path(Path(target))

        return ingest(self.db, self.nlp, items(), published, progress)

    def ingest_text(self, text: str, origin: str, title: str = "", source: str | None = None) -> IngestReport:
        """Ingest pasted or forwarded text as one article."""
        return ingest(self.db, self.nlp, [sources.RawArticle(text=text, origin=origin, title=title, source=source)])

    def is_empty(self) -> bool:
        """Whether no article has been ingested."""
        return article_store.count_articles(self.db) == 0

    # Briefings, profiles, diffs
    def brief(self, topic: str | None = None, since: str | None = None, length: str | int | None = None,
              method: str = "news", chat_id: int | None = None) -> Briefing:
        """A briefing; with a chat, it is recorded for that chat's next diff."""
        topic = clean_topic(topic)
        briefing = build_briefing(self.db, topic, parse_since(since), parse_length(length), method)
        if chat_id is not None and briefing.items:
            record_briefing(self.db, chat_id, topic, "brief", briefing)
        return briefing

    def timeline(self, topic: str | None = None, count: int | str | None = None) -> Timeline:
        """The most important dates of a story, each with one credited sentence."""
        topic = clean_topic(topic)
        if count is None or count == "":
            number = DEFAULT_DATES
        else:
            try:
                number = int(count)
            except (TypeError, ValueError):
                raise InputError(f"The number of dates must be a whole number, not {str(count)[:20]!r}") from None
            if not 1 <= number <= MAX_DATES:
                raise InputError(f"The number of dates must be between 1 and {MAX_DATES}, not {number}")
        return build_timeline(self.db, topic, number)

    def who(self, name: str) -> tuple[Lookup, Profile | None]:
        """Resolve a name and, when it is one entity, its profile."""
        lookup = resolve_name(self.db, name)
        return lookup, build_profile(self.db, lookup.entity) if lookup.entity else None

    def profile_by_id(self, entity_id: int) -> Profile | None:
        """The profile of an entity by id (for buttons)."""
        from storage.entities import get_entity

        entity = get_entity(self.db, entity_id)
        return build_profile(self.db, entity) if entity else None

    def digest(self, chat_id: int) -> list[tuple[str, Changes]]:
        """For each subscribed topic, what changed since the chat's last briefing (not yet recorded)."""
        chat = self.chat(chat_id)
        return [
            (topic, compute_changes(self.db, chat_id, topic, chat.length, self.diffs, record=False))
            for topic in self.subscriptions(chat_id)
        ]

    def record_digest(self, chat_id: int, results: list[tuple[str, Changes]]) -> None:
        """Remember a digest as delivered, once it has been sent."""
        for _, changes in results:
            record_changes(self.db, chat_id, changes)

    def changes(self, chat_id: int, topic: str | None = None, length: str | int | None = None) -> Changes:
        """What changed for this chat on this topic since its last briefing (recorded as delivered)."""
        return compute_changes(self.db, chat_id, clean_topic(topic), length, self.diffs)

    # Chats
    def chat(self, chat_id: int) -> Chat:
        """A chat's settings (created on first contact)."""
        return chat_store.ensure_chat(self.db, chat_id)

    def update_chat(self, chat_id: int, **fields) -> Chat:
        """Change a chat's settings."""
        return chat_store.update_chat(self.db, chat_id, **fields)

    def subscribe(self, chat_id: int, topic: str) -> bool:
        """Subscribe to a topic; False when already subscribed."""
        topic = clean_topic(topic)
        if not topic:
            raise InputError("Say what to subscribe to, for example: /subscribe Gaza")
        return chat_store.subscribe(self.db, chat_id, topic)

    def unsubscribe(self, chat_id: int, topic: str) -> bool:
        """Unsubscribe; False when not subscribed."""
        return chat_store.unsubscribe(self.db, chat_id, clean_topic(topic))

    def subscriptions(self, chat_id: int) -> list[str]:
        """A chat's topics."""
        return chat_store.subscriptions(self.db, chat_id)

    # Feeds and stats
    def add_feed(self, url: str) -> tuple[Feed, bool]:
        """Subscribe the store to a feed URL."""
        if not re.match(r"^https?://\S+$", url or ""):
            raise InputError("A feed is an http(s) URL, for example: https://example.com/rss.xml")
        try:
            # The same check /ingest makes: a private or metadata address is refused now, not on every poll.
            check_address(url, self.policy)
        except FetchError as exc:
            raise InputError(str(exc)) from None
        return feed_store.add_feed(self.db, url)

    def remove_feed(self, url: str) -> bool:
        """Remove a feed."""
        return feed_store.remove_feed(self.db, url)

    def feeds(self) -> list[Feed]:
        """All feeds."""
        return feed_store.list_feeds(self.db)

    def poll_feeds(self) -> list[FeedPoll]:
        """Poll every feed once (conditional requests) and ingest new entries; a broken feed is recorded on that
        feed and polling goes on with the next."""
        try:
            return [self.store_feed(feed, self.fetch_feed(feed)) for feed in self.feeds()]
        finally:
            self.finish_feed_poll()

    def fetch_feed(self, feed: Feed) -> FeedFetch:
        """Fetch and parse one feed, completing teasers within a page and time budget (no database access)."""
        from service.fetch import FetchBudget, fetch

        try:
            response = fetch(feed.url, self.policy, sources.FEED_TYPES + sources.PAGE_TYPES,
                             feed.etag, feed.last_modified)
            if response.status == 304:
                return FeedFetch(response=response)
            budget = FetchBudget(MAX_PAGES_PER_POLL, self.policy.timeout * 6)
            return FeedFetch(response=response, parsed=sources.parse_feed(response.body, feed.url, self.policy, budget))
        except FetchError as exc:
            return FeedFetch(error=str(exc))
        except Exception as exc:  # one broken feed must not stop the others
            log.exception("feed %s failed", feed.url)
            return FeedFetch(error=f"{exc.__class__.__name__}: {str(exc)[:200]}")

    def store_feed(self, feed: Feed, fetched: FeedFetch) -> FeedPoll:
        """Ingest a fetched feed's entries and record the poll on the feed."""
        if fetched.error is not None:
            status = f"error: {fetched.error}"
            feed_store.record_poll(self.db, feed.url, status)
            return FeedPoll(feed.url, status)
        response = fetched.response
        if fetched.parsed is None:
            feed_store.record_poll(self.db, feed.url, "not modified")
            return FeedPoll(feed.url, "not modified")
        try:
            report = ingest(self.db, self.nlp, fetched.parsed.items)
        except Exception as exc:
            log.exception("feed %s could not be stored", feed.url)
            status = f"error: {exc.__class__.__name__}: {str(exc)[:200]}"
            feed_store.record_poll(self.db, feed.url, status)
            return FeedPoll(feed.url, status)
        status = f"ok: {report.summary()}"
        feed_store.record_poll(self.db, feed.url, status, response.etag, response.last_modified, fetched.parsed.title)
        return FeedPoll(feed.url, status, report)

    def finish_feed_poll(self) -> None:
        """Record that a poll of every feed ran."""
        chat_store.set_meta(self.db, "last_feed_poll", utcnow())

    def stats(self) -> dict:
        """Store and bot statistics."""
        stats = article_store.store_stats(self.db)
        stats["last_feed_poll"] = chat_store.get_meta(self.db, "last_feed_poll")
        stats["last_digest_run"] = chat_store.get_meta(self.db, "last_digest_run")
        return stats

