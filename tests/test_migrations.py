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
    old.execute("INSERT INTO snapshots (id, chat_id, topic, kind, created_at) "
                "VALUES (1, 5, 'Gaza', 'brief', '2024-10-22T08:00:00+00:00')")
    old.conn.executemany("INSERT INTO snapshot_articles (snapshot_id, article_id) VALUES (1, ?)", [(3,), (9,)])
    old.conn.executemany("INSERT INTO snapshot_sentences (snapshot_id, sentence_id) VALUES (1, ?)", [(40,), (41,)])
    old.conn.close()

    db = store_db.open_database(path)
    assert chat_store.last_snapshot(db, 5, "gaza").covered_to == 9
    assert chat_store.delivered_sentence_ids(db, 5, "GAZA") == {40, 41}
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"snapshot_articles", "snapshot_sentences", "snapshot_entities", "snapshot_facts", "sentences_fts"} & tables == set()
    db.conn.close()
