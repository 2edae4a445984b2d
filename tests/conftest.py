"""Shared fixtures: the real spaCy pipeline (once per session), real SQLite stores, the seed articles."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from service.app import Service
from service.sources.fetch import FetchPolicy
from storage.db import open_database
from summarizer.nlp import load_pipeline
from tests import loopback

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


# Subprocesses the tests start (the command line) get the same guard through this sitecustomize folder.
GUARDED_PATH = str(ROOT / "tests" / "guarded")


@pytest.fixture(scope="session")
def nlp():
    """The real English spaCy pipeline, loaded once."""
    return load_pipeline()


@pytest.fixture
def db(tmp_path):
    """An empty, migrated SQLite database file."""
    database = open_database(tmp_path / "test.db")
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


@pytest.fixture
def seeded_store(seeded_path, tmp_path, nlp):
    """A service over a private copy of the seeded database."""
    path = tmp_path / "seeded.db"
    shutil.copy(seeded_path, path)
    database = open_database(path)
    yield Service(database, nlp)
    database.close()


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
