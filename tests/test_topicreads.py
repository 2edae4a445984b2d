"""A topic's reads, shared by every mark of a wave, give each part of its articles what that part's own query gives."""

from service.credits import ACTOR_LABELS
from service.topicreads import topic_reads
from storage import articles as store
from storage import entities as entity_store


def test_each_part_of_a_topics_reads_is_what_its_own_query_reads(seeded_store):
    db = seeded_store.db
    ids = sorted(r[0] for r in db.execute("SELECT id FROM articles"))
    reads = topic_reads(db, ids)
    for part in (ids[:2], ids[2:], ids[1:4]):
        wanted = set(part)
        marks = ", ".join("?" * len(part))
        mentions = entity_store.mentions_in(db, part)  # in reading order
        first_mention = list(dict.fromkeys(m.entity_id for m in mentions))
        named = db.execute(
            f"SELECT entity_id, count(DISTINCT article_id), count(*) FROM mentions WHERE article_id IN ({marks}) "
            "GROUP BY entity_id",
            part,
        ).fetchall()
        assert reads.named_in(wanted) == sorted(named, key=lambda row: first_mention.index(row[0])) != []
        for article_id, sentence_id in {(m.article_id, m.sentence_id) for m in mentions}:
            assert reads.mentions_of_sentence(article_id, sentence_id) == [
                (m.entity_id, m.surface) for m in mentions if m.sentence_id == sentence_id
            ]
        counted = db.execute(
            f"SELECT entity_id, count(DISTINCT article_id) FROM mentions WHERE article_id IN ({marks}) "
            "GROUP BY entity_id",
            part,
        )
        assert reads.article_counts(wanted) == dict(counted.fetchall())
        assert reads.actors_by_article(wanted) == entity_store.actors_by_article(db, part, ACTOR_LABELS)
        assert reads.roles_in(wanted) == entity_store.roles_in(db, part)
        assert reads.facts_of(wanted) == store.facts_of(db, part)
