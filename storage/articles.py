"""Articles, their sentences, mentions, roles and facts: writes and the queries briefings need."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from sys import intern
from typing import Any

from storage.db import Database
from storage.records import Article, FactRow, SentenceRow

_SENTENCE_COLUMNS = """
    s.id, s.article_id, s.position, s.text, s.tokens, a.source, a.published_at, a.url, a.story_id,
    coalesce(a.title, ''), s.quality
"""


def _article(row: Sequence[Any]) -> Article:
    return Article(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7])


def _sentences(rows: Iterable[Sequence[Any]]) -> list[SentenceRow]:
    """Rows as SentenceRows, each article's strings shared by its sentences and every token interned: a broad
    topic's candidates are tens of thousands of sentences repeating the same words, and a digest wave keeps many in
    play at once."""
    articles: dict[int, tuple[str, str, str | None, int, str]] = {}
    found = []
    for row in rows:
        article = articles.get(row[1])
        if article is None:
            article = articles[row[1]] = (row[5], row[6], row[7], row[8], row[9])
        source, published, url, story, title = article
        tokens = tuple(map(intern, row[4].split()))
        found.append(SentenceRow(row[0], row[1], row[2], row[3], tokens, source, published, url, story, title, row[10]))
    return found


def find_existing(db: Database, canonical_url: str | None, content_hash: str) -> int | None:
    """The id of an article with this canonical URL or this exact content, if stored."""
    row = db.execute(
        "SELECT id FROM articles WHERE content_hash = ? OR (canonical_url IS NOT NULL AND canonical_url = ?)",
        [content_hash, canonical_url],
    ).fetchone()
    return row[0] if row else None


def band_candidates(db: Database, bands: Iterable[tuple[int, str]]) -> list[tuple[int, str]]:
    """(id, signature) of original articles sharing at least one LSH band."""
    bands = list(bands)
    if not bands:
        return []
    clause = " OR ".join("(b.band = ? AND b.hash = ?)" for _ in bands)
    params = [v for pair in bands for v in pair]
    return [
        (row[0], row[1])
        for row in db.execute(
            f"""SELECT DISTINCT a.id, a.signature FROM article_bands b JOIN articles a ON a.id = b.article_id
                WHERE a.duplicate_of IS NULL AND ({clause}) ORDER BY a.id""",
            params,
        ).fetchall()
    ]


def insert_article(db: Database, row: dict[str, Any], bands: Iterable[tuple[int, str]]) -> int:
    """Insert an article row (story_id defaults to its own id) and its LSH bands; return its id."""
    columns = ", ".join(row)
    article_id = int(
        db.execute(
            f"INSERT INTO articles ({columns}) VALUES ({', '.join('?' for _ in row)}) RETURNING id", list(row.values())
        ).fetchone()[0]
    )
    if row.get("story_id") is None:
        db.execute("UPDATE articles SET story_id = ? WHERE id = ?", [article_id, article_id])
    db.executemany(
        "INSERT INTO article_bands (article_id, band, hash) VALUES (?, ?, ?)",
        [(article_id, band, value) for band, value in bands],
    )
    return article_id


def insert_sentences(db: Database, article_id: int, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert an article's sentences (position, text, start, end, tokens, quality); return their ids in order."""
    ids = []
    for row in rows:
        cursor = db.execute(
            'INSERT INTO sentences (article_id, position, text, start, "end", tokens, quality) '
            "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [
                article_id,
                row["position"],
                row["text"],
                row["start"],
                row["end"],
                " ".join(row["tokens"]),
                row.get("quality"),
            ],
        )
        ids.append(int(cursor.fetchone()[0]))
    return ids


def insert_mentions(db: Database, rows: Sequence[tuple]) -> None:
    """Insert (sentence_id, article_id, entity_id, surface, label, start, end) rows."""
    db.executemany(
        'INSERT INTO mentions (sentence_id, article_id, entity_id, surface, label, start, "end", published_at) '
        "VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT published_at FROM articles WHERE id = ?))",
        [(*row, row[1]) for row in rows],
    )


def insert_roles(db: Database, rows: Sequence[tuple]) -> None:
    """Insert (entity_id, sentence_id, article_id, role, office, scope, transitional) rows."""
    db.executemany(
        "INSERT INTO roles (entity_id, sentence_id, article_id, role, office, scope, transitional, published_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT published_at FROM articles WHERE id = ?))",
        [(*row, row[2]) for row in rows],
    )


def insert_facts(db: Database, rows: Sequence[tuple]) -> None:
    """Insert (sentence_id, article_id, subject_id, attribute, value, number, scope) rows."""
    db.executemany(
        "INSERT INTO facts (sentence_id, article_id, subject_id, attribute, value, number, scope) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


def insert_sentence_dates(db: Database, rows: Sequence[tuple[int, int, str]]) -> None:
    """Insert (sentence_id, article_id, YYYY-MM-DD) rows: the dates sentences mention."""
    db.executemany(
        "INSERT INTO sentence_dates (sentence_id, article_id, day) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", rows
    )


def dated_sentences(db: Database, article_ids: Sequence[int]) -> list[tuple[int, int, str]]:
    """(sentence_id, article_id, day) for every date the given articles' sentences mention."""
    if not article_ids:
        return []
    marks = ", ".join("?" for _ in article_ids)
    return [
        (r[0], r[1], r[2])
        for r in db.execute(
            f"SELECT sentence_id, article_id, day FROM sentence_dates WHERE article_id IN ({marks}) "
            "ORDER BY article_id, sentence_id, day",
            list(article_ids),
        ).fetchall()
    ]


def get_article(db: Database, article_id: int) -> Article | None:
    """One article by id."""
    row = db.execute(
        "SELECT id, url, coalesce(title, ''), source, published_at, ingested_at, duplicate_of, story_id "
        "FROM articles WHERE id = ?",
        [article_id],
    ).fetchone()
    return _article(row) if row else None


def newest_article_id(db: Database) -> int:
    """The id of the newest stored article (0 for an empty store): the store only grows, so it names its state."""
    return int(db.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0])


def count_articles(db: Database) -> int:
    """Number of stored articles, duplicates included."""
    return int(db.execute("SELECT count(*) FROM articles").fetchone()[0])


def matching_articles(
    db: Database,
    topic: str | None = None,
    since: str | None = None,
    until: str | None = None,
    entity_ids: Sequence[int] = (),
    article_ids: Sequence[int] | None = None,
    limit: int = 1000,
) -> list[Article]:
    """Original (non-duplicate) articles matching a full-text topic or entities, in a time window, newest first."""
    where = ["a.duplicate_of IS NULL"]
    params: list[Any] = []
    if topic and not entity_ids:
        query = db.dialect.search_query(topic)
        if not query:
            return []
        where.append(_search(db, query, limit))
        params.append(query)
    if entity_ids:
        marks = ", ".join("?" for _ in entity_ids)
        where.append(f"a.id IN (SELECT article_id FROM entity_articles WHERE entity_id IN ({marks}))")
        params.extend(entity_ids)
    if article_ids is not None:
        where.append(f"a.id IN ({', '.join('?' for _ in article_ids) or 'NULL'})")
        params.extend(article_ids)
    if since:
        where.append("a.published_at >= ?")
        params.append(since)
    if until:
        where.append("a.published_at <= ?")
        params.append(until)
    rows = db.execute(
        "SELECT a.id, a.url, coalesce(a.title, ''), a.source, a.published_at, a.ingested_at, a.duplicate_of, "
        f"a.story_id FROM articles a WHERE {' AND '.join(where)} ORDER BY a.published_at DESC, a.id DESC LIMIT ?",
        [*params, limit],
    ).fetchall()
    return [_article(r) for r in rows]


def _search(db: Database, query: str, limit: int) -> str:
    """The search condition: walking the articles newest first where that finds ``limit`` matches sooner than
    reading and sorting every match (a broad topic, 'US', matches most of a large store, and sorting all its matches
    grows with the store)."""
    dialect = db.dialect
    if dialect.search_newest is None or dialect.search_count is None:
        return dialect.search
    matches = int(db.execute(dialect.search_count, [query]).fetchone()[0])
    # A walk reads about limit * articles / matches articles; the sort reads every match, and sorts them.
    return dialect.search_newest if 2 * matches * matches > limit * newest_article_id(db) else dialect.search


def sentences_of(db: Database, article_ids: Sequence[int], max_position: int | None = None) -> list[SentenceRow]:
    """Sentences of the given articles (optionally only the first ``max_position``), by article then position."""
    if not article_ids:
        return []
    marks = ", ".join("?" for _ in article_ids)
    extra = "AND s.position < ?" if max_position is not None else ""
    params: list[Any] = list(article_ids) + ([max_position] if max_position is not None else [])
    rows = db.execute(
        f"SELECT {_SENTENCE_COLUMNS} FROM sentences s JOIN articles a ON a.id = s.article_id "
        f"WHERE s.article_id IN ({marks}) {extra} ORDER BY s.article_id, s.position",
        params,
    ).fetchall()
    return _sentences(rows)


def sentences_by_id(db: Database, sentence_ids: Sequence[int]) -> list[SentenceRow]:
    """Sentences by id, in the order of ``sentence_ids``."""
    if not sentence_ids:
        return []
    marks = ", ".join("?" for _ in sentence_ids)
    rows = db.execute(
        f"SELECT {_SENTENCE_COLUMNS} FROM sentences s JOIN articles a ON a.id = s.article_id WHERE s.id IN ({marks})",
        list(sentence_ids),
    ).fetchall()
    by_id = {r.id: r for r in _sentences(rows)}
    return [by_id[i] for i in sentence_ids if i in by_id]


def facts_of(db: Database, article_ids: Sequence[int]) -> list[FactRow]:
    """Facts stated in the given articles, oldest publication first."""
    if not article_ids:
        return []
    marks = ", ".join("?" for _ in article_ids)
    rows = db.execute(
        "SELECT f.id, f.sentence_id, f.article_id, f.subject_id, f.attribute, f.value, f.number, a.source, "
        f"a.published_at, a.url, f.scope FROM facts f JOIN articles a ON a.id = f.article_id "
        f"WHERE f.article_id IN ({marks}) "
        "ORDER BY a.published_at, f.article_id, f.sentence_id, f.id",
        list(article_ids),
    ).fetchall()
    return [FactRow(*r) for r in rows]


def store_stats(db: Database) -> dict[str, int | str | None]:
    """The database file, counts of articles, duplicates, sources, sentences, entities, feeds and chats, and the
    newest article's date."""
    one = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731
    return {
        "database": db.location,
        "articles": one("SELECT count(*) FROM articles WHERE duplicate_of IS NULL"),
        "near_duplicates": one("SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL"),
        "sources": one("SELECT count(DISTINCT source) FROM articles"),
        "newest_article": one("SELECT max(published_at) FROM articles"),
        "sentences": one("SELECT count(*) FROM sentences"),
        "entities": one("SELECT count(*) FROM entities"),
        "feeds": one("SELECT count(*) FROM feeds"),
        "chats": one("SELECT count(*) FROM chats WHERE active = 1"),
        "digest_chats": one("SELECT count(*) FROM chats WHERE active = 1 AND digest_time IS NOT NULL"),
        "subscriptions": one("SELECT count(*) FROM subscriptions"),
    }


def days_named(db: Database, sentence_ids: Sequence[int]) -> dict[int, set[str]]:
    """The dates each sentence names ({sentence_id: {YYYY-MM-DD}}); sentences naming none are left out."""
    if not sentence_ids:
        return {}
    marks = ", ".join("?" for _ in sentence_ids)
    found: dict[int, set[str]] = {}
    for sentence, day in db.execute(
        f"SELECT sentence_id, day FROM sentence_dates WHERE sentence_id IN ({marks})", list(sentence_ids)
    ).fetchall():
        found.setdefault(sentence, set()).add(day)
    return found
