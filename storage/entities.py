"""Entities, their aliases and the statistics profiles and diffs read."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from sys import intern
from typing import Any

from storage.db import Database
from storage.records import Entity, Mention, Role


def entities_by_key(db: Database, key: str, kind: str = "exact") -> list[Entity]:
    """Entities having this alias key (kind 'exact', or 'weak' for surnames and initials)."""
    rows = db.execute(
        "SELECT DISTINCT e.id, e.name, e.label FROM entity_aliases k JOIN entities e ON e.id = k.entity_id "
        "WHERE k.key = ? AND k.kind = ? ORDER BY e.id",
        [key, kind],
    ).fetchall()
    return [Entity(*r) for r in rows]


def entities_with_key_counts(db: Database, key: str, kind: str = "exact") -> list[tuple[Entity, int]]:
    """Entities having this alias key, with how many mentions used it, most used first."""
    rows = db.execute(
        "SELECT e.id, e.name, e.label, sum(k.n) AS n FROM entity_aliases k JOIN entities e ON e.id = k.entity_id "
        "WHERE k.key = ? AND k.kind = ? GROUP BY e.id ORDER BY n DESC, e.id",
        [key, kind],
    ).fetchall()
    return [(Entity(*r[:3]), r[3]) for r in rows]


def add_evidence(db: Database, short_id: int, long_id: int) -> int:
    """Count one more article where a short form stood beside a longer name; returns the new count."""
    db.execute(
        "INSERT INTO entity_evidence (short_id, long_id, n) VALUES (?, ?, 1) "
        "ON CONFLICT (short_id, long_id) DO UPDATE SET n = entity_evidence.n + 1",
        [short_id, long_id],
    )
    return int(
        db.execute("SELECT n FROM entity_evidence WHERE short_id = ? AND long_id = ?", [short_id, long_id]).fetchone()[
            0
        ]
    )


def article_count(db: Database, entity_id: int, cap: int = 10) -> int:
    """In how many articles an entity is mentioned, counting at most ``cap``."""
    return int(
        db.execute(
            "SELECT count(*) FROM (SELECT DISTINCT article_id FROM mentions WHERE entity_id = ? LIMIT ?) AS named",
            [entity_id, cap],
        ).fetchone()[0]
    )


def create_entity(db: Database, name: str, label: str) -> int:
    """A new entity; returns its id."""
    return int(db.execute("INSERT INTO entities (name, label) VALUES (?, ?) RETURNING id", [name, label]).fetchone()[0])


def add_alias(db: Database, entity_id: int, key: str, alias: str, kind: str = "exact") -> None:
    """Record that a mention used an alias key for an entity (counted: the most used reading wins lookups)."""
    db.execute(
        "INSERT INTO entity_aliases (key, entity_id, alias, kind) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (key, entity_id, kind) DO UPDATE SET n = entity_aliases.n + 1",
        [key, entity_id, alias, kind],
    )


def rename_entity(db: Database, entity_id: int, name: str) -> None:
    """Set an entity's canonical name."""
    db.execute("UPDATE entities SET name = ? WHERE id = ?", [name, entity_id])


def set_label(db: Database, entity_id: int, label: str) -> None:
    """Set an entity's label."""
    db.execute("UPDATE entities SET label = ? WHERE id = ?", [label, entity_id])


def merge_entities(db: Database, keep: int, drop: int) -> None:
    """Fold entity ``drop`` into ``keep``: mentions, roles, facts, aliases, labels and companions move over."""
    for table, column in (("mentions", "entity_id"), ("roles", "entity_id"), ("facts", "subject_id")):
        db.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?", [keep, drop])
    db.execute(
        "INSERT INTO entity_aliases (key, entity_id, alias, kind, n) SELECT key, ?, alias, kind, n "
        "FROM entity_aliases WHERE entity_id = ? AND true "
        "ON CONFLICT (key, entity_id, kind) DO UPDATE SET n = entity_aliases.n + excluded.n",
        [keep, drop],
    )
    db.execute("DELETE FROM entity_aliases WHERE entity_id = ?", [drop])
    db.execute("DELETE FROM entity_evidence WHERE short_id = ? OR long_id = ?", [drop, drop])
    db.execute(
        "INSERT INTO entity_labels (entity_id, label, n) SELECT ?, label, n FROM entity_labels WHERE entity_id = ? "
        "ON CONFLICT (entity_id, label) DO UPDATE SET n = entity_labels.n + excluded.n",
        [keep, drop],
    )
    db.execute("DELETE FROM entity_labels WHERE entity_id = ?", [drop])
    db.execute("UPDATE facts SET scope = ? WHERE scope = ?", [str(keep), str(drop)])
    # Pair counts follow the mentions (a sentence naming both counts once more than it should: rare, and harmless
    # for a ranking of companions).
    db.execute(
        "INSERT INTO entity_pairs (entity_id, other_id, n) SELECT ?, other_id, n FROM entity_pairs "
        "WHERE entity_id = ? AND other_id != ? AND true "
        "ON CONFLICT (entity_id, other_id) DO UPDATE SET n = entity_pairs.n + excluded.n",
        [keep, drop, keep],
    )
    db.execute(
        "INSERT INTO entity_pairs (entity_id, other_id, n) SELECT entity_id, ?, n FROM entity_pairs "
        "WHERE other_id = ? AND entity_id != ? AND true "
        "ON CONFLICT (entity_id, other_id) DO UPDATE SET n = entity_pairs.n + excluded.n",
        [keep, drop, keep],
    )
    db.execute("DELETE FROM entity_pairs WHERE entity_id = ? OR other_id = ?", [drop, drop])
    db.execute("DELETE FROM entities WHERE id = ?", [drop])


def get_entity(db: Database, entity_id: int) -> Entity | None:
    """One entity by id."""
    row = db.execute("SELECT id, name, label FROM entities WHERE id = ?", [entity_id]).fetchone()
    return Entity(*row) if row else None


def add_label_counts(db: Database, counts: dict[tuple[int, str], int]) -> None:
    """Add mention label counts: {(entity_id, label): n}."""
    db.executemany(
        "INSERT INTO entity_labels (entity_id, label, n) VALUES (?, ?, ?) "
        "ON CONFLICT (entity_id, label) DO UPDATE SET n = entity_labels.n + excluded.n",
        [(e, label, n) for (e, label), n in counts.items()],
    )


def label_counts(db: Database, entity_id: int) -> dict[str, int]:
    """How often each spaCy label was given to an entity's mentions."""
    rows = db.execute("SELECT label, n FROM entity_labels WHERE entity_id = ?", [entity_id]).fetchall()
    return {label: n for label, n in rows}


def alias_counts(db: Database, entity_id: int) -> dict[str, int]:
    """Each written form of an entity (one per alias key) with how many mentions used it."""
    rows = db.execute(
        "SELECT alias, n FROM entity_aliases WHERE entity_id = ? AND kind = 'exact'", [entity_id]
    ).fetchall()
    return {alias: n for alias, n in rows}


def all_alias_keys(db: Database) -> list[tuple[str, int, str]]:
    """(key, entity_id, kind) for every alias: the vocabulary for fuzzy name lookup."""
    return [tuple(r) for r in db.execute("SELECT key, entity_id, kind FROM entity_aliases").fetchall()]


def entities_with_counts(db: Database, entity_ids: Sequence[int]) -> list[tuple[Entity, int]]:
    """Entities with their total mention counts."""
    if not entity_ids:
        return []
    marks = ", ".join("?" for _ in entity_ids)
    rows = db.execute(
        f"SELECT e.id, e.name, e.label, coalesce(t.mentions, 0) FROM entities e "
        f"LEFT JOIN entity_totals t ON t.entity_id = e.id WHERE e.id IN ({marks})",
        list(entity_ids),
    ).fetchall()
    return [(Entity(*r[:3]), r[3]) for r in rows]


def top_mentioned(
    db: Database, article_ids: Sequence[int], labels: Iterable[str], limit: int
) -> list[tuple[Entity, int]]:
    """The entities with these labels mentioned in the most of these articles (then the most often), with their
    mention counts there: one GROUP BY over the counts kept per (entity, article), nothing store-wide."""
    if not article_ids:
        return []
    wanted = sorted(labels)
    rows = db.execute(
        f"SELECT e.id, e.name, e.label, sum(ea.n) AS n, count(*) AS a FROM entity_articles ea "
        f"JOIN entities e ON e.id = ea.entity_id "
        f"WHERE ea.article_id IN ({', '.join('?' for _ in article_ids)}) "
        f"AND e.label IN ({', '.join('?' for _ in wanted)}) "
        f"GROUP BY e.id ORDER BY a DESC, n DESC, e.name, e.id LIMIT ?",
        [*article_ids, *wanted, limit],
    ).fetchall()
    return [(Entity(*r[:3]), r[3]) for r in rows]


def daily_mentions(db: Database, article_ids: Sequence[int], entity_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Mentions of each entity per publication day (YYYY-MM-DD) across these articles."""
    if not article_ids or not entity_ids:
        return {}
    rows = db.execute(
        f"SELECT ea.entity_id, substr(a.published_at, 1, 10) AS day, sum(ea.n) FROM entity_articles ea "
        f"JOIN articles a ON a.id = ea.article_id "
        f"WHERE ea.entity_id IN ({', '.join('?' for _ in entity_ids)}) "
        f"AND ea.article_id IN ({', '.join('?' for _ in article_ids)}) GROUP BY ea.entity_id, day",
        [*entity_ids, *article_ids],
    ).fetchall()
    counts: dict[int, dict[str, int]] = {}
    for entity_id, day, n in rows:
        counts.setdefault(entity_id, {})[day] = n
    return counts


def mentions_in(db: Database, article_ids: Sequence[int]) -> list[Mention]:
    """Every mention in the given articles."""
    if not article_ids:
        return []
    marks = ", ".join("?" for _ in article_ids)
    rows = db.execute(
        f"SELECT entity_id, sentence_id, article_id, surface, label FROM mentions WHERE article_id IN ({marks}) "
        "ORDER BY article_id, sentence_id, start, id",
        list(article_ids),
    ).fetchall()
    # A broad topic's reads hold hundreds of thousands of mentions, mostly of a few entities, names and labels in
    # a few thousand articles: each value is kept once.
    shared: dict[int, int] = {}
    share = shared.setdefault
    return [
        Mention(share(e, e), share(s, s), share(a, a), intern(surface), intern(label))
        for e, s, a, surface, label in rows
    ]


def people_by_sentence(db: Database, sentence_ids: Sequence[int]) -> dict[int, list[int]]:
    """For each sentence, the people it names in reading order (the first is its likely subject)."""
    if not sentence_ids:
        return {}
    marks = ", ".join("?" for _ in sentence_ids)
    found: dict[int, list[int]] = {}
    for sentence, entity in db.execute(
        f"SELECT m.sentence_id, m.entity_id FROM mentions m JOIN entities e ON e.id = m.entity_id "
        f"WHERE m.sentence_id IN ({marks}) AND e.label = 'PERSON' ORDER BY m.sentence_id, m.start, m.id",
        list(sentence_ids),
    ).fetchall():
        people = found.setdefault(sentence, [])
        if entity not in people:
            people.append(entity)
    return found


def mention_stats(db: Database, entity_id: int) -> dict[str, Any]:
    """Mention count, article count, first and last publication dates for an entity (from the counts kept at
    ingest: one row per article that names it)."""
    row = db.execute(
        "SELECT coalesce(sum(ea.n), 0), count(*), min(a.published_at), max(a.published_at) "
        "FROM entity_articles ea JOIN articles a ON a.id = ea.article_id WHERE ea.entity_id = ?",
        [entity_id],
    ).fetchone()
    return {"mentions": row[0], "articles": row[1], "first_seen": row[2], "last_seen": row[3]}


def co_mentioned(db: Database, entity_id: int, labels: Iterable[str], limit: int = 5) -> list[tuple[Entity, int]]:
    """Entities with these labels most often named in the same sentences as this one (pair counts kept at
    ingest)."""
    wanted = sorted(labels)
    rows = db.execute(
        "SELECT e.id, e.name, e.label, p.n FROM entity_pairs p JOIN entities e ON e.id = p.other_id "
        f"WHERE p.entity_id = ? AND e.label IN ({', '.join('?' for _ in wanted)}) "
        "ORDER BY p.n DESC, e.name, e.id LIMIT ?",
        [entity_id, *wanted, limit],
    ).fetchall()
    return [(Entity(*r[:3]), r[3]) for r in rows]


def recent_sentence_ids_mentioning(db: Database, entity_id: int, limit: int) -> list[int]:
    """Ids of the ``limit`` newest sentences that mention an entity (by their article's date), newest first."""
    # The index (entity_id, published_at DESC, sentence_id DESC) is walked in order and left after a few more rows
    # than ``limit`` (a sentence may name the entity twice): no sort of every mention, and no more rows read than
    # that, on an engine whose cursor reads a whole result at once. (Near-duplicate articles have no sentences,
    # hence no mentions.)
    rows = limit + limit // 4 + 1
    while True:
        ids = [
            r[0]
            for r in db.execute(
                "SELECT sentence_id FROM mentions WHERE entity_id = ? "
                "ORDER BY published_at DESC, sentence_id DESC LIMIT ?",
                [entity_id, rows],
            )
        ]
        found = list(dict.fromkeys(ids))
        if len(found) >= limit or len(ids) < rows:  # enough sentences, or every mention read
            return found[:limit]
        rows *= 2


_ROLE_SELECT = (
    "SELECT r.entity_id, r.role, r.office, r.scope, r.sentence_id, r.article_id, a.source, a.published_at, "
    "r.transitional, r.id "
    "FROM roles r JOIN articles a ON a.id = r.article_id"
)


def _role(row: Sequence[Any]) -> Role:
    return Role(*row[:9])


def roles_of(db: Database, entity_id: int, limit: int = 2000) -> list[Role]:
    """The newest ``limit`` titles and roles given to an entity, oldest first."""
    rows = db.execute(
        f"SELECT * FROM ({_ROLE_SELECT} WHERE r.entity_id = ? ORDER BY r.published_at DESC, r.id DESC LIMIT ?) "
        "AS newest ORDER BY published_at, sentence_id, id",
        [entity_id, limit],
    ).fetchall()
    return [_role(r) for r in rows]


def roles_with_offices(db: Database, offices: Sequence[str], limit: int = 4000) -> list[Role]:
    """The newest ``limit`` role rows holding one of these offices, whoever holds them, oldest first."""
    if not offices:
        return []
    # One index walk per office, each stopping at ``limit``; only those few rows are merged and sorted.
    offices = list(dict.fromkeys(offices))
    newest = " UNION ALL ".join(
        f"SELECT * FROM (SELECT id FROM roles WHERE office = ? ORDER BY published_at DESC, id DESC LIMIT ?) AS o{n}"
        for n in range(len(offices))
    )
    rows = db.execute(
        f"SELECT * FROM ({_ROLE_SELECT} WHERE r.id IN ({newest}) ORDER BY r.published_at DESC, r.id DESC LIMIT ?) "
        "AS newest ORDER BY published_at, sentence_id, id",
        [value for office in offices for value in (office, limit)] + [limit],
    ).fetchall()
    return [_role(r) for r in rows]


def actors_by_article(
    db: Database, article_ids: Sequence[int], labels: Iterable[str]
) -> dict[int, dict[int, set[int]]]:
    """For each article, each sentence's named entities of the given labels ({article: {sentence: {entity}}})."""
    if not article_ids:
        return {}
    marks = ", ".join("?" for _ in article_ids)
    wanted = list(labels)
    label_marks = ", ".join("?" for _ in wanted)
    found: dict[int, dict[int, set[int]]] = {}
    for article, sentence, entity in db.execute(
        f"SELECT m.article_id, m.sentence_id, m.entity_id FROM mentions m JOIN entities e ON e.id = m.entity_id "
        f"WHERE m.article_id IN ({marks}) AND e.label IN ({label_marks})",
        list(article_ids) + wanted,
    ).fetchall():
        found.setdefault(article, {}).setdefault(sentence, set()).add(entity)
    return found


def roles_in(db: Database, article_ids: Sequence[int]) -> list[Role]:
    """The titles and roles the given articles give, oldest first."""
    if not article_ids:
        return []
    marks = ", ".join("?" for _ in article_ids)
    rows = db.execute(
        f"{_ROLE_SELECT} WHERE r.article_id IN ({marks}) ORDER BY a.published_at, r.sentence_id, r.id",
        list(article_ids),
    ).fetchall()
    return [_role(r) for r in rows]
