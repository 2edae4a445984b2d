"""Subscribed feeds and their conditional-request state."""

from __future__ import annotations

import sqlite_utils

from storage.db import utcnow
from storage.records import Feed

_FEED = "SELECT id, url, title, etag, last_modified, last_polled_at, last_status FROM feeds"


def add_feed(db: sqlite_utils.Database, url: str, title: str | None = None) -> tuple[Feed, bool]:
    """Add a feed; returns it and whether it was new."""
    cursor = db.execute("INSERT OR IGNORE INTO feeds (url, title, added_at) VALUES (?, ?, ?)", [url, title, utcnow()])
    return get_feed(db, url), cursor.rowcount == 1  # type: ignore[return-value]


def get_feed(db: sqlite_utils.Database, url: str) -> Feed | None:
    """One feed by URL."""
    row = db.execute(f"{_FEED} WHERE url = ?", [url]).fetchone()
    return Feed(*row) if row else None


def list_feeds(db: sqlite_utils.Database) -> list[Feed]:
    """All feeds, oldest first."""
    return [Feed(*r) for r in db.execute(f"{_FEED} ORDER BY id")]


def remove_feed(db: sqlite_utils.Database, url: str) -> bool:
    """Remove a feed; False when it was not subscribed."""
    return db.execute("DELETE FROM feeds WHERE url = ?", [url]).rowcount > 0


def record_poll(
    db: sqlite_utils.Database, url: str, status: str, etag: str | None = None, last_modified: str | None = None,
    title: str | None = None,
) -> None:
    """Remember a poll's outcome and the validators for the next conditional request."""
    db.execute(
        "UPDATE feeds SET last_polled_at = ?, last_status = ?, etag = coalesce(?, etag), "
        "last_modified = coalesce(?, last_modified), title = coalesce(?, title) WHERE url = ?",
        [utcnow(), status, etag, last_modified, title, url],
    )
