"""The SQLite store: sqlite-utils over one file in WAL mode, its numbered migrations, opening and checking it.

sqlite-utils is the connection and query layer (``Database``, ``execute``, and its ``<table>_fts`` naming for the
full-text indexes). The schema itself is numbered SQL migrations rather than ``table.create`` / ``transform`` /
``enable_fts``, for two reasons: each migration must run whole or not at all inside one transaction, and
``enable_fts`` (like anything that goes through ``executescript``) commits half-way; and the SQL text is the record
of what each version of the schema is. Writes are plain ``execute`` / ``executemany`` because the hot ones need what
``insert_all`` does not give: the id of each sentence as it is inserted, and a column filled by a sub-select
(a mention's ``published_at``) in the same statement.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlite_utils

from storage.base import MIGRATIONS_TABLE, Dialect, StoreError, foreign_tables, topic_key, transaction, utcnow

SQLITE = Dialect(
    name="sqlite",
    search="a.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)",
    # The '+' keeps the planner off the rowid look-up of every match (and the sort of them all after it).
    search_newest="+a.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)",
    search_count="SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?",
)


class SqliteDatabase(sqlite_utils.Database):
    """A sqlite-utils database that is also a briefbot ``Database`` (a dialect, ``executemany``, ``transaction``)."""

    dialect = SQLITE

    @property
    def location(self) -> str:
        """The database file's path ('in memory' for ``:memory:``)."""
        main = [r[2] for r in self.execute("PRAGMA database_list") if r[1] == "main"]
        return (main[0] if main else "") or "in memory"

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement once per row of parameters."""
        self.conn.executemany(sql, rows)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One IMMEDIATE transaction (the write lock taken at once, so two writers never deadlock half-way)."""
        self.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.execute("ROLLBACK")
            raise
        self.execute("COMMIT")


def _m001_articles(db: SqliteDatabase) -> None:
    _script(
        db,
        """
        CREATE TABLE articles (
            id INTEGER PRIMARY KEY,
            url TEXT,
            canonical_url TEXT UNIQUE,
            title TEXT,
            source TEXT NOT NULL,
            published_at TEXT NOT NULL,
            ingested_at TEXT NOT NULL,
            text TEXT NOT NULL,
            content_hash TEXT NOT NULL UNIQUE,
            signature TEXT NOT NULL,
            duplicate_of INTEGER REFERENCES articles(id),
            story_id INTEGER,
            language TEXT NOT NULL DEFAULT 'en'
        );
        CREATE INDEX idx_articles_published ON articles(published_at);
        CREATE INDEX idx_articles_story ON articles(story_id);
        CREATE TABLE article_bands (
            article_id INTEGER NOT NULL REFERENCES articles(id),
            band INTEGER NOT NULL,
            hash TEXT NOT NULL
        );
        CREATE INDEX idx_article_bands ON article_bands(band, hash);
        CREATE TABLE sentences (
            id INTEGER PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles(id),
            position INTEGER NOT NULL,
            text TEXT NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL,
            tokens TEXT NOT NULL
        );
        CREATE INDEX idx_sentences_article ON sentences(article_id, position);
        CREATE TABLE entities (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            label TEXT NOT NULL
        );
        CREATE TABLE entity_aliases (
            key TEXT NOT NULL,
            entity_id INTEGER NOT NULL REFERENCES entities(id),
            alias TEXT NOT NULL,
            kind TEXT NOT NULL DEFAULT 'exact',
            PRIMARY KEY (key, entity_id, kind)
        );
        CREATE INDEX idx_entity_aliases_entity ON entity_aliases(entity_id);
        CREATE TABLE mentions (
            id INTEGER PRIMARY KEY,
            sentence_id INTEGER NOT NULL REFERENCES sentences(id),
            article_id INTEGER NOT NULL REFERENCES articles(id),
            entity_id INTEGER NOT NULL REFERENCES entities(id),
            surface TEXT NOT NULL,
            label TEXT NOT NULL,
            start INTEGER NOT NULL,
            "end" INTEGER NOT NULL
        );
        CREATE INDEX idx_mentions_entity ON mentions(entity_id);
        CREATE INDEX idx_mentions_sentence ON mentions(sentence_id);
        CREATE INDEX idx_mentions_article ON mentions(article_id);
        CREATE TABLE roles (
            id INTEGER PRIMARY KEY,
            entity_id INTEGER NOT NULL REFERENCES entities(id),
            sentence_id INTEGER NOT NULL REFERENCES sentences(id),
            article_id INTEGER NOT NULL REFERENCES articles(id),
            role TEXT NOT NULL,
            office TEXT NOT NULL,
            country TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX idx_roles_entity ON roles(entity_id);
        CREATE INDEX idx_roles_office ON roles(office);
        CREATE TABLE facts (
            id INTEGER PRIMARY KEY,
            sentence_id INTEGER NOT NULL REFERENCES sentences(id),
            article_id INTEGER NOT NULL REFERENCES articles(id),
            subject_id INTEGER REFERENCES entities(id),
            attribute TEXT NOT NULL,
            value TEXT NOT NULL,
            number REAL NOT NULL
        );
        CREATE INDEX idx_facts_article ON facts(article_id);
        CREATE TABLE feeds (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL UNIQUE,
            title TEXT,
            etag TEXT,
            last_modified TEXT,
            added_at TEXT NOT NULL,
            last_polled_at TEXT,
            last_status TEXT
        );
        CREATE TABLE meta (
            key TEXT PRIMARY KEY,
            value TEXT
        );
        """,
    )
    _fts(db, "articles", ["title", "text"])
    _fts(db, "sentences", ["text"])


def _fts(db: SqliteDatabase, table: str, columns: list[str]) -> None:
    """An external-content FTS5 index named like sqlite-utils' (``<table>_fts``), kept in sync by triggers."""
    cols = ", ".join(f"[{c}]" for c in columns)
    new = ", ".join(f"new.[{c}]" for c in columns)
    old = ", ".join(f"old.[{c}]" for c in columns)
    _script(
        db,
        f"""
        CREATE VIRTUAL TABLE [{table}_fts] USING FTS5 ({cols}, tokenize='porter', content=[{table}]);
        CREATE TRIGGER [{table}_ai] AFTER INSERT ON [{table}] BEGIN
            INSERT INTO [{table}_fts] (rowid, {cols}) VALUES (new.rowid, {new});
        END;
        CREATE TRIGGER [{table}_ad] AFTER DELETE ON [{table}] BEGIN
            INSERT INTO [{table}_fts] ([{table}_fts], rowid, {cols}) VALUES('delete', old.rowid, {old});
        END;
        CREATE TRIGGER [{table}_au] AFTER UPDATE ON [{table}] BEGIN
            INSERT INTO [{table}_fts] ([{table}_fts], rowid, {cols}) VALUES('delete', old.rowid, {old});
            INSERT INTO [{table}_fts] (rowid, {cols}) VALUES (new.rowid, {new});
        END;
        """,
    )


def _script(db: SqliteDatabase, script: str) -> None:
    """Run a multi-statement script inside the caller's transaction (``executescript`` would commit)."""
    buffer = ""
    for line in script.splitlines():
        buffer += line + "\n"
        if sqlite3.complete_statement(buffer):
            db.execute(buffer)
            buffer = ""


def _m002_chats(db: SqliteDatabase) -> None:
    _script(
        db,
        """
        CREATE TABLE chats (
            id INTEGER PRIMARY KEY,
            title TEXT,
            timezone TEXT NOT NULL DEFAULT 'UTC',
            digest_time TEXT,
            length TEXT NOT NULL DEFAULT 'medium',
            active INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL
        );
        CREATE TABLE subscriptions (
            chat_id INTEGER NOT NULL REFERENCES chats(id),
            topic TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (chat_id, topic)
        );
        CREATE TABLE snapshots (
            id INTEGER PRIMARY KEY,
            chat_id INTEGER NOT NULL,
            topic TEXT NOT NULL,
            kind TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX idx_snapshots_chat_topic ON snapshots(chat_id, topic);
        CREATE TABLE snapshot_articles (
            snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),
            article_id INTEGER NOT NULL REFERENCES articles(id),
            PRIMARY KEY (snapshot_id, article_id)
        );
        CREATE TABLE snapshot_sentences (
            snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),
            sentence_id INTEGER NOT NULL REFERENCES sentences(id),
            PRIMARY KEY (snapshot_id, sentence_id)
        );
        CREATE TABLE snapshot_entities (
            snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),
            entity_id INTEGER NOT NULL REFERENCES entities(id),
            PRIMARY KEY (snapshot_id, entity_id)
        );
        CREATE TABLE snapshot_facts (
            snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),
            fact_id INTEGER NOT NULL REFERENCES facts(id),
            PRIMARY KEY (snapshot_id, fact_id)
        );
        CREATE TABLE deliveries (
            chat_id INTEGER NOT NULL,
            slot TEXT NOT NULL,
            status TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (chat_id, slot)
        );
        """,
    )


def _m003_entity_labels(db: SqliteDatabase) -> None:
    # Running label counts, so the majority label needs no scan over every mention of a busy entity.
    _script(
        db,
        """
        CREATE TABLE entity_labels (
            entity_id INTEGER NOT NULL REFERENCES entities(id),
            label TEXT NOT NULL,
            n INTEGER NOT NULL,
            PRIMARY KEY (entity_id, label)
        );
        INSERT INTO entity_labels (entity_id, label, n)
            SELECT entity_id, label, count(*) FROM mentions GROUP BY entity_id, label;
        """,
    )


def _m004_entity_evidence(db: SqliteDatabase) -> None:
    # Evidence-based canonicalisation: how often each alias key was used for an entity, how often a short
    # form was seen beside a longer name in one article, succession cues on roles, and the scope of facts.
    _script(
        db,
        """
        ALTER TABLE entity_aliases ADD COLUMN n INTEGER NOT NULL DEFAULT 1;
        CREATE TABLE entity_evidence (
            short_id INTEGER NOT NULL REFERENCES entities(id),
            long_id INTEGER NOT NULL REFERENCES entities(id),
            n INTEGER NOT NULL,
            PRIMARY KEY (short_id, long_id)
        );
        CREATE INDEX idx_entity_evidence_long ON entity_evidence(long_id);
        ALTER TABLE roles ADD COLUMN transitional INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE facts ADD COLUMN scope TEXT NOT NULL DEFAULT '';
        CREATE INDEX idx_facts_subject ON facts(subject_id);
        CREATE INDEX idx_snapshot_entities_entity ON snapshot_entities(entity_id);
        """,
    )


def _m005_sentence_dates(db: SqliteDatabase) -> None:
    # Dates sentences mention ('on 25 May'), resolved against their article's date: what timelines are built from.
    _script(
        db,
        """
        CREATE TABLE sentence_dates (
            sentence_id INTEGER NOT NULL REFERENCES sentences(id),
            article_id INTEGER NOT NULL REFERENCES articles(id),
            day TEXT NOT NULL,
            PRIMARY KEY (sentence_id, day)
        );
        CREATE INDEX idx_sentence_dates_article ON sentence_dates(article_id);
        """,
    )


def _m006_buttons_and_quiet_digests(db: SqliteDatabase) -> None:
    # Buttons carry a short id, never the topic itself: Telegram allows 64 bytes of callback data.
    _script(
        db,
        """
        CREATE TABLE button_actions (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            value TEXT NOT NULL,
            created_at TEXT NOT NULL,
            UNIQUE (kind, value)
        );
        ALTER TABLE chats ADD COLUMN digest_quiet INTEGER NOT NULL DEFAULT 0;
        """,
    )


def _m007_entity_stats(db: SqliteDatabase) -> None:
    # A profile reads counts kept up to date as mentions arrive or move (merges), not aggregated per request:
    # mentions per (entity, article), and sentences per pair of entities named together. sentences_fts was kept on
    # every insert and never queried. Topics are compared case-insensitively: the indexes say so.
    _script(
        db,
        """
        CREATE TABLE entity_articles (
            entity_id INTEGER NOT NULL,
            article_id INTEGER NOT NULL,
            n INTEGER NOT NULL,
            PRIMARY KEY (entity_id, article_id)
        ) WITHOUT ROWID;
        INSERT INTO entity_articles (entity_id, article_id, n)
            SELECT entity_id, article_id, count(*) FROM mentions GROUP BY entity_id, article_id;
        CREATE TRIGGER mentions_count AFTER INSERT ON mentions BEGIN
            INSERT INTO entity_articles (entity_id, article_id, n) VALUES (new.entity_id, new.article_id, 1)
                ON CONFLICT (entity_id, article_id) DO UPDATE SET n = n + 1;
        END;
        CREATE TRIGGER mentions_move AFTER UPDATE OF entity_id ON mentions BEGIN
            UPDATE entity_articles SET n = n - 1 WHERE entity_id = old.entity_id AND article_id = old.article_id;
            DELETE FROM entity_articles WHERE entity_id = old.entity_id AND article_id = old.article_id AND n <= 0;
            INSERT INTO entity_articles (entity_id, article_id, n) VALUES (new.entity_id, new.article_id, 1)
                ON CONFLICT (entity_id, article_id) DO UPDATE SET n = n + 1;
        END;
        CREATE TABLE entity_pairs (
            entity_id INTEGER NOT NULL,
            other_id INTEGER NOT NULL,
            n INTEGER NOT NULL,
            PRIMARY KEY (entity_id, other_id)
        ) WITHOUT ROWID;
        CREATE INDEX idx_entity_pairs_other ON entity_pairs(other_id);
        INSERT INTO entity_pairs (entity_id, other_id, n)
            SELECT m.entity_id, o.entity_id, count(DISTINCT m.sentence_id) FROM mentions m
            JOIN mentions o ON o.sentence_id = m.sentence_id AND o.entity_id != m.entity_id
            GROUP BY m.entity_id, o.entity_id;
        CREATE TRIGGER mentions_pair AFTER INSERT ON mentions
        WHEN NOT EXISTS (SELECT 1 FROM mentions WHERE sentence_id = new.sentence_id AND entity_id = new.entity_id
                         AND id != new.id)
        BEGIN
            INSERT INTO entity_pairs (entity_id, other_id, n)
                SELECT new.entity_id, o.entity_id, 1 FROM (SELECT DISTINCT entity_id FROM mentions
                    WHERE sentence_id = new.sentence_id AND entity_id != new.entity_id) o WHERE true
                ON CONFLICT (entity_id, other_id) DO UPDATE SET n = n + 1;
            INSERT INTO entity_pairs (entity_id, other_id, n)
                SELECT o.entity_id, new.entity_id, 1 FROM (SELECT DISTINCT entity_id FROM mentions
                    WHERE sentence_id = new.sentence_id AND entity_id != new.entity_id) o WHERE true
                ON CONFLICT (entity_id, other_id) DO UPDATE SET n = n + 1;
        END;
        DROP TRIGGER IF EXISTS sentences_ai;
        DROP TRIGGER IF EXISTS sentences_ad;
        DROP TRIGGER IF EXISTS sentences_au;
        DROP TABLE IF EXISTS sentences_fts;
        CREATE INDEX idx_snapshots_chat_topic_key ON snapshots(chat_id, lower(topic));
        CREATE INDEX idx_facts_scope ON facts(scope);
        """,
    )


def _m008_history_high_water_mark(db: SqliteDatabase) -> None:
    # What a chat has seen of a topic is a high-water mark (the newest article id the briefing covered) and the
    # few sentences it showed, not copies of every article, entity and fact of every briefing.
    _script(
        db,
        """
        ALTER TABLE snapshots ADD COLUMN covered_to INTEGER NOT NULL DEFAULT 0;
        UPDATE snapshots SET covered_to = coalesce(
            (SELECT max(article_id) FROM snapshot_articles WHERE snapshot_id = snapshots.id), 0);
        DROP TABLE snapshot_articles;
        DROP TABLE snapshot_entities;
        DROP TABLE snapshot_facts;
        DROP INDEX idx_snapshots_chat_topic;
        """,
    )


def _m009_shown_sentences_in_the_briefing_row(db: SqliteDatabase) -> None:
    # The few sentence ids a briefing showed live in its own row: one row of history per delivered briefing.
    _script(
        db,
        """
        ALTER TABLE snapshots ADD COLUMN shown TEXT NOT NULL DEFAULT '[]';
        UPDATE snapshots SET shown = coalesce(
            (SELECT json_group_array(sentence_id) FROM snapshot_sentences WHERE snapshot_id = snapshots.id), '[]');
        DROP TABLE snapshot_sentences;
        """,
    )


def _m010_publication_dates_in_range(db: SqliteDatabase) -> None:
    # Articles stored before dates were range-checked (0001-01-02, 9999-12-30) are dated on arrival, as ingest now
    # dates them; the days their sentences named were read against the broken date, so they are dropped.
    _script(
        db,
        """
        CREATE TEMP TABLE redated AS SELECT id FROM articles
            WHERE substr(published_at, 1, 10) < '1990-01-01'
               OR substr(published_at, 1, 10) > date(ingested_at, '+1 day');
        UPDATE articles SET published_at = substr(ingested_at, 1, 10) WHERE id IN (SELECT id FROM redated);
        DELETE FROM sentence_dates WHERE article_id IN (SELECT id FROM redated);
        DROP TABLE redated;
        """,
    )


def _m011_topic_keys(db: SqliteDatabase) -> None:
    # "Gaza" and "GAZA", "Élysée" and "élysée" are one topic: subscriptions and briefings are found by their key.
    # A chat subscribed twice under two spellings keeps the first.
    db.conn.create_function("topic_key", 1, topic_key, deterministic=True)
    _script(
        db,
        """
        CREATE TABLE subscriptions_keyed (
            chat_id INTEGER NOT NULL REFERENCES chats(id),
            topic TEXT NOT NULL,
            topic_key TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (chat_id, topic_key)
        );
        INSERT OR IGNORE INTO subscriptions_keyed (chat_id, topic, topic_key, created_at)
            SELECT chat_id, topic, topic_key(topic), created_at FROM subscriptions ORDER BY created_at, rowid;
        DROP TABLE subscriptions;
        ALTER TABLE subscriptions_keyed RENAME TO subscriptions;
        ALTER TABLE snapshots ADD COLUMN topic_key TEXT NOT NULL DEFAULT '';
        UPDATE snapshots SET topic_key = topic_key(topic);
        DROP INDEX idx_snapshots_chat_topic_key;
        CREATE INDEX idx_snapshots_topic_key ON snapshots(chat_id, topic_key, id);
        """,
    )


def _m012_buttons_bound_to_chats(db: SqliteDatabase) -> None:
    # A button's action belongs to the chat it was sent to, under a random token (not a counter another chat could
    # walk), and expires. Buttons sent before this answer "expired".
    _script(
        db,
        """
        DROP TABLE button_actions;
        CREATE TABLE button_actions (
            token TEXT PRIMARY KEY,
            chat_id INTEGER NOT NULL,
            kind TEXT NOT NULL,
            value TEXT NOT NULL,
            created_at TEXT NOT NULL,
            UNIQUE (chat_id, kind, value)
        );
        CREATE INDEX idx_button_actions_created ON button_actions(created_at);
        """,
    )


def _m013_index_ordered_reads(db: SqliteDatabase) -> None:
    # "The newest N" of an entity's sentences or of an office's roles walks an index in date order and stops at N,
    # instead of joining, grouping and sorting every row first: mentions and roles carry their article's date.
    # Mention totals per entity are kept by triggers, not counted per request.
    _script(
        db,
        """
        ALTER TABLE mentions ADD COLUMN published_at TEXT NOT NULL DEFAULT '';
        UPDATE mentions SET published_at = (SELECT published_at FROM articles WHERE id = mentions.article_id);
        CREATE INDEX idx_mentions_entity_recent ON mentions(entity_id, published_at DESC, sentence_id DESC);
        DROP INDEX idx_mentions_entity;
        ALTER TABLE roles ADD COLUMN published_at TEXT NOT NULL DEFAULT '';
        UPDATE roles SET published_at = (SELECT published_at FROM articles WHERE id = roles.article_id);
        CREATE INDEX idx_roles_entity_recent ON roles(entity_id, published_at DESC, id DESC);
        CREATE INDEX idx_roles_office_recent ON roles(office, published_at DESC, id DESC);
        DROP INDEX idx_roles_entity;
        DROP INDEX idx_roles_office;
        CREATE TRIGGER articles_redated AFTER UPDATE OF published_at ON articles BEGIN
            UPDATE mentions SET published_at = new.published_at WHERE article_id = new.id;
            UPDATE roles SET published_at = new.published_at WHERE article_id = new.id;
        END;
        CREATE TABLE entity_totals (
            entity_id INTEGER PRIMARY KEY,
            mentions INTEGER NOT NULL
        );
        INSERT INTO entity_totals (entity_id, mentions) SELECT entity_id, count(*) FROM mentions GROUP BY entity_id;
        CREATE TRIGGER mentions_total AFTER INSERT ON mentions BEGIN
            INSERT INTO entity_totals (entity_id, mentions) VALUES (new.entity_id, 1)
                ON CONFLICT (entity_id) DO UPDATE SET mentions = mentions + 1;
        END;
        CREATE TRIGGER mentions_total_move AFTER UPDATE OF entity_id ON mentions BEGIN
            UPDATE entity_totals SET mentions = mentions - 1 WHERE entity_id = old.entity_id;
            INSERT INTO entity_totals (entity_id, mentions) VALUES (new.entity_id, 1)
                ON CONFLICT (entity_id) DO UPDATE SET mentions = mentions + 1;
        END;
        """,
    )


def _m014_sentence_quality(db: SqliteDatabase) -> None:
    # How well a sentence stands alone as a briefing line depends on its text only: worked out once, at ingest,
    # not by a dozen regular expressions every time the sentence is ranked. NULL for sentences stored before.
    _script(db, "ALTER TABLE sentences ADD COLUMN quality REAL;")


def _m015_roles_scope_column(db: SqliteDatabase) -> None:
    # Where an office belongs is a country or an institution ('the UN Security Council'): the column says scope.
    _script(db, "ALTER TABLE roles RENAME COLUMN country TO scope;")


def _m016_shared_send_budget(db: SqliteDatabase) -> None:
    # Digest workers in several processes share one flood-control budget per bot: the time of the last send booked.
    _script(db, "CREATE TABLE send_budget (bot TEXT PRIMARY KEY, last_at REAL NOT NULL);")


def _m017_entity_articles_by_article(db: SqliteDatabase) -> None:
    # A topic's most-named entities are counted from the per-(entity, article) counts of its articles.
    _script(db, "CREATE INDEX idx_entity_articles_article ON entity_articles(article_id, entity_id, n);")


def _m018_pairs_counted_by_sentence(db: SqliteDatabase) -> None:
    # The pair trigger's test of whether the sentence already named the entity walked every mention of the entity
    # (the planner took idx_mentions_entity_recent): a famous name made each insert linear in the store's size.
    # The '+' keeps the test on the sentence's few mentions.
    _script(
        db,
        """
        DROP TRIGGER mentions_pair;
        CREATE TRIGGER mentions_pair AFTER INSERT ON mentions
        WHEN NOT EXISTS (SELECT 1 FROM mentions WHERE sentence_id = new.sentence_id AND +entity_id = new.entity_id
                         AND id != new.id)
        BEGIN
            INSERT INTO entity_pairs (entity_id, other_id, n)
                SELECT new.entity_id, o.entity_id, 1 FROM (SELECT DISTINCT entity_id FROM mentions
                    WHERE sentence_id = new.sentence_id AND +entity_id != new.entity_id) o WHERE true
                ON CONFLICT (entity_id, other_id) DO UPDATE SET n = n + 1;
            INSERT INTO entity_pairs (entity_id, other_id, n)
                SELECT o.entity_id, new.entity_id, 1 FROM (SELECT DISTINCT entity_id FROM mentions
                    WHERE sentence_id = new.sentence_id AND +entity_id != new.entity_id) o WHERE true
                ON CONFLICT (entity_id, other_id) DO UPDATE SET n = n + 1;
        END;
        """,
    )


MIGRATIONS: list[tuple[str, Callable[[SqliteDatabase], None]]] = [
    ("001_articles", _m001_articles),
    ("002_chats", _m002_chats),
    ("003_entity_labels", _m003_entity_labels),
    ("004_entity_evidence", _m004_entity_evidence),
    ("005_sentence_dates", _m005_sentence_dates),
    ("006_buttons_and_quiet_digests", _m006_buttons_and_quiet_digests),
    ("007_entity_stats", _m007_entity_stats),
    ("008_history_high_water_mark", _m008_history_high_water_mark),
    ("009_shown_sentences_in_the_briefing_row", _m009_shown_sentences_in_the_briefing_row),
    ("010_publication_dates_in_range", _m010_publication_dates_in_range),
    ("011_topic_keys", _m011_topic_keys),
    ("012_buttons_bound_to_chats", _m012_buttons_bound_to_chats),
    ("013_index_ordered_reads", _m013_index_ordered_reads),
    ("014_sentence_quality", _m014_sentence_quality),
    ("015_roles_scope_column", _m015_roles_scope_column),
    ("016_shared_send_budget", _m016_shared_send_budget),
    ("017_entity_articles_by_article", _m017_entity_articles_by_article),
    ("018_pairs_counted_by_sentence", _m018_pairs_counted_by_sentence),
]


def migrate(db: SqliteDatabase) -> list[str]:
    """Apply every migration not yet applied, each in its own transaction; return their names."""
    db.execute(MIGRATIONS_TABLE)
    done = {row[0] for row in db.execute("SELECT name FROM _migrations").fetchall()}
    applied = []
    for name, step in MIGRATIONS:
        if name in done:
            continue
        with transaction(db):
            step(db)
            db.execute("INSERT INTO _migrations (name, applied_at) VALUES (?, ?)", [name, utcnow()])
        applied.append(name)
    return applied


def open_reader(path: str) -> SqliteDatabase:
    """Another connection to an open database, for reading only (WAL lets readers run beside the one writer)."""
    try:
        conn = sqlite3.connect(path, check_same_thread=False, timeout=30, isolation_level=None)
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.execute("PRAGMA query_only = 1")
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"cannot open the database {path} for reading ({exc})") from None
    return SqliteDatabase(conn)


def open_database(path: str) -> SqliteDatabase:
    """Open (creating if needed) the SQLite file at ``path``, in WAL mode, fully migrated.

    Raises StoreError with one line for a path that cannot be created, a file that is not a briefbot database or
    is corrupt, another application's database, and a database that cannot be written.
    """
    if str(path) != ":memory:":
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the folder for the database {path}: {exc.strerror or exc}") from None
        if Path(path).is_dir():
            raise StoreError(f"the database path {path} is a folder, not a file")
    try:
        # Autocommit mode: every multi-step write opens its own transaction with ``transaction()``.
        conn = sqlite3.connect(str(path), check_same_thread=False, timeout=30, isolation_level=None)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 30000")
        # Constant time, whatever the size: the header and the schema are read (a file that is not a database fails
        # here); the pages of every table are checked by `briefbot check` (``check_database``), not at each open.
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        foreign = foreign_tables(tables)
        if foreign:
            conn.close()
            raise StoreError(
                f"{path} holds another application's tables ({', '.join(foreign[:3])}); give briefbot a file of its own"
            )
        db = SqliteDatabase(conn)
        if str(path) != ":memory:":
            db.enable_wal()
        conn.execute("PRAGMA synchronous = NORMAL")
        migrate(db)
        if str(path) != ":memory:":
            # A database that opens but cannot be written fails here, not at the first ingest or delivery.
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('write_check', '1')")
            finally:
                conn.execute("ROLLBACK")
    except sqlite3.DatabaseError as exc:
        message = str(exc)
        if "not a database" in message or "malformed" in message:
            raise StoreError(f"{path} is not a briefbot database or is damaged ({message})") from None
        if "readonly" in message or "read-only" in message:
            raise StoreError(f"the database {path} is read-only; briefbot needs to write to it") from None
        if "unable to open" in message:
            raise StoreError(f"cannot open the database {path} ({message})") from None
        raise StoreError(f"cannot use the database {path} ({message})") from None
    return db


def check_database(db: SqliteDatabase, full: bool = False) -> list[str]:
    """What is wrong with the database file: SQLite's page checks (``quick_check``, or ``integrity_check`` with
    ``full``, which also compares every index with its table) and the full-text indexes' own checks. Empty when
    sound; linear in the database's size."""
    problems = [r[0] for r in db.execute("PRAGMA integrity_check" if full else "PRAGMA quick_check")]
    problems = [] if problems == ["ok"] else problems
    try:
        db.execute("INSERT INTO articles_fts (articles_fts) VALUES ('integrity-check')")
    except sqlite3.DatabaseError as exc:
        problems.append(f"articles_fts: {exc}")
    return problems
