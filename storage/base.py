"""What every store is: a connection that runs the storage modules' SQL, whichever engine is behind it.

The storage modules write one SQL for both engines (``?`` placeholders, ``ON CONFLICT`` upserts, ``RETURNING``);
what differs is kept in a ``Dialect`` (how a topic is searched) and in each connection class (how a write
transaction begins). The schema of each
engine is its own numbered migrations (``storage/sqlite.py``, ``storage/postgres_schema.py``), named alike.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol


class StoreError(RuntimeError):
    """The database cannot be opened or written; the message is one line naming the store and the reason."""


class Cursor(Protocol):
    """The rows of one statement (sqlite3's and psycopg's cursors both are one)."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


@dataclass(frozen=True)
class Dialect:
    """What the two engines say differently."""

    name: str  # 'sqlite' or 'postgresql'
    search: str  # a WHERE condition on articles ``a`` taking the query ``search_query`` builds
    # For a query that most articles match: ``search`` tested on articles walked newest first, and what counts the
    # matches (None: always ``search``).
    search_newest: str | None = None
    search_count: str | None = None

    def search_query(self, text: str) -> str:
        """Every word of ``text`` must appear (stemmed, in any order); no operator a user types reaches the engine."""
        terms = re.findall(r"\w+", text)
        if self.name == "sqlite":
            return " ".join(f'"{t}"' for t in terms)
        return " ".join(terms)


class Database(Protocol):
    """A connection to a briefbot store: the calls the storage modules make, on SQLite or PostgreSQL."""

    dialect: Dialect

    @property
    def location(self) -> str:
        """Where the store is, as it may be printed (a file's path; a server's URL without its password)."""
        ...

    def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> Cursor:
        """Run one statement (``?`` placeholders) and return its rows."""
        ...

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement once per row of parameters."""
        ...

    def transaction(self) -> AbstractContextManager[None]:
        """One write transaction around a block: all of it is written, or none of it."""
        ...

    def close(self) -> None:
        """Close the connection (or give it back to its pool)."""
        ...


def transaction(db: Database) -> AbstractContextManager[None]:
    """Run the block as one write transaction: all of it is written, or none of it."""
    return db.transaction()


def utcnow() -> str:
    """The current time as an ISO-8601 UTC string (seconds precision)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def topic_key(topic: str) -> str:
    """What makes two spellings of a topic the same topic: NFKC-normalised, case-folded, single-spaced."""
    return " ".join(unicodedata.normalize("NFKC", topic).casefold().split())


MIGRATIONS_TABLE = "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"


def foreign_tables(tables: Iterable[str]) -> list[str]:
    """The tables of a database that make it another application's: any, when briefbot's own ledger is missing."""
    names = sorted(tables)
    return [] if not names or "_migrations" in names else names
