"""Copying a whole store into an empty one, on either engine (`briefbot migrate-store SRC DST`), checked by counts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from storage.base import Database, StoreError

# Every table, parents before children. The mentions are copied with the triggers that count them off (row by row,
# in one transaction, PostgreSQL would look each sentence up with the plan it made for an empty table), and the
# counts the triggers kept are copied as they are.
TABLES = (
    "articles",
    "article_bands",
    "sentences",
    "entities",
    "entity_aliases",
    "entity_labels",
    "entity_evidence",
    "mentions",
    "entity_articles",
    "entity_pairs",
    "entity_totals",
    "roles",
    "facts",
    "sentence_dates",
    "feeds",
    "meta",
    "chats",
    "subscriptions",
    "snapshots",
    "deliveries",
    "button_actions",
    "send_budget",
)
# Tables whose ids the destination numbers from: after copying, its next id follows the largest copied.
WITH_IDS = ("articles", "sentences", "entities", "mentions", "roles", "facts", "feeds", "snapshots")
BATCH = 5000


def columns(db: Database, table: str) -> list[str]:
    """The columns of a table that hold data (PostgreSQL's generated search column is the engine's own)."""
    if db.dialect.name == "sqlite":
        return [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
    return [
        r[0]
        for r in db.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = ? AND is_generated = 'NEVER' ORDER BY ordinal_position",
            [table],
        )
    ]


def count(db: Database, table: str) -> int:
    """Rows in a table."""
    return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def _batches(db: Database, table: str, names: list[str]) -> Iterator[list[tuple]]:
    quoted = ", ".join(f'"{n}"' for n in names)
    batch: list[tuple] = []
    for row in db.execute(f"SELECT {quoted} FROM {table}"):
        batch.append(tuple(row))
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


@contextmanager
def _counters_off(db: Database) -> Iterator[None]:
    """The mention counters (the triggers on inserting a mention) off for the block, inside its transaction."""
    if db.dialect.name == "postgresql":
        db.execute("ALTER TABLE mentions DISABLE TRIGGER USER")
        yield
        db.execute("ALTER TABLE mentions ENABLE TRIGGER USER")
        return
    # SQLite cannot switch a trigger off: they are dropped and made again from their own SQL.
    saved = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'mentions' "
        "AND sql LIKE '%INSERT ON%'"
    ).fetchall()
    for name, _ in saved:
        db.execute(f"DROP TRIGGER {name}")
    yield
    for _, sql in saved:
        db.execute(sql)


def copy_store(source: Database, target: Database) -> dict[str, tuple[int, int]]:
    """Copy every row of ``source`` into the empty store ``target``, in one transaction; returns each table's
    (source, target) counts. Raises StoreError when the target already holds articles or chats."""
    if count(target, "articles") or count(target, "chats"):
        raise StoreError(f"the store {target.location} is not empty: copy into a new, empty store")
    with target.transaction(), _counters_off(target):
        for table in TABLES:
            names = columns(source, table)
            quoted = ", ".join(f'"{n}"' for n in names)
            insert = f"INSERT INTO {table} ({quoted}) VALUES ({', '.join('?' for _ in names)})"
            if table == "meta":  # the target's own write check may have left a row
                insert += " ON CONFLICT (key) DO UPDATE SET value = excluded.value"
            for batch in _batches(source, table, names):
                target.executemany(insert, batch)
        if target.dialect.name == "postgresql":
            for table in WITH_IDS:
                target.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce(max(id), 0) + 1, false) "
                    f"FROM {table}"
                )
    return {table: (count(source, table), count(target, table)) for table in TABLES}
