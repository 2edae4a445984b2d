"""Evaluation helpers: systems are held to the reference's length; redundancy is measured on what was selected."""

from evaluation.summaries import _cut, redundancy


def test_every_system_is_cut_to_the_reference_length():
    assert _cut("one two three four five", 3) == "one two three"


def test_redundancy_is_high_for_repeats_and_zero_for_unrelated_sentences():
    same = ["Blinken", "arrived", "in", "Israel", "on", "Tuesday"]
    other = ["Oil", "prices", "fell", "sharply", "in", "London"]
    assert redundancy([same, same]) == (1.0, 1.0)
    assert redundancy([same, other]) == (0.0, 0.0)
    assert redundancy([same]) == (0.0, 0.0)


def test_the_credit_check_reads_the_credited_article_whole(service):
    from evaluation.delivery import DevRun, eval_credits
    from service.results import BriefItem, Citation

    service.ingest_text(
        "Floods killed 44 people in the north on Monday, officials said.", "a", source="Wire A", published="2024-11-25"
    )
    service.ingest_text(
        "Floods hit the north on Monday, officials said, and roads were closed.",
        "b",
        source="Wire B",
        published="2024-11-25",
    )
    rows = service.db.execute("SELECT s.id, s.article_id, s.text FROM sentences s ORDER BY s.id").fetchall()
    (first, a, text), (_, b, _) = rows[0], rows[-1]
    own, other = (Citation(src, "2024-11-25", None, art, "") for src, art in (("Wire A", a), ("Wire B", b)))
    run = DevRun(service.db, items=[("briefing", BriefItem(first, text, [own, other], a))])
    table, data = eval_credits(run)
    assert (data["checked"], data["failures"], data["shared"], data["shared_failures"]) == (2, 1, 1, 1)
    assert "Wire B (2024-11-25) for “Floods killed 44 people" in table and "does not state 44" in table
