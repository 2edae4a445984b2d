"""Shared fixtures: the real spaCy pipeline (once per session), real SQLite and PostgreSQL stores, the seed articles."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest

from service.app import Service
from service.sources.fetch import FetchPolicy
from storage.db import open_database
from summarizer.nlp import load_pipeline
from tests import loopback
from tests.pgserver import LocalPostgres

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED = {
    "000": SEEDS / "000_a92f960d240e7c6e.txt",
    "001": SEEDS / "001_5c854657b6e39766.txt",
    "002": SEEDS / "002_26385c2ce571b62a.txt",
    "003": SEEDS / "003_b9fc4bf158c780d4.txt",
    "004": SEEDS / "004_5ef30ec43b82829e.txt",
}


def pytest_configure(config: pytest.Config) -> None:
    """Every test session stays on loopback (see tests/loopback.py), from the first fixture to the last."""
    loopback.install()


def _off_loopback(start: int) -> None:
    if len(loopback.violations) > start:
        pytest.fail("\n".join(loopback.violations[start:]), pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item):
    """Fail a test whose fixtures tried to leave loopback."""
    start = len(loopback.violations)
    result = yield
    _off_loopback(start)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """Fail a test that tried to leave loopback, even when the code under test swallowed the refusal."""
    start = len(loopback.violations)
    result = yield
    _off_loopback(start)
    return result


POSTGRES_TESTS = ("[postgresql", "test_stores.py", "test_workers.py")


def pytest_terminal_summary(terminalreporter) -> None:
    """Say how many tests ran on PostgreSQL: that half must run, never be skipped (there is no skip for it)."""
    stats = terminalreporter.stats
    ran = {
        outcome: sum(1 for r in stats.get(outcome, []) if any(mark in r.nodeid for mark in POSTGRES_TESTS))
        for outcome in ("passed", "failed", "error")
    }
    terminalreporter.write_line(
        f"PostgreSQL half: {ran['passed']} passed, {ran['failed']} failed, {ran['error']} errors "
        "(on servers this session started on 127.0.0.1)"
    )


# Subprocesses the tests start (the command line) get the same guard through this sitecustomize folder.
GUARDED_PATH = str(ROOT / "tests" / "guarded")


@pytest.fixture(scope="session")
def nlp():
    """The real English spaCy pipeline, loaded once."""
    return load_pipeline()


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server of this test session's own, on 127.0.0.1 (one per test process). Never skipped: the
    binaries are a pinned requirement, so a server that cannot start is a failure."""
    server = LocalPostgres().start()
    yield server
    server.stop()


_databases = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_template(postgres):
    """A migrated, empty PostgreSQL database that each test's database is copied from (faster than migrating)."""
    url = postgres.create_database("empty_template")
    open_database(url).close()
    return "empty_template"


def _postgres_copy(postgres, template: str):
    name = f"test_{next(_databases)}"
    url = postgres.create_database(name, template=template)
    return name, url


# The stores every storage, service and digest test runs on.
STORES = ["sqlite", "postgresql"]


@pytest.fixture(params=STORES)
def store_url(request, tmp_path):
    """Where an empty, migrated store is: a SQLite file, or a PostgreSQL database of its own."""
    if request.param == "sqlite":
        yield str(tmp_path / "test.db")
        return
    postgres = request.getfixturevalue("postgres")
    name, url = _postgres_copy(postgres, request.getfixturevalue("postgres_template"))
    yield url
    postgres.drop_database(name)


@pytest.fixture
def db(store_url):
    """An empty, migrated store, on each engine."""
    database = open_database(store_url)
    yield database
    database.close()


@pytest.fixture
def service(db, nlp):
    """A service over an empty store; URL fetching may reach the tests' local HTTP server."""
    return Service(db, nlp, FetchPolicy(timeout=2.0, max_bytes=200_000, allow_private=True))


@pytest.fixture(scope="session")
def seeded_path(tmp_path_factory, nlp):
    """A database file with the five seeds ingested (copied per test that needs to write)."""
    path = tmp_path_factory.mktemp("seeded") / "seeded.db"
    database = open_database(path)
    Service(database, nlp).ingest([str(SEEDS)])
    database.close()
    return path


@pytest.fixture(scope="session")
def postgres_seeded(postgres, postgres_template, nlp):
    """A PostgreSQL database with the five seeds ingested (copied per test)."""
    url = postgres.create_database("seeded_template", template=postgres_template)
    database = open_database(url)
    Service(database, nlp).ingest([str(SEEDS)])
    database.close()
    return "seeded_template"


@pytest.fixture(params=STORES)
def seeded_store(request, tmp_path, nlp):
    """A service over a private copy of the seeded store, on each engine."""
    if request.param == "sqlite":
        path = tmp_path / "seeded.db"
        shutil.copy(request.getfixturevalue("seeded_path"), path)
        database = open_database(path)
        yield Service(database, nlp)
        database.close()
        return
    postgres = request.getfixturevalue("postgres")
    name, url = _postgres_copy(postgres, request.getfixturevalue("postgres_seeded"))
    database = open_database(url)
    yield Service(database, nlp)
    database.close()
    postgres.drop_database(name)


def trickling(chunks: int, pause: float = 0.5):
    """A pytest-httpserver handler for a server that sends one byte every ``pause`` seconds."""
    import time

    from werkzeug.wrappers import Response

    def handler(request):
        def body():
            for _ in range(chunks):
                time.sleep(pause)
                yield b"x"

        return Response(body(), content_type="text/html")

    return handler
