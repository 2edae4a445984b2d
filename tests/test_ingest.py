"""Ingestion: seeds, duplicates, entity canonicalisation, and bad input that never loses the batch."""

import json
from datetime import UTC

import pytest

from service.app import InputError
from storage import articles as store
from storage import entities as entity_store
from storage.db import check_database
from tests.conftest import SEED, SEEDS


def test_seeds_ingest_with_manifest_dates(seeded_store):
    rows = seeded_store.db.execute("SELECT source, published_at FROM articles ORDER BY published_at, source").fetchall()
    assert rows == [
        ("Unnamed news outlet", "2024-01-09"),
        ("Unnamed blog", "2024-02-07"),
        ("Unnamed wire service", "2024-10-21"),
        ("Unnamed news site (Webdesk)", "2024-10-22"),
        ("VOA", "2024-10-22"),
    ]


def test_ingesting_seeds_twice_is_a_no_op(seeded_store):
    report = seeded_store.ingest([str(SEEDS)])
    assert (report.count("new"), report.count("duplicate"), report.failed) == (0, 5, 0)
    assert store.count_articles(seeded_store.db) == 5


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t.replace(". ", ".  ").replace(",", " ,"),  # whitespace and punctuation
        lambda t: t.replace(
            "Blinken is also expected to make several other stops in the region, "
            "including a visit Wednesday to Jordan.",
            "Blinken will also stop in Jordan on Wednesday, officials said.",
        ),  # one sentence changed
    ],
)
def test_near_duplicate_is_linked_to_the_first(service, tmp_path, change):
    service.ingest([str(SEED["000"])])
    variant = tmp_path / "variant.txt"
    variant.write_text(change(SEED["000"].read_text()))
    report = service.ingest([str(variant)])
    item = report.items[0]
    assert item.status in {"near-duplicate", "duplicate"}
    if item.status == "near-duplicate":
        article = store.get_article(service.db, item.article_id)
        assert (article.duplicate_of, article.story_id) == (1, 1)
    assert service.db.execute("SELECT count(*) FROM sentences WHERE article_id != 1").fetchone()[0] == 0


def test_no_furniture_becomes_a_sentence(seeded_store):
    texts = [r[0] for r in seeded_store.db.execute("SELECT text FROM sentences")]
    for bad in ("Follow us", "Comments are closed", "Leave a Reply", "Your email address", "Webdesk:", "…"):
        assert not any(t.startswith(bad) or t == bad for t in texts), bad


def test_sentences_point_into_the_stored_text(seeded_store):
    for article_id, text in seeded_store.db.execute("SELECT id, text FROM articles"):
        for sentence, start, end in seeded_store.db.execute(
            'SELECT text, start, "end" FROM sentences WHERE article_id = ?', [article_id]
        ):
            assert text[start:end] == sentence


@pytest.mark.parametrize(
    "surface, canonical, label",
    [
        ("Blinken", "Antony Blinken", "PERSON"),
        ("blinken", "Antony Blinken", "PERSON"),
        ("U.S.", "United States", "GPE"),
        ("US", "United States", "GPE"),
        ("the United States", "United States", "GPE"),
        ("Netanyahu", "Benjamin Netanyahu", "PERSON"),
        ("Sinwar", "Yahya Sinwar", "PERSON"),
    ],
)
def test_surface_variants_merge_into_one_entity(seeded_store, surface, canonical, label):
    _lookup, profile = seeded_store.who(surface)
    assert (profile.entity.name, profile.entity.label) == (canonical, label)


def test_dates_and_numbers_are_not_entities(seeded_store):
    labels = {r[0] for r in seeded_store.db.execute("SELECT DISTINCT label FROM mentions")}
    assert labels.isdisjoint({"DATE", "TIME", "ORDINAL", "CARDINAL", "PERCENT", "MONEY", "QUANTITY"})


def test_full_text_search_finds_topics(seeded_store):
    assert {a.source for a in store.matching_articles(seeded_store.db, "Hochstein")} == {
        "VOA",
        "Unnamed wire service",
    }


def write(path, data):
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b"   \n\n  ", "empty file"),
        ("binary.txt", b"\x00\x01\x02PNG" * 50, "binary file, not text"),
        ("latin1.txt", "Caf\u00e9 au lait is served daily in Paris.".encode("latin-1"), "not UTF-8 text"),
        ("page.html", b"<html><body><nav>Home | About</nav></body></html>", "no article text found"),
        ("image.png", b"\x89PNG", "unsupported file type"),
        ("furniture.txt", b"Leave a Reply\nComments are closed.\n", "no article text"),
    ],
)
def test_bad_files_fail_with_a_reason_and_the_batch_goes_on(service, tmp_path, name, data, reason):
    report = service.ingest([write(tmp_path / name, data), str(SEED["003"])])
    failed, ok = report.items
    assert (failed.status, ok.status) == ("failed", "new")
    assert reason in failed.reason


def test_ten_megabyte_text_is_refused_clearly(service, tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("A sentence that repeats. " * 420_000)
    report = service.ingest([str(big)])
    assert report.items[0].status == "failed"
    assert "too large" in report.items[0].reason


def test_missing_path_fails_clearly(service, tmp_path):
    assert service.ingest([str(tmp_path / "nope.txt")]).items[0].reason == "no such file or folder"


def test_jsonl_lines_are_articles_and_bad_lines_fail_alone(service, tmp_path):
    lines = [
        json.dumps(
            {
                "title": "Talks resume",
                "text": SEED["001"].read_text(),
                "url": "https://example.com/a",
                "published": "2024-10-21",
            }
        ),
        "{not json",
        json.dumps({"title": "No text"}),
        json.dumps(["a", "list"]),
    ]
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(lines))
    report = service.ingest([str(path)])
    assert [(i.status, i.reason) for i in report.items] == [
        ("new", ""),
        ("failed", "not valid JSON"),
        ("failed", "no 'text' field"),
        ("failed", "expected a JSON object with a 'text' field"),
    ]
    article = store.get_article(service.db, 1)
    assert (article.published_at, article.source, article.title) == ("2024-10-21", "example.com", "Talks resume")


def test_published_option_dates_undated_items(service):
    service.ingest([str(SEED["003"])], published="2024-01-09")
    assert store.get_article(service.db, 1).published_at == "2024-01-09"


def test_markdown_file(service, tmp_path):
    path = tmp_path / "note.md"
    path.write_text("# Ceasefire talks stall\n\n" + SEED["003"].read_text())
    service.ingest([str(path)])
    assert store.get_article(service.db, 1).title == "Ceasefire talks stall"


def test_store_is_consistent_after_failures(service, tmp_path):
    service.ingest([write(tmp_path / "e.txt", b""), str(SEED["004"])])
    orphans = service.db.execute(
        "SELECT count(*) FROM sentences WHERE article_id NOT IN (SELECT id FROM articles)"
    ).fetchone()[0]
    assert (orphans, store.count_articles(service.db)) == (0, 1)
    assert check_database(service.db, full=True) == []
    if service.db.dialect.name == "sqlite":  # PostgreSQL checks every foreign key as it writes
        assert service.db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_roles_are_read_from_the_text(seeded_store):
    blinken = entity_store.entities_by_key(seeded_store.db, "antony blinken")[0]
    roles = {r.role for r in entity_store.roles_of(seeded_store.db, blinken.id)}
    assert "U.S. Secretary of State" in roles


def test_utf16_text_with_a_byte_order_mark_is_text(service, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes(
        ("Engineers finished the new bridge over the river on Monday, the city council said. " * 3).encode("utf-16")
    )
    report = service.ingest([str(path)])
    assert [i.status for i in report.items] == ["new"]


def test_an_overlong_jsonl_line_fails_alone_with_bounded_memory(service, tmp_path, monkeypatch):
    import json

    from service.sources import files

    monkeypatch.setattr(files, "MAX_JSONL_LINE", 10_000)
    text = "Officials said the new school would open in the autumn after a year of building work. " * 3
    path = tmp_path / "big.jsonl"
    path.write_text(json.dumps({"text": "x" * 50_000}) + "\n" + json.dumps({"text": text}) + "\n", "utf-8")
    report = service.ingest([str(path)])
    assert [(i.status, i.reason) for i in report.items] == [
        ("failed", "line too long (over 10,000 bytes)"),
        ("new", ""),
    ]


@pytest.mark.parametrize("published", ["9999-12-30", "0001-01-02", "1989-12-31T23:00:00", "2999-01-01T00:00:00"])
def test_an_implausible_publication_date_gives_way_to_the_day_of_arrival(service, tmp_path, published):
    from datetime import datetime

    path = tmp_path / "batch.jsonl"
    path.write_text(json.dumps({"title": "Talks", "text": SEED["001"].read_text(), "published": published}))
    [item] = service.ingest([str(path)]).items
    assert (item.status, item.reason) == ("new", f"its date {published} is out of range, so it is dated on arrival")
    today = datetime.now(UTC).date().isoformat()
    assert store.get_article(service.db, item.article_id).published_at == today


@pytest.mark.parametrize("published", ["1989-12-31", "9999-12-30"])
def test_a_publication_date_given_for_an_ingest_is_range_checked(service, published):
    with pytest.raises(InputError, match=f"A publication date is between 1990-01-01 and tomorrow, not {published}."):
        service.ingest([str(SEED["003"])], published=published)
    assert service.stats()["articles"] == 0


def test_a_seed_outlet_is_one_its_text_names_or_is_described_as_unnamed():
    manifest = json.loads((SEEDS / "manifest.json").read_text("utf-8"))
    for name, meta in manifest.items():
        if name.startswith("_"):
            continue
        text = (SEEDS / name).read_text("utf-8")
        assert meta["source"] in text or meta["source"].startswith("Unnamed "), name
        assert meta["why"], name
