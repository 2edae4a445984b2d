"""Schema migrations carry existing stores forward without losing what chats have seen."""

import sqlite3

import sqlite_utils

from storage import chats as chat_store
from storage import db as store_db


def test_old_briefing_history_becomes_a_mark_and_the_shown_sentences(tmp_path):
    path = tmp_path / "old.db"
    old = sqlite_utils.Database(sqlite3.connect(path, isolation_level=None))
    old.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    for name, step in store_db.MIGRATIONS[:7]:  # a store as of migration 007
        step(old)
        old.execute("INSERT INTO _migrations (name, applied_at) VALUES (?, '2024-10-22')", [name])
    old.execute(
        "INSERT INTO snapshots (id, chat_id, topic, kind, created_at) "
        "VALUES (1, 5, 'Gaza', 'brief', '2024-10-22T08:00:00+00:00')"
    )
    old.conn.executemany("INSERT INTO snapshot_articles (snapshot_id, article_id) VALUES (1, ?)", [(3,), (9,)])
    old.conn.executemany("INSERT INTO snapshot_sentences (snapshot_id, sentence_id) VALUES (1, ?)", [(40,), (41,)])
    old.conn.close()

    db = store_db.open_database(path)
    assert chat_store.last_snapshot(db, 5, "gaza").covered_to == 9
    assert chat_store.delivered_sentence_ids(db, 5, "GAZA") == {40, 41}
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {
        "snapshot_articles",
        "snapshot_sentences",
        "snapshot_entities",
        "snapshot_facts",
        "sentences_fts",
    } & tables == set()
    db.close()


def store_as_of(path, migrations: int) -> sqlite_utils.Database:
    """A store built by the first ``migrations`` migrations, as an older briefbot left it."""
    old = sqlite_utils.Database(sqlite3.connect(path, isolation_level=None))
    old.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    for name, step in store_db.MIGRATIONS[:migrations]:
        step(old)
        old.execute("INSERT INTO _migrations (name, applied_at) VALUES (?, '2024-10-22')", [name])
    return old


def test_one_topic_under_several_spellings_becomes_one_subscription(tmp_path):
    old = store_as_of(tmp_path / "old.db", 9)
    old.execute("INSERT INTO chats (id, created_at) VALUES (5, '2024-10-01')")
    for n, topic in enumerate(["Élysée", "GAZA", "gaza", "ÉLYSÉE", "Ｇａｚａ", "Kyiv"]):
        old.execute(
            "INSERT INTO subscriptions (chat_id, topic, created_at) VALUES (5, ?, ?)", [topic, f"2024-10-0{n + 1}"]
        )
    old.execute(
        "INSERT INTO snapshots (chat_id, topic, kind, created_at, covered_to) "
        "VALUES (5, 'Élysée', 'brief', '2024-10-22T08:00:00+00:00', 7)"
    )
    old.conn.close()

    db = store_db.open_database(tmp_path / "old.db")
    assert chat_store.subscriptions(db, 5) == ["Élysée", "GAZA", "Kyiv"]  # the first spelling kept
    assert chat_store.last_snapshot(db, 5, "élysée").covered_to == 7
    assert chat_store.unsubscribe(db, 5, "élysée") is True
    assert chat_store.subscribe(db, 5, "ｇａｚａ") is False
    assert chat_store.subscriptions(db, 5) == ["GAZA", "Kyiv"]
    db.close()


def test_dates_out_of_range_are_moved_to_the_day_of_arrival(tmp_path):
    old = store_as_of(tmp_path / "old.db", 9)
    for n, published in enumerate(["0001-01-02", "9999-12-30T00:00:00", "2024-10-21", "2024-10-23T06:00:00"]):
        old.execute(
            "INSERT INTO articles (id, source, published_at, ingested_at, text, content_hash, signature) "
            "VALUES (?, 'Wire', ?, '2024-10-22T09:00:00+00:00', 'text', ?, '')",
            [n + 1, published, str(n)],
        )
    old.conn.close()

    db = store_db.open_database(tmp_path / "old.db")
    dates = [r[0] for r in db.execute("SELECT published_at FROM articles ORDER BY id")]
    assert dates == ["2024-10-22", "2024-10-22", "2024-10-21", "2024-10-23T06:00:00"]
    db.close()


def test_buttons_of_older_stores_expire_rather_than_answer_any_chat(tmp_path):
    old = store_as_of(tmp_path / "old.db", 9)
    old.execute("INSERT INTO button_actions (id, kind, value, created_at) VALUES (1, 'changes', 'gaza', '2024-10-22')")
    old.conn.close()

    db = store_db.open_database(tmp_path / "old.db")
    assert db.execute("SELECT count(*) FROM button_actions").fetchone()[0] == 0
    assert chat_store.button_action(db, 5, "1", "2000-01-01") is None
    db.close()
