"""Store reads that must stay bounded as the store grows: index walks in order, counts kept by triggers."""

import re

import pytest

from storage import entities as entity_store


def plan(db, sql: str, params) -> list[str]:
    """The steps the engine would take. PostgreSQL is told that scanning every row or sorting costs the most, as on a
    large store (on the seeds it would rightly read the whole small table): what it then picks is whether an index
    gives the order."""
    if db.dialect.name == "sqlite":
        return [row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
    with db.transaction():
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            db.execute(f"SET LOCAL {setting} = off")
        return [row[0].strip() for row in db.execute(f"EXPLAIN {sql}", params)]


def test_the_newest_sentences_naming_an_entity_are_an_index_walk(seeded_store):
    db = seeded_store.db
    [entity_id] = db.execute(
        "SELECT entity_id FROM mentions GROUP BY entity_id ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()
    every = db.execute(
        "SELECT m.sentence_id FROM mentions m JOIN articles a ON a.id = m.article_id WHERE m.entity_id = ? "
        "GROUP BY m.sentence_id ORDER BY max(a.published_at) DESC, m.sentence_id DESC",
        [entity_id],
    ).fetchall()
    assert entity_store.recent_sentence_ids_mentioning(db, entity_id, 3) == [r[0] for r in every[:3]]
    steps = plan(
        db,
        "SELECT sentence_id FROM mentions WHERE entity_id = ? ORDER BY published_at DESC, sentence_id DESC",
        [entity_id],
    )
    if db.dialect.name == "sqlite":
        assert steps == ["SEARCH mentions USING COVERING INDEX idx_mentions_entity_recent (entity_id=?)"]
    else:
        assert [step.split("  (")[0] for step in steps] == [
            "Index Only Scan using idx_mentions_entity_recent on mentions",
            f"Index Cond: (entity_id = '{entity_id}'::smallint)",
        ]


def test_the_newest_holders_of_offices_are_read_office_by_office(seeded_store):
    db = seeded_store.db
    offices = [r[0] for r in db.execute("SELECT office FROM roles GROUP BY office ORDER BY count(*) DESC LIMIT 3")]
    newest = entity_store.roles_with_offices(db, offices, limit=4)
    every = db.execute(
        f"SELECT r.id, r.sentence_id FROM roles r JOIN articles a ON a.id = r.article_id WHERE r.office IN "
        f"({', '.join('?' for _ in offices)}) ORDER BY a.published_at DESC, r.id DESC LIMIT 4",
        offices,
    ).fetchall()
    assert sorted(r.sentence_id for r in newest) == sorted(r[1] for r in every)
    steps = plan(db, "SELECT id FROM roles WHERE office = ? ORDER BY published_at DESC, id DESC LIMIT 4", offices[:1])
    assert not any("TEMP B-TREE" in step or step.startswith("Sort") or "Seq Scan" in step for step in steps)


def test_entities_named_together_are_counted_once_per_sentence(seeded_store):
    db = seeded_store.db
    kept = db.execute("SELECT entity_id, other_id, n FROM entity_pairs ORDER BY entity_id, other_id").fetchall()
    counted = db.execute(
        "SELECT m.entity_id, o.entity_id, count(DISTINCT m.sentence_id) FROM mentions m "
        "JOIN mentions o ON o.sentence_id = m.sentence_id AND o.entity_id != m.entity_id "
        "GROUP BY m.entity_id, o.entity_id ORDER BY m.entity_id, o.entity_id"
    ).fetchall()
    assert kept and [tuple(r) for r in kept] == [tuple(r) for r in counted]


def test_counting_a_pair_reads_the_sentences_mentions_not_every_mention_of_the_entity(seeded_store):
    db = seeded_store.db
    if db.dialect.name == "sqlite":
        [source] = db.execute("SELECT sql FROM sqlite_master WHERE name = 'mentions_pair'").fetchone()
    else:
        [source] = db.execute("SELECT pg_get_functiondef('mentions_pair'::regproc)").fetchone()
    check = re.search(r"EXISTS \((SELECT 1 FROM mentions .*?)\)", source, re.DOTALL | re.IGNORECASE)
    assert check is not None
    sql = re.sub(r"\bnew\.\w+", "?", check.group(1), flags=re.IGNORECASE)
    [entity_id] = db.execute(
        "SELECT entity_id FROM mentions GROUP BY entity_id ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()
    steps = plan(db, sql, [1, entity_id, 1])
    assert any("idx_mentions_sentence" in step for step in steps)
    assert not any("idx_mentions_entity" in step for step in steps)


@pytest.mark.parametrize("merge", [False, True])
def test_mention_totals_are_kept_as_mentions_arrive_and_entities_merge(seeded_store, merge):
    db = seeded_store.db
    keep, drop = [r[0] for r in db.execute("SELECT entity_id FROM mentions GROUP BY entity_id LIMIT 2")]
    if merge:
        entity_store.merge_entities(db, keep, drop)
    counted = dict(db.execute("SELECT entity_id, count(*) FROM mentions GROUP BY entity_id").fetchall())
    kept = {e.id: n for e, n in entity_store.entities_with_counts(db, list(counted))}
    assert kept == counted


def test_every_stored_sentence_has_its_quality_worked_out_at_ingest(seeded_store):
    from summarizer.text import sentence_quality

    rows = seeded_store.db.execute("SELECT text, quality FROM sentences").fetchall()
    assert rows and [q for _, q in rows] == [sentence_quality(t) for t, _ in rows]


@pytest.mark.parametrize("topic", ["Gaza", "Hezbollah"])
def test_a_store_from_before_sentence_quality_briefs_and_profiles_the_same(seeded_store, topic):
    def read():
        briefing = seeded_store.brief(topic, length="long")
        _, profile = seeded_store.who("Antony Blinken")
        return [i.text for i in briefing.items], profile

    stored = read()
    seeded_store.db.execute("UPDATE sentences SET quality = NULL")  # as migration 014 leaves older sentences
    assert read() == stored


@pytest.mark.parametrize("topic", ["Gaza", "Israel", "Hezbollah ceasefire"])
@pytest.mark.parametrize("limit", [1, 2, 50])
def test_a_topic_most_articles_match_is_read_newest_first_with_the_same_result(seeded_store, topic, limit, monkeypatch):
    from dataclasses import replace

    from storage import articles as store

    db = seeded_store.db
    found = store.matching_articles(db, topic, limit=limit)
    monkeypatch.setattr(db, "dialect", replace(db.dialect, search_newest=None, search_count=None))
    assert found and found == store.matching_articles(db, topic, limit=limit)


def test_a_topic_most_articles_match_is_walked_newest_first_on_both_engines(seeded_store):
    from storage import articles as store

    db = seeded_store.db
    assert store._search(db, db.dialect.search_query("Gaza"), 1) == db.dialect.search_newest is not None
    assert store._search(db, db.dialect.search_query("no such word"), 1) == db.dialect.search


def test_walking_newest_first_reads_the_date_index_in_order(seeded_path):
    from storage.db import open_database

    db = open_database(seeded_path)  # SQLite's: PostgreSQL's planner chooses between the two by itself
    steps = plan(
        db,
        "SELECT a.id, a.source FROM articles a WHERE a.duplicate_of IS NULL AND "
        f"{db.dialect.search_newest} ORDER BY a.published_at DESC, a.id DESC LIMIT 2",
        ['"Gaza"'],
    )
    db.close()
    assert steps[0] == "SCAN a USING INDEX idx_articles_published"
    assert not any("TEMP B-TREE" in step for step in steps)
