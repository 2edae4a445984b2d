"""Both stores: the same schema from the same numbered migrations, and the same one-line errors for a store that
cannot be used."""

from __future__ import annotations

import shutil
import subprocess
import sys

import psycopg
import pytest

from storage import postgres_schema, sqlite
from storage.copy import columns
from storage.db import open_database
from tests.conftest import GUARDED_PATH, ROOT
from tests.pgserver import LocalPostgres, free_port

# Where the engines keep full-text search differently (SQLite: an FTS5 table and its shadow tables; PostgreSQL: a
# tsvector column); every other table and column is the same.
SEARCH_TABLES = {"articles_fts", "articles_fts_config", "articles_fts_data", "articles_fts_docsize", "articles_fts_idx"}


def _columns(db) -> dict[str, set[str]]:
    """Every table's data columns, read as migrate-store reads them (PostgreSQL's generated search column left out)."""
    if db.dialect.name == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
    else:
        sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
    tables = [r[0] for r in db.execute(sql, [])]
    return {t: set(columns(db, t)) for t in tables if t not in SEARCH_TABLES}


def test_both_engines_reach_the_same_tables_and_columns(tmp_path, postgres):
    lite = open_database(tmp_path / "x.db")
    pg = open_database(postgres.create_database("same_schema"))
    try:
        assert [name for name, _ in sqlite.MIGRATIONS] == [name for name, _ in postgres_schema.MIGRATIONS]
        assert _columns(pg) == _columns(lite)
    finally:
        lite.close()
        pg.close()


def briefbot_stats(db: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", "--db", db, "stats"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "HOME": "/tmp", "PYTHONPATH": GUARDED_PATH},
    )


def _other_application(postgres) -> str:
    url = postgres.create_database("other_app")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE invoices (id integer PRIMARY KEY, total numeric)")
    return url.replace("briefbot@", "briefbot:s3cret@")


@pytest.mark.parametrize(
    "make, reason",
    [
        (lambda pg: f"postgresql://briefbot:s3cret@127.0.0.1:{free_port()}/news", "cannot reach the PostgreSQL server"),
        (lambda pg: pg.url("news").replace("briefbot@", "nobody:s3cret@"), "refused user nobody"),
        (lambda pg: pg.url("no_such_db").replace("briefbot@", "briefbot:s3cret@"), "has no database no_such_db"),
        (_other_application, "holds another application's tables (invoices)"),
    ],
    ids=["unreachable", "unknown user", "no such database", "another application"],
)
def test_a_postgresql_store_that_cannot_be_used_gets_one_line_and_exit_2(postgres, make, reason):
    result = briefbot_stats(make(postgres))
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("briefbot: ") and reason in line and "s3cret" not in line


def test_a_sqlite_file_of_another_application_gets_the_same_line(tmp_path):
    import sqlite3

    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE invoices (id integer PRIMARY KEY, total numeric)")
    result = briefbot_stats(str(path))
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert "holds another application's tables (invoices)" in line


def test_migrate_store_copies_a_sqlite_store_to_postgresql_and_it_answers_the_same(
    seeded_path, tmp_path, postgres, nlp
):
    from service.app import Service

    source = tmp_path / "source.db"
    shutil.copy(seeded_path, source)
    target = postgres.create_database("moved")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "migrate-store", str(source), target],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "HOME": "/tmp", "PYTHONPATH": GUARDED_PATH},
    )
    assert result.returncode == 0, result.stderr
    assert "articles: 5 → 5" in result.stdout and "entity_pairs:" in result.stdout
    before, after = Service(open_database(source), nlp), Service(open_database(target), nlp)
    try:
        assert after.brief("Gaza") == before.brief("Gaza")
        assert after.stats()["sentences"] == before.stats()["sentences"]
        # The copy goes on living: a new article gets the next id, not one the copy already holds.
        fresh = tmp_path / "fresh.txt"
        fresh.write_text(
            "Flooding closed the main bridge in Porto Alegre on Monday, city officials said. "
            "Rescue teams moved hundreds of families from low-lying streets overnight. "
            "The state governor asked the federal government for emergency funds to rebuild roads."
        )
        [item] = after.ingest([str(fresh)]).items
        assert (item.status, item.article_id) == ("new", 6)
    finally:
        before.close()
        after.close()


def test_migrate_store_refuses_a_target_that_is_not_empty(seeded_path, tmp_path):
    source = tmp_path / "source.db"
    shutil.copy(seeded_path, source)
    target = tmp_path / "target.db"
    shutil.copy(seeded_path, target)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "migrate-store", str(source), str(target)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "HOME": "/tmp", "PYTHONPATH": GUARDED_PATH},
    )
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert "is not empty: copy into a new, empty store" in line


def test_a_postgresql_server_lost_mid_use_is_one_line_not_damage():
    from storage.db import DatabaseError, failure

    server = LocalPostgres().start()
    try:
        db = open_database(server.create_database("lost"))
    finally:
        server.stop()  # the server goes away under an open store
    with pytest.raises(DatabaseError) as raised:
        db.execute("SELECT count(*) FROM articles").fetchone()
    db.close()
    [line] = failure(raised.value).splitlines()
    assert line.startswith("lost the PostgreSQL server (") and "damaged" not in line
