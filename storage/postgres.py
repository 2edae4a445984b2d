"""The PostgreSQL store: psycopg 3 connections from a psycopg_pool pool, the same SQL as SQLite, one-line errors.

Each statement borrows a pooled connection (autocommit) and gives it back with its rows read; a transaction keeps
one connection for its whole block. So a process holds connections only while it works, any number of processes
(the bot, digest workers) share one database, and a connection the server dropped is replaced by the pool.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import psycopg
from psycopg.adapt import Loader
from psycopg_pool import ConnectionPool

from storage.base import MIGRATIONS_TABLE, Dialect, StoreError, foreign_tables, utcnow

# The matches come from the GIN index first (OFFSET 0 keeps the planner from folding the sub-select in): as a plain
# filter, a narrow topic was read by walking every article newest first and testing each one's stored tsvector
# (EXPLAIN ANALYZE on 20,000 articles, "Egypt": 34 ms warm, 143 ms cold, against 19 and 45 ms this way). A topic most
# articles match is the other way round: the sub-select hashes every match against every article (163 ms for "Egypt"
# at 100,000 articles, 22,588 matches), where the plain filter walks the date index backwards and stops at the limit
# (17.6 ms); ``articles._search`` chooses by the count of matches (15.7 ms from the GIN index).
_MATCHES = "search @@ plainto_tsquery('briefbot', ?)"
POSTGRES = Dialect(
    name="postgresql",
    search=f"a.id IN (SELECT id FROM articles WHERE {_MATCHES} OFFSET 0)",
    search_newest=f"a.{_MATCHES}",
    search_count=f"SELECT count(*) FROM articles WHERE {_MATCHES}",
)

# Connections one process may hold at once: the writer, the readers and a worker's sends stay well inside it.
POOL_SIZE = 8
CONNECT_TIMEOUT_SECONDS = 10
# Any two processes migrating one database at once take turns on this lock (its number is arbitrary and fixed).
MIGRATION_LOCK = 7_160_402


class _Count(Loader):
    """``sum()`` of integers is ``numeric`` in PostgreSQL: read whole numbers as ``int`` (as SQLite gives them), others
    as ``float``."""

    def load(self, data: Any) -> int | float:
        text = bytes(data).decode()
        try:
            return int(text)
        except ValueError:
            return float(text)


@lru_cache(maxsize=4096)
def placeholders(sql: str) -> str:
    """The storage modules' SQL with psycopg's placeholders: ``?`` becomes ``%s`` and a literal ``%`` is doubled."""
    return sql.replace("%", "%%").replace("?", "%s")


@dataclass(frozen=True)
class _Rows:
    """A statement's rows, read before its connection went back to the pool."""

    rows: list[Any]
    rowcount: int

    def fetchone(self) -> Any:
        return self.rows[0] if self.rows else None

    def fetchall(self) -> list[Any]:
        return self.rows

    def __iter__(self) -> Iterator[Any]:
        return iter(self.rows)


def _configure(conn: psycopg.Connection) -> None:
    conn.adapters.register_loader("numeric", _Count)


@dataclass
class _Shared:
    pool: ConnectionPool
    users: int = 0


_pools: dict[tuple[str, bool], _Shared] = {}
_pools_lock = threading.Lock()


def _take_pool(url: str, read_only: bool) -> ConnectionPool:
    with _pools_lock:
        shared = _pools.get((url, read_only))
        if shared is None:
            options = "-c default_transaction_read_only=on" if read_only else ""
            pool = ConnectionPool(
                url,
                min_size=0,
                max_size=POOL_SIZE,
                kwargs={"autocommit": True, "connect_timeout": CONNECT_TIMEOUT_SECONDS, "options": options},
                configure=_configure,
                open=True,
            )
            shared = _pools[(url, read_only)] = _Shared(pool)
        shared.users += 1
        return shared.pool


def _give_pool(url: str, read_only: bool) -> None:
    with _pools_lock:
        shared = _pools.get((url, read_only))
        if shared is None:
            return
        shared.users -= 1
        if shared.users <= 0:
            del _pools[(url, read_only)]
            shared.pool.close()


@dataclass
class PostgresDatabase:
    """A briefbot ``Database`` on PostgreSQL: statements on pooled connections, transactions on one."""

    url: str
    read_only: bool = False
    dialect: Dialect = POSTGRES
    _pool: ConnectionPool = field(init=False, repr=False)
    _held: threading.local = field(init=False, repr=False, default_factory=threading.local)
    _closed: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        self._pool = _take_pool(self.url, self.read_only)

    @property
    def location(self) -> str:
        """The database's URL without its password."""
        return printable(self.url)

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection]:
        held = getattr(self._held, "conn", None)
        if held is not None:
            yield held
            return
        with self._pool.connection(timeout=CONNECT_TIMEOUT_SECONDS) as conn:
            yield conn

    def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> _Rows:
        """Run one statement (``?`` placeholders) and return its rows."""
        with self._connection() as conn:
            if parameters is None:
                cursor = conn.execute(sql.encode())
            else:
                cursor = conn.execute(placeholders(sql).encode(), list(parameters))
            rows = cursor.fetchall() if cursor.description is not None else []
            return _Rows(rows, cursor.rowcount)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement once per row of parameters (pipelined by psycopg)."""
        batch = [list(row) for row in rows]
        if not batch:
            return
        with self._connection() as conn, conn.cursor() as cursor:
            cursor.executemany(placeholders(sql).encode(), batch)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction on one connection for the whole block: all of it is written, or none of it."""
        if getattr(self._held, "conn", None) is not None:
            raise RuntimeError("a transaction is already open on this thread")
        with self._pool.connection(timeout=CONNECT_TIMEOUT_SECONDS) as conn, conn.transaction():
            self._held.conn = conn
            try:
                yield
            finally:
                self._held.conn = None

    def close(self) -> None:
        """Give the pool back (it closes with its last user)."""
        if not self._closed:
            self._closed = True
            _give_pool(self.url, self.read_only)


def printable(url: str) -> str:
    """A PostgreSQL URL as it may be printed or logged: user, host, port and database, never the password."""
    parts = urlsplit(url)
    user = f"{parts.username}@" if parts.username else ""
    return f"{parts.scheme}://{user}{_where(url)}{parts.path}"


def _where(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or "the local socket"
    return f"{host}:{parts.port or 5432}"


def _reason(exc: psycopg.Error) -> str:
    """libpq's message in one line: its last 'failed:' clause, without 'FATAL:' and the hint lines."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    reason = first.rsplit("failed: ", 1)[-1].strip()
    return reason.removeprefix("FATAL:").strip()


def connect_error(url: str, exc: psycopg.Error) -> StoreError:
    """The one line an operator needs for a server that refused us: which server, why, never the password."""
    parts = urlsplit(url)
    reason = _reason(exc)
    where = _where(url)
    database = parts.path.lstrip("/") or parts.username or "postgres"
    lowered = reason.lower()
    if "password" in lowered or "authentication" in lowered or ("role" in lowered and "does not exist" in lowered):
        return StoreError(f"the PostgreSQL server at {where} refused user {parts.username or '(none)'} ({reason})")
    if "database" in lowered and "does not exist" in lowered:
        return StoreError(f"the PostgreSQL server at {where} has no database {database}: create it or give another")
    if isinstance(exc, psycopg.OperationalError):
        return StoreError(f"cannot reach the PostgreSQL server at {where} ({reason})")
    return StoreError(f"cannot use the PostgreSQL database {database} at {where} ({reason})")


def _probe(url: str) -> None:
    """Connect once, outside the pool, so a refusal is reported with its reason (a pool only times out)."""
    try:
        with psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_SECONDS):
            pass
    except psycopg.Error as exc:
        raise connect_error(url, exc) from None


def migrate(db: PostgresDatabase) -> list[str]:
    """Apply every migration not yet applied, each in its own transaction; two processes take turns."""
    from storage.postgres_schema import MIGRATIONS

    applied = []
    with db._pool.connection(timeout=CONNECT_TIMEOUT_SECONDS) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK])
        try:
            conn.execute(MIGRATIONS_TABLE)
            done = {row[0] for row in conn.execute("SELECT name FROM _migrations").fetchall()}
            for name, script in MIGRATIONS:
                if name in done:
                    continue
                with conn.transaction():
                    conn.execute(script.encode())
                    conn.execute("INSERT INTO _migrations (name, applied_at) VALUES (%s, %s)", [name, utcnow()])
                applied.append(name)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK])
    return applied


def _tables(db: PostgresDatabase) -> list[str]:
    return [
        r[0]
        for r in db.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()", []
        )
    ]


def open_database(url: str) -> PostgresDatabase:
    """Open (migrating if needed) the PostgreSQL database at ``url``; StoreError with one line when the server
    cannot be reached, refuses the login, has no such database, or the database is another application's."""
    _probe(url)
    db = PostgresDatabase(url)
    try:
        foreign = foreign_tables(_tables(db))
        if foreign:
            raise StoreError(
                f"the PostgreSQL database at {_where(url)}{urlsplit(url).path} holds another application's tables "
                f"({', '.join(foreign[:3])}); give briefbot a database of its own"
            )
        migrate(db)
    except psycopg.Error as exc:
        db.close()
        raise connect_error(url, exc) from None
    except StoreError:
        db.close()
        raise
    return db


def open_reader(url: str) -> PostgresDatabase:
    """Another handle on the database for reading only (its transactions are read-only)."""
    _probe(url)
    return PostgresDatabase(url, read_only=True)


def check_database(db: PostgresDatabase, full: bool = False) -> list[str]:
    """PostgreSQL checks every page it reads (and its own WAL); what can be checked from here is that every table
    briefbot reads answers."""
    problems = []
    for table in ("articles", "sentences", "mentions", "entities", "chats", "deliveries"):
        try:
            db.execute(f"SELECT count(*) FROM {table}" if full else f"SELECT 1 FROM {table} LIMIT 1", [])
        except psycopg.Error as exc:
            problems.append(f"{table}: {_reason(exc)}")
    return problems
