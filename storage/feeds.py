"""Subscribed feeds and their conditional-request state."""

from __future__ import annotations

from storage.db import Database, transaction, utcnow
from storage.records import Feed

_FEED = "SELECT id, url, title, etag, last_modified, last_polled_at, last_status FROM feeds"


def add_feed(db: Database, url: str, title: str | None = None) -> tuple[Feed, bool]:
    """Add a feed; returns it and whether it was new."""
    cursor = db.execute(
        "INSERT INTO feeds (url, title, added_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", [url, title, utcnow()]
    )
    return get_feed(db, url), cursor.rowcount == 1  # type: ignore[return-value]


def add_feeds(
    db: Database, urls: list[str], limit: int, titles: dict[str, str] | None = None
) -> tuple[list[str], list[str], list[str]]:
    """Add feeds (with their ``titles`` when known) in one transaction while the store holds fewer than ``limit``:
    (added, already there, over)."""
    added: list[str] = []
    already: list[str] = []
    over: list[str] = []
    with transaction(db):
        count = db.execute("SELECT count(*) FROM feeds").fetchone()[0]
        for url in urls:
            if db.execute("SELECT 1 FROM feeds WHERE url = ?", [url]).fetchone():
                already.append(url)
            elif count >= limit:
                over.append(url)
            else:
                db.execute(
                    "INSERT INTO feeds (url, title, added_at) VALUES (?, ?, ?)",
                    [url, (titles or {}).get(url), utcnow()],
                )
                added.append(url)
                count += 1
    return added, already, over


def get_feed(db: Database, url: str) -> Feed | None:
    """One feed by URL."""
    row = db.execute(f"{_FEED} WHERE url = ?", [url]).fetchone()
    return Feed(*row) if row else None


def list_feeds(db: Database, offset: int = 0, limit: int = -1) -> list[Feed]:
    """Feeds, oldest first: all of them, or ``limit`` from ``offset``."""
    limit = limit if limit >= 0 else 2**62  # no bound: SQLite wants a LIMIT before an OFFSET, PostgreSQL a number
    return [Feed(*r) for r in db.execute(f"{_FEED} ORDER BY id LIMIT ? OFFSET ?", [limit, offset])]


def count_feeds(db: Database) -> int:
    """How many feeds the store polls."""
    return int(db.execute("SELECT count(*) FROM feeds").fetchone()[0])


def remove_feed(db: Database, url: str) -> bool:
    """Remove a feed; False when it was not subscribed."""
    return db.execute("DELETE FROM feeds WHERE url = ?", [url]).rowcount > 0


def record_poll(
    db: Database,
    url: str,
    status: str,
    etag: str | None = None,
    last_modified: str | None = None,
    title: str | None = None,
) -> None:
    """Remember a poll's outcome and the validators for the next conditional request."""
    db.execute(
        "UPDATE feeds SET last_polled_at = ?, last_status = ?, etag = coalesce(?, etag), "
        "last_modified = coalesce(?, last_modified), title = coalesce(?, title) WHERE url = ?",
        [utcnow(), status, etag, last_modified, title, url],
    )
