"""The service: one object composing storage and the summarizer for the command line, console and bot."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from service.diffcache import DiffCache
from service.limits import (
    DEFAULT_DATES,
    DEFAULT_TREND_DAYS,
    EARLIEST_PUBLISHED,
    FEEDS_AT_ONCE,
    LENGTHS,
    MAX_DATES,
    MAX_FEEDS,
    MAX_SENTENCES,
    MAX_TREND_DAYS,
    FetchPolicy,
    in_date_range,
)
from service.results import Briefing, Citation  # noqa: F401  (result types the bot renders)
from storage import articles as article_store
from storage import chats as chat_store
from storage import entities as entity_store
from storage import feeds as feed_store
from storage.db import (  # noqa: F401  (DatabaseError, database_file, describe, is_postgres, topic_key: for the bot)
    Database,
    DatabaseError,
    StoreError,
    check_database,
    database_file,
    describe,
    failure,
    is_postgres,
    open_database,
    open_reader,
    topic_key,
    utcnow,
)

# Result types the bot and the command line use, re-exported so they never import storage/.
from storage.records import ButtonAction, ButtonKind, Chat, Entity, Feed  # noqa: F401
from summarizer.nlp import DEFAULT_MODEL, ModelNotInstalled, load_pipeline, model_installed  # noqa: F401
from summarizer.registry import METHODS

# The modules that compose the work import spaCy, sumy, SciPy, feed and HTML parsers: each method imports what it
# needs when it runs, so `briefbot stats` or `check` never load them. Their result types, for the type checker and
# the bot's annotations:
if TYPE_CHECKING:
    from spacy.language import Language

    from service.answers import ChatAnswer, R, TopicAnswer
    from service.changes import Changes, EntityNews  # noqa: F401
    from service.digests import Claim, DeliveryStatus, Digest, SendStatus  # noqa: F401
    from service.feed_urls import CheckedFeeds
    from service.feeds import FeedFetch, FeedPoll
    from service.ingest import IngestReport
    from service.profiles import Lookup, Profile
    from service.sources.raw import Failure, RawArticle
    from service.timeline import Timeline
    from service.trend import Trend
    from service.wave import Prepared

SUMMARY_METHODS = METHODS  # what brief(method=…) accepts

MAX_TOPIC = 200


FEEDS_PER_PAGE = 20


@dataclass(frozen=True)
class FeedPage:
    """One page of the feed list."""

    feeds: list[Feed]
    page: int
    pages: int
    total: int


# How long a button keeps working after it was sent.
BUTTON_DAYS = 30


def _button_expiry() -> str:
    return (datetime.now(UTC) - timedelta(days=BUTTON_DAYS)).replace(microsecond=0).isoformat()


def _sentence(reason: str) -> str:
    """A reason as a sentence: capitalised, with a full stop."""
    reason = reason[:1].upper() + reason[1:]
    return reason if reason.endswith((".", "!", "?")) else reason + "."


@dataclass
class FeedImport:
    """What importing a subscription list did: feeds added, already present, and refused with a reason each."""

    added: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict:
        """Machine-readable form for --json."""
        return {
            "added": self.added,
            "already": self.already,
            "refused": [{"url": u, "reason": r} for u, r in self.refused],
        }


class InputError(ValueError):
    """Bad user input; the message is the one-line reason to show."""


def clean_topic(topic: str | None) -> str:
    """A topic as stored: trimmed, single-spaced, bounded; raises InputError when unusable."""
    topic = " ".join((topic or "").split())
    if len(topic) > MAX_TOPIC:
        raise InputError(f"That topic is too long ({len(topic):,} characters; at most {MAX_TOPIC}).")
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
        f"The length must be short, medium, long or a number of sentences from 1 to {MAX_SENTENCES}, not {text[:20]!r}"
    )


def whole_number(value: int | str | None, what: str, default: int, low: int, high: int) -> int:
    """A count the user gave ('8'), or ``default`` when none; raises InputError outside ``low``..``high``."""
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InputError(f"The number of {what} must be a whole number, not {str(value)[:20]!r}") from None
    if not low <= number <= high:
        raise InputError(f"The number of {what} must be between {low} and {high}, not {number}")
    return number


def parse_since(value: str | None) -> str | None:
    """An ISO date for --since (YYYY-MM-DD); raises InputError otherwise."""
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise InputError(f"A date looks like 2024-10-21, not {value[:30]!r}.") from None


def parse_published(value: str | None) -> str | None:
    """A publication date given for a whole ingest (YYYY-MM-DD, 1990 to tomorrow); raises InputError otherwise."""
    day = parse_since(value)
    if day is not None and not in_date_range(day):
        raise InputError(f"A publication date is between {EARLIEST_PUBLISHED} and tomorrow, not {day}.")
    return day


log = logging.getLogger(__name__)


def next_scheduled(chat: Chat, after: datetime) -> datetime:
    """The chat's first digest time after ``after`` (``service.digests.next_scheduled``): the bot schedules by it."""
    from service.digests import next_scheduled as following

    return following(chat, after)


def preflight(db_path: str | Path, model: str) -> None:
    """Check before starting that the database opens (StoreError) and the spaCy model is installed (StoreError)."""
    open_database(db_path).close()
    if not model_installed(model):
        raise StoreError(f"the spaCy model {model!r} is not installed; run `make setup`")


class Service:
    """Everything briefbot does, with no Telegram in sight. Methods are blocking: call them off the event loop."""

    def __init__(
        self,
        db: Database,
        nlp: Language | None = None,
        policy: FetchPolicy | None = None,
        model: str = DEFAULT_MODEL,
        diffs: DiffCache | None = None,
    ) -> None:
        self.db = db
        self._nlp = nlp
        self._model = model
        self.policy = policy or FetchPolicy()
        self.diffs = diffs or DiffCache()

    @classmethod
    def open(
        cls,
        path: str | Path,
        model: str = DEFAULT_MODEL,
        policy: FetchPolicy | None = None,
        nlp: Language | None = None,
    ) -> Service:
        """Open the database at ``path``; spaCy (unless given) loads on first use."""
        return cls(open_database(path), nlp, policy, model)

    def reader(self, path: str | Path) -> Service:
        """A service on another, read-only connection to the same database, sharing this one's diff cache: for
        reading beside the writer (WAL). Only its reading methods may be called."""
        return Service(open_reader(path), self._nlp, self.policy, self._model, self.diffs)

    @property
    def nlp(self) -> Language:
        """The spaCy pipeline, loaded once."""
        if self._nlp is None:
            self._nlp = load_pipeline(self._model)
        return self._nlp

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    # Ingestion
    def collect(self, targets: Iterable[str]) -> list[RawArticle | Failure]:
        """Read files and fetch URLs (pages or feeds) without touching the database: safe on a thread of its own,
        so a slow site never holds up the thread that answers commands."""
        return list(self._read(targets))

    def _read(self, targets: Iterable[str]) -> Iterator[RawArticle | Failure]:
        """Raw articles from files, folders and URLs, one target after another (lazily)."""
        from service.sources import files, web

        for target in targets:
            if re.match(r"^[a-z][a-z0-9+.-]*://", target, re.I):
                yield from web.read_url(target, self.policy)
            else:
                yield from files.read_path(Path(target))

    def ingest_items(self, items: Iterable[RawArticle | Failure], published: str | None = None) -> IngestReport:
        """Store what ``collect`` gathered (each item in its own transaction)."""
        from service.ingest import ingest

        return ingest(self.db, self.nlp, items, parse_published(published))

    def ingest(
        self, targets: Iterable[str], published: str | None = None, progress: Callable[[int], None] | None = None
    ) -> IngestReport:
        """Ingest files, folders and URLs (pages or feeds)."""
        from service.ingest import ingest

        return ingest(self.db, self.nlp, self._read(targets), parse_published(published), progress)

    def ingest_text(
        self,
        text: str,
        origin: str,
        title: str = "",
        source: str | None = None,
        published: str | None = None,
        url: str | None = None,
    ) -> IngestReport:
        """Ingest pasted or forwarded text as one article, credited to ``source`` and dated ``published``."""
        from service.ingest import ingest
        from service.sources.raw import RawArticle

        item = RawArticle(text=text, origin=origin, title=title, source=source, published=published, url=url)
        return ingest(self.db, self.nlp, [item])

    def is_empty(self) -> bool:
        """Whether no article has been ingested."""
        return article_store.count_articles(self.db) == 0

    # Briefings, profiles, diffs
    def brief(
        self,
        topic: str | None = None,
        since: str | None = None,
        length: str | int | None = None,
        method: str = "news",
        chat_id: int | None = None,
    ) -> Briefing:
        """A briefing; with a chat, it is recorded for that chat's next diff."""
        from service.briefing import build_briefing
        from service.changes import record_briefing

        topic = clean_topic(topic)
        if method.casefold() not in METHODS:
            raise InputError(f"Unknown method {method[:30]!r}; choose one of: {', '.join(METHODS)}.")
        briefing = build_briefing(self.db, topic, parse_since(since), parse_length(length), method)
        if chat_id is not None and briefing.items:
            record_briefing(self.db, chat_id, topic, "brief", briefing)
        return briefing

    def timeline(self, topic: str | None = None, count: int | str | None = None) -> Timeline:
        """The most important dates of a story, each with one credited sentence."""
        from service.timeline import build_timeline

        number = whole_number(count, "dates", DEFAULT_DATES, 1, MAX_DATES)
        return build_timeline(self.db, clean_topic(topic), number)

    def trend(self, topic: str | None = None, days: int | str | None = None) -> Trend:
        """Articles per day and the daily mentions of the five most-named entities over the last ``days`` days
        (without a number: the story's latest stretch of coverage, at most DEFAULT_TREND_DAYS)."""
        from service.trend import build_trend

        number = None if days is None else whole_number(days, "days", DEFAULT_TREND_DAYS, 2, MAX_TREND_DAYS)
        return build_trend(self.db, clean_topic(topic), number)

    def briefing_feed(
        self, topic: str | None = None, length: str | int | None = "long", self_url: str | None = None
    ) -> bytes:
        """A topic's briefing as an Atom feed (reads only; nothing is recorded)."""
        from service.atom import briefing_atom

        briefing = self.brief(topic, length=length)
        if not briefing.items:
            raise InputError(briefing.message or "Nothing to put in a feed.")
        return briefing_atom(briefing, self_url)

    def who(self, name: str) -> tuple[Lookup, Profile | None]:
        """Resolve a name and, when it is one entity, its profile."""
        from service.profiles import build_profile, resolve_name

        lookup = resolve_name(self.db, name)
        return lookup, build_profile(self.db, lookup.entity) if lookup.entity else None

    def profile_by_id(self, entity_id: int) -> Profile | None:
        """The profile of an entity by id (for buttons); None for an id not in the store."""
        from service.profiles import build_profile

        if not 0 < entity_id < 2**63:
            return None
        entity = entity_store.get_entity(self.db, entity_id)
        return build_profile(self.db, entity) if entity else None

    def claim_digest(self, chat_id: int, fired_at: datetime) -> Claim | None:
        """Claim the chat's digest slot for a run at ``fired_at``; None when it is not due or was already
        delivered. Every claim must end in ``close_digest``."""
        from service import digests as digest_store

        return digest_store.claim_digest(self.db, chat_id, fired_at)

    def preview_digest(self, chat_id: int, fired_at: datetime) -> Digest | None:
        """The digest a run at ``fired_at`` would send, computed before any claim (reads only: runs on a reader); None
        when the slot is not due or was claimed."""
        from service import digests as digest_store

        return digest_store.preview_digest(self.db, chat_id, fired_at, self.diffs)

    def compute_digest(self, claim: Claim) -> Digest:
        """What a claimed digest says, topic by topic (reads only: runs on a reader)."""
        from service import digests as digest_store

        return digest_store.compute_digest(self.db, claim, self.diffs)

    def prepare_digests(self, chat_ids: Sequence[int], ready: Callable[[int], None] | None = None) -> Prepared:
        """Work out ahead, topic by topic and mark by mark, every diff these chats' digests need, so that a wave
        holds one mark's arrivals at a time; ``ready(chat_id)`` as each chat's topics are done (reads only: runs on a
        reader)."""
        from service.wave import prepare_wave

        return prepare_wave(self.db, chat_ids, self.diffs, ready)

    def close_digest(self, digest: Claim | Digest, status: SendStatus) -> None:
        """Record a claimed digest's outcome: 'sent', 'nothing-new', 'failed' (tried again) or 'forbidden'."""
        from service import digests as digest_store

        digest_store.close_digest(self.db, digest, status, utcnow())

    def digest_chats(self, now: datetime, grace: timedelta) -> tuple[list[Chat], list[Chat]]:
        """Chats with a daily digest, and those whose latest slot was missed within ``grace`` (to send now)."""
        from service import digests as digest_store

        return digest_store.missed_digests(self.db, now, grace)

    def copy_to(self, target: str | Path) -> dict[str, tuple[int, int]]:
        """Copy this whole store into the new, empty store at ``target``; each table's (source, target) counts."""
        from storage.copy import copy_store

        destination = open_database(target)
        try:
            return copy_store(self.db, destination)
        finally:
            destination.close()

    def book_send(self, bot: str, gap: float) -> float:
        """Book the bot's next send in the budget every process on this store shares: when (epoch seconds) it may go,
        ``gap`` seconds after the one booked before it."""
        return chat_store.book_send(self.db, bot, time.time(), gap)

    def changes(self, chat_id: int, topic: str | None = None, length: str | int | None = None) -> Changes:
        """What changed for this chat on this topic since its last briefing (recorded as delivered)."""
        from service.changes import compute_changes

        return compute_changes(self.db, chat_id, clean_topic(topic), length, self.diffs)

    def more_changes(self, chat_id: int, topic: str, base: int) -> Changes:
        """The rest of the chat's last diff on ``topic`` (the lines left out to keep it short), long form."""
        from service.changes import more_changes

        return more_changes(self.db, chat_id, clean_topic(topic), base)

    # A chat's answers: one call per use case, returning what the bot renders (buttons' tokens included)
    def brief_chat(self, chat_id: int, topic: str | None = None) -> ChatAnswer[Briefing]:
        """/brief: a briefing per topic (the one asked for, else the chat's first subscriptions, else the top
        stories) at the chat's length, each recorded for the chat's next diff, with its buttons."""
        from service.answers import ChatAnswer, topics_for

        chat = self.chat(chat_id)
        subscriptions = self.subscriptions(chat_id)
        answers: list[TopicAnswer[Briefing]] = []
        for t in topics_for(clean_topic(topic), subscriptions):
            briefing = self.brief(t, length=chat.length, chat_id=chat_id)
            answers.append(self.answer_for(chat_id, briefing, subscriptions))
        return ChatAnswer(chat, answers)

    def changes_chat(
        self, chat_id: int, topic: str | None = None, length: str | int | None = None, more_from: int | None = None
    ) -> ChatAnswer[Changes]:
        """/changes: what changed per topic since the chat's last briefing (at the chat's length unless one is
        given), or with ``more_from`` the rest of the last diff on the topic, with its buttons."""
        from service.answers import ChatAnswer, topics_for

        chat = self.chat(chat_id)
        subscriptions = self.subscriptions(chat_id)
        answers: list[TopicAnswer[Changes]] = []
        for t in topics_for(clean_topic(topic), subscriptions):
            if more_from is None:
                result = self.changes(chat_id, t, length or chat.length)
                more = result.base if result.left_out else None
            else:
                result, more = self.more_changes(chat_id, t, more_from), None
            answers.append(self.answer_for(chat_id, result, subscriptions, changes=False, more_from=more))
        return ChatAnswer(chat, answers)

    def answer_for(
        self,
        chat_id: int,
        result: R,
        subscriptions: list[str],
        changes: bool = True,
        more_from: int | None = None,
    ) -> TopicAnswer[R]:
        """A topic's result with its buttons for the chat (none when there is nothing to act on)."""
        from service.answers import Button, TopicAnswer, topic_actions, who_buttons_for

        if isinstance(result, Briefing):
            people, has_content = who_buttons_for(result.named_entities()), bool(result.items)
        else:
            people, has_content = who_buttons_for(result.entities), not result.is_empty
        if not has_content:
            return TopicAnswer(result)
        subscribed = topic_key(result.topic) in {topic_key(s) for s in subscriptions}
        actions = topic_actions(people, result.topic, subscribed, changes, more_from)
        tokens = self.button_tokens(chat_id, actions)
        return TopicAnswer(result, [Button(k, v, t) for (k, v), t in zip(actions, tokens)], people)

    # Chats
    def chat(self, chat_id: int) -> Chat:
        """A chat's settings (created on first contact)."""
        return chat_store.ensure_chat(self.db, chat_id)

    def update_chat(self, chat_id: int, **fields: str | int | bool | None) -> Chat:
        """Change a chat's settings."""
        return chat_store.update_chat(self.db, chat_id, **fields)

    def subscribe(self, chat_id: int, topic: str) -> bool:
        """Subscribe to a topic; False when already subscribed."""
        topic = clean_topic(topic)
        if not topic:
            raise InputError("Say which topic to follow.")
        return chat_store.subscribe(self.db, chat_id, topic)

    def unsubscribe(self, chat_id: int, topic: str) -> bool:
        """Unsubscribe; False when not subscribed."""
        return chat_store.unsubscribe(self.db, chat_id, clean_topic(topic))

    def subscriptions(self, chat_id: int) -> list[str]:
        """A chat's topics."""
        return chat_store.subscriptions(self.db, chat_id)

    # Buttons
    def button_tokens(self, chat_id: int, actions: Iterable[tuple[ButtonKind, str]]) -> list[str]:
        """Tokens for a chat's button actions (kind, value): a button carries the token, never a long topic."""
        return chat_store.button_tokens(self.db, chat_id, list(actions), _button_expiry())

    def button_action(self, chat_id: int, token: str) -> ButtonAction | None:
        """What a chat's button token stands for; None for a token never issued to this chat, or expired."""
        return chat_store.button_action(self.db, chat_id, token, _button_expiry())

    # Feeds and stats: adding a feed is a network step (``check_feeds``, on a fetch thread: it resolves hosts) and
    # a database step (``save_feeds``, on the writer); ``add_feed`` and ``import_feeds`` do both, for the CLI.
    def check_feed(self, url: str) -> CheckedFeeds:
        """Normalise and vet one feed URL (network only); raises InputError with the reason it cannot be added."""
        from service.feed_urls import check_feed_urls

        checked = check_feed_urls([url], self.policy)
        if checked.refused:
            raise InputError(_sentence(checked.refused[0][1]))
        return checked

    def check_feed_list(self, data: bytes) -> CheckedFeeds:
        """Read an OPML file and vet every feed it lists (network only); a file that is not OPML raises
        InputError."""
        from service.feed_urls import check_feed_urls
        from service.sources.opml import OPMLError, read_opml

        try:
            subscriptions = read_opml(data)
        except OPMLError as exc:
            raise InputError(f"That file cannot be imported: {exc}.") from None
        return check_feed_urls([s.url for s in subscriptions], self.policy, [s.title for s in subscriptions])

    def save_feeds(self, checked: CheckedFeeds) -> FeedImport:
        """Add vetted feeds in one transaction, up to the store's cap (database only)."""
        from service.feed_urls import too_many

        added, already, over = feed_store.add_feeds(self.db, checked.urls, MAX_FEEDS, checked.titles)
        return FeedImport(added, already, checked.refused + [(url, too_many()) for url in over])

    def add_feed(self, url: str) -> tuple[Feed, bool]:
        """Subscribe the store to a feed URL: the feed and whether it is new."""
        report = self.save_feeds(self.check_feed(url))
        if report.refused:
            raise InputError(_sentence(report.refused[0][1]))
        feed = feed_store.get_feed(self.db, (report.added + report.already)[0])
        assert feed is not None
        return feed, bool(report.added)

    def import_feeds(self, data: bytes) -> FeedImport:
        """Add every feed of an OPML file, each checked like ``add_feed``; a file that is not OPML adds nothing."""
        return self.save_feeds(self.check_feed_list(data))

    def export_feeds(self) -> bytes:
        """Every feed as an OPML 2.0 subscription list."""
        from service.sources.opml import write_opml

        return write_opml(self.feeds())

    def feed(self, url: str) -> Feed | None:
        """One feed, spelt any way ``add_feed`` accepts it."""
        from service.feed_urls import FeedURLError, normalise_feed_url

        try:
            return feed_store.get_feed(self.db, normalise_feed_url(url))
        except FeedURLError:
            return None

    def poll_feed(self, url: str) -> FeedPoll | None:
        """Poll one feed now (a feed just added need not wait for the next round); None when it is not polled."""
        feed = self.feed(url)
        return self.store_feed(feed, self.fetch_feed(feed)) if feed else None

    def remove_feed(self, url: str) -> bool:
        """Remove a feed (spelt any way ``add_feed`` accepts it); False when the store does not poll it."""
        feed = self.feed(url)
        return feed is not None and feed_store.remove_feed(self.db, feed.url)

    def feeds(self) -> list[Feed]:
        """All feeds."""
        return feed_store.list_feeds(self.db)

    def feed_page(self, page: int | str | None = None) -> FeedPage:
        """One page of the feed list (pages count from 1; a page past the end shows the last)."""
        total = feed_store.count_feeds(self.db)
        pages = max(1, -(-total // FEEDS_PER_PAGE))
        if page is None or page == "":
            number = 1
        elif str(page).isdigit() and int(page) >= 1:
            number = min(int(page), pages)
        else:
            raise InputError(f"A page is a whole number from 1, not {str(page)[:20]!r}.")
        items = feed_store.list_feeds(self.db, (number - 1) * FEEDS_PER_PAGE, FEEDS_PER_PAGE)
        return FeedPage(items, number, pages, total)

    def poll_feeds(self) -> list[FeedPoll]:
        """Poll every feed once (conditional requests) and ingest new entries; a broken or slow feed is recorded
        on that feed and never holds up the others."""
        feeds = self.feeds()
        try:
            # Fetched side by side (each feed within its own deadline), stored here in list order.
            with ThreadPoolExecutor(FEEDS_AT_ONCE, thread_name_prefix="briefbot-poll") as pool:
                fetches = [pool.submit(self.fetch_feed, feed) for feed in feeds]
                return [self.store_feed(feed, fetched.result()) for feed, fetched in zip(feeds, fetches)]
        finally:
            self.finish_feed_poll()

    def fetch_feed(self, feed: Feed) -> FeedFetch:
        """Fetch and parse one feed, completing teasers within a page and time budget (no database access)."""
        from service import feeds as feed_polls

        return feed_polls.fetch_feed(feed, self.policy)

    def store_feed(self, feed: Feed, fetched: FeedFetch) -> FeedPoll:
        """Ingest a fetched feed's entries and record the poll on the feed."""
        from service import feeds as feed_polls

        return feed_polls.store_feed(self.db, self.nlp, feed, fetched)

    def finish_feed_poll(self) -> None:
        """Record that a poll of every feed ran."""
        chat_store.set_meta(self.db, "last_feed_poll", utcnow())

    def check(self, full: bool = False) -> list[str]:
        """What is wrong with the database file (empty when sound): every page, and with ``full`` every index."""
        return check_database(self.db, full)

    def stats(self) -> dict:
        """Store and bot statistics."""
        stats = article_store.store_stats(self.db)
        stats["last_feed_poll"] = chat_store.get_meta(self.db, "last_feed_poll")
        stats["last_digest_run"] = chat_store.get_meta(self.db, "last_digest_run")
        return stats
