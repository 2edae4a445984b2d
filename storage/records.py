"""Small typed records returned by storage functions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args


@dataclass(frozen=True)
class Article:
    """A stored article (without its sentences)."""

    id: int
    url: str | None
    title: str
    source: str
    published_at: str
    ingested_at: str
    duplicate_of: int | None
    story_id: int


@dataclass(frozen=True, slots=True)
class SentenceRow:
    """A stored sentence with its article's source, date and link: one citable unit."""

    id: int
    article_id: int
    position: int
    text: str
    tokens: tuple[str, ...]
    source: str
    published_at: str
    url: str | None
    story_id: int
    title: str
    quality: float | None = None  # as a briefing line, worked out at ingest (None: stored before that)


@dataclass(frozen=True, slots=True)
class Entity:
    """A canonical entity."""

    id: int
    name: str
    label: str


@dataclass(frozen=True, slots=True)
class Mention:
    """An entity mentioned in a stored sentence."""

    entity_id: int
    sentence_id: int
    article_id: int
    surface: str
    label: str


@dataclass(frozen=True, slots=True)
class Role:
    """A title or role a sentence gives an entity."""

    entity_id: int
    role: str
    office: str
    scope: str  # where the office belongs: a country or an institution
    sentence_id: int
    article_id: int
    source: str
    published_at: str
    transitional: bool = False


@dataclass(frozen=True, slots=True)
class FactRow:
    """A stored fact with its sentence's source and date."""

    id: int
    sentence_id: int
    article_id: int
    subject_id: int | None
    attribute: str
    value: str
    number: float
    source: str
    published_at: str
    url: str | None
    scope: str = ""


@dataclass(frozen=True)
class Feed:
    """A subscribed RSS/Atom/JSON feed."""

    id: int
    url: str
    title: str | None
    etag: str | None
    last_modified: str | None
    last_polled_at: str | None
    last_status: str | None


@dataclass(frozen=True)
class Chat:
    """A chat's settings."""

    id: int
    timezone: str
    digest_time: str | None
    length: str
    active: bool
    digest_quiet: bool = False  # True: a digest says nothing about topics with nothing new


# What a button can do.
ButtonKind = Literal["who", "changes", "more", "timeline", "trend", "subscribe", "unsubscribe"]
BUTTON_KINDS: frozenset[str] = frozenset(get_args(ButtonKind))


@dataclass(frozen=True)
class ButtonAction:
    """What an inline button does: a kind and its value, under the token its button carries."""

    token: str
    kind: ButtonKind
    value: str


@dataclass(frozen=True)
class Snapshot:
    """A briefing delivered to a chat."""

    id: int
    chat_id: int
    topic: str
    kind: str
    created_at: str
    covered_to: int = 0  # the newest article id the briefing covered: every article up to it counts as seen
