"""Opening the briefbot store a location names: a SQLite file (a path or ``sqlite:///``), or a PostgreSQL database
(``postgresql://``). The rest of briefbot calls these and never asks which engine it got."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import psycopg

from storage import postgres, sqlite
from storage.base import (  # noqa: F401  (re-exported: the storage modules and the service import them from here)
    Cursor,
    Database,
    StoreError,
    topic_key,
    transaction,
    utcnow,
)
from storage.sqlite import MIGRATIONS  # noqa: F401  (the migration tests build old SQLite stores from it)

# A database location given as a URL: 'sqlite:///data/briefbot.db', 'postgresql://user@host/db'.
URL_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://")
POSTGRES_SCHEMES = frozenset({"postgresql", "postgres"})


def _scheme(location: str | Path) -> str | None:
    match = URL_SCHEME.match(str(location))
    return match.group(1).lower() if match else None


def is_postgres(location: str | Path) -> bool:
    """Whether a location names a PostgreSQL database."""
    return _scheme(location) in POSTGRES_SCHEMES


def database_file(location: str | Path) -> str:
    """The SQLite file a database location names: a path, or a ``sqlite:///`` URL (``sqlite:///data/x.db`` is
    relative, ``sqlite:////srv/x.db`` absolute, as in SQLAlchemy). Raises StoreError for a URL of another kind,
    naming its scheme only (a URL may hold a password)."""
    text = str(location)
    scheme = _scheme(text)
    if scheme is None:
        return text
    if scheme != "sqlite":
        raise StoreError(
            f"briefbot keeps its data in SQLite or PostgreSQL: give a file path, a sqlite:/// URL or a "
            f"postgresql:// URL, not a {scheme}:// URL"
        )
    path = text[len("sqlite:///") :] if text.startswith("sqlite:///") else ""
    if not path:
        raise StoreError("a sqlite:/// URL needs a file after it, such as sqlite:///data/briefbot.db")
    return path


def describe(location: str | Path) -> str:
    """A location as it may be printed: a SQLite file's absolute path, or a PostgreSQL URL without its password."""
    if is_postgres(location):
        return postgres.printable(str(location))
    return str(Path(database_file(location)).resolve())


def open_database(location: str | Path) -> Database:
    """Open (creating and migrating if needed) the store at ``location``, ready to write.

    Raises StoreError with one line for a store that cannot be reached, created, read or written, and for one that
    belongs to another application.
    """
    if is_postgres(location):
        return postgres.open_database(str(location))
    return sqlite.open_database(database_file(location))


def open_reader(location: str | Path) -> Database:
    """Another connection to an open store, for reading beside the writer."""
    if is_postgres(location):
        return postgres.open_reader(str(location))
    return sqlite.open_reader(database_file(location))


# What a damaged page or a lost server raises when a command reads it (the open does not read every page).
DatabaseError: tuple[type[Exception], ...] = (sqlite3.DatabaseError, psycopg.Error)


def failure(exc: Exception) -> str:
    """One line for a store that failed while a command read or wrote it: a damaged SQLite file, or a PostgreSQL
    server that went away or refused the statement."""
    if isinstance(exc, psycopg.Error):
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        if isinstance(exc, psycopg.OperationalError):
            return f"lost the PostgreSQL server ({first}); try again when it is back"
        return f"the PostgreSQL store refused a statement ({first})"
    return f"the database is damaged ({exc}); `briefbot check` tells where, restore it from a backup"


def check_database(db: Database, full: bool = False) -> list[str]:
    """What is wrong with the store: for SQLite, its page checks and the full-text index's own check; PostgreSQL
    checks its own pages as it reads them. Empty when sound."""
    if isinstance(db, postgres.PostgresDatabase):
        return postgres.check_database(db, full)
    if isinstance(db, sqlite.SqliteDatabase):
        return sqlite.check_database(db, full)
    raise TypeError(f"not a briefbot store: {db!r}")
