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
        assert reads.mentions_in(wanted) == entity_store.mentions_in(db, part) != []
        marks = ", ".join("?" * len(part))
        counted = db.execute(
            f"SELECT entity_id, count(DISTINCT article_id) FROM mentions WHERE article_id IN ({marks}) "
            "GROUP BY entity_id",
            part,
        )
        assert reads.article_counts(wanted) == dict(counted.fetchall())
        assert reads.actors_by_article(wanted) == entity_store.actors_by_article(db, part, ACTOR_LABELS)
        assert reads.roles_in(wanted) == entity_store.roles_in(db, part)
        assert reads.facts_of(wanted) == store.facts_of(db, part)
