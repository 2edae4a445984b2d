"""Briefings: extractive, attributed, de-duplicated across sources, bounded, and helpful when empty."""

import random

import pytest

from service.briefing import build_briefing
from service.selection import MAX_CANDIDATES, candidates_for
from storage import articles as store
from storage.db import transaction
from tests.conftest import SEED


def all_sentences(service) -> set[str]:
    return {r[0] for r in service.db.execute("SELECT text FROM sentences")}


def test_every_sentence_is_verbatim_from_a_named_source(seeded_store):
    b = seeded_store.brief("Gaza", length="long")
    assert len(b.items) == 8
    stored = all_sentences(seeded_store)
    assert all(item.text in stored and item.citations[0].source for item in b.items)


def test_eleventh_visit_said_once_and_credited_only_where_the_article_names_everyone_in_it(seeded_store):
    b = seeded_store.brief("Gaza")
    eleventh = [i for i in b.items if "11th" in i.text]
    # VOA's sentence also names Netanyahu and Gallant: only outlets whose articles name them share the credit.
    assert [sorted(c.source for c in i.citations) for i in eleventh] == [["VOA"]]


def test_topic_briefing_opens_with_the_newest_developments_then_background_by_day(seeded_store):
    b = seeded_store.brief("Gaza")
    assert b.items[0].citations[0].published_at == "2024-10-22"
    assert all(i.citations[0].published_at >= "2024-10-21" for i in b.items)
    assert [day for day, _ in b.background] == ["2024-01-09", "2024-02-07"]


def test_the_arrival_is_said_once_and_never_credited_to_the_wire_that_only_said_he_set_off(seeded_store):
    b = seeded_store.brief("Gaza", length="long")
    visit = [i for i in b.items if "arrived in Israel on Tuesday" in i.text or "Israeli leaders Tuesday" in i.text]
    assert len(visit) == 1
    arrivals = [i for i in b.shown if "arrived in Israel on Tuesday" in i.text]
    assert all("Unnamed wire service" not in {c.source for c in i.citations} for i in arrivals)


def test_a_newer_article_leads_the_briefing(seeded_store):
    seeded_store.ingest_text(
        "Israeli strikes on Gaza City killed dozens of people on Tuesday, health officials in Gaza said, as "
        "ceasefire talks stalled again. Residents said the bombardment was the heaviest in weeks.",
        "later",
        source="Later Wire",
    )
    seeded_store.db.execute("UPDATE articles SET published_at = '2024-11-05' WHERE source = 'Later Wire'")
    b = seeded_store.brief("Gaza")
    assert b.items[0].citations[0].source == "Later Wire"


@pytest.mark.parametrize("method", ["news", "lexrank", "textrank", "lsa", "lead", "sumbasic"])
def test_every_method_gives_a_briefing(seeded_store, method):
    b = seeded_store.brief("Hezbollah", length=3, method=method)
    assert len(b.items) == 3 and b.method == method


def test_since_limits_the_window(seeded_store):
    b = seeded_store.brief("Gaza", since="2024-10-01")
    assert {c.published_at for i in b.items for c in i.citations} <= {"2024-10-21", "2024-10-22"}


def test_no_match_says_what_was_searched_and_what_exists(seeded_store):
    b = seeded_store.brief("volcano")
    assert b.items == []
    assert b.message.startswith("No stored articles match “volcano”. Topics with the most coverage: Israel, Gaza")


def test_empty_store_says_so(service):
    assert service.brief("Gaza").message == "The article store is empty: nothing has been ingested yet."


def test_entity_alias_as_topic(seeded_store):
    assert seeded_store.brief("Antony Blinken").items


def test_one_article_one_sentence_and_more_sentences_than_exist(service):
    service.ingest_text("The council approved the budget on Monday after a long debate.", "one")
    b = service.brief("budget", length=20)
    assert [i.text for i in b.items] == ["The council approved the budget on Monday after a long debate."]


def test_a_line_printed_word_for_word_on_three_days_is_never_briefed(service):
    stock = "Two men charged in death of teen who sang at the festival."
    leads = [
        "The council approved the harbour budget on Monday after a long debate.",
        "The harbour budget was cut by a tenth on Tuesday after protests by fishermen.",
        "Fishermen said on Wednesday that the harbour budget still left them without a new quay.",
    ]
    for day, lead in enumerate(leads, start=1):
        service.ingest_text(f"{stock} {lead}", f"day{day}", published=f"2024-03-0{day}")
    b = service.brief("harbour budget", length="long")
    shown = [i.text for i in b.items] + [i.text for _, items in b.background for i in items]
    assert sorted(shown) == sorted(leads)


def test_non_english_text_gives_a_briefing_not_an_exception(service):
    text = (
        "Le conseil municipal a voté le budget lundi soir après un long débat. "
        "Les habitants ont manifesté devant la mairie. La maire a promis une nouvelle consultation."
    )
    service.ingest_text(text, "fr")
    b = service.brief("budget")
    assert b.items and b.items[0].text in all_sentences(service)


def test_topic_with_only_punctuation_is_a_clear_error(seeded_store):
    from service.app import InputError

    with pytest.raises(InputError, match="at least one letter or digit"):
        seeded_store.brief("!!!")


def test_huge_window_is_bounded_by_candidate_preselection(db):
    rng = random.Random(7)
    words = "gaza talks aid border council vote storm court market police hospital envoy minister".split()
    with transaction(db):
        for a in range(500):
            article_id = store.insert_article(
                db,
                {
                    "title": f"t{a}",
                    "source": f"outlet{a % 7}",
                    "published_at": "2024-01-01",
                    "ingested_at": "x",
                    "text": "gaza",
                    "content_hash": f"h{a}",
                    "signature": "",
                },
                [],
            )
            store.insert_sentences(
                db,
                article_id,
                [
                    {
                        "position": p,
                        "text": f"s{a}-{p} gaza " + " ".join(rng.choices(words, k=10)),
                        "start": 0,
                        "end": 1,
                        "tokens": ["gaza", *rng.choices(words, k=10)],
                    }
                    for p in range(100)
                ],
            )
    assert db.execute("SELECT count(*) FROM sentences").fetchone()[0] == 50_000
    articles = store.matching_articles(db, "gaza", limit=1000)
    assert len(candidates_for(db, articles)) <= MAX_CANDIDATES
    b = build_briefing(db, "gaza", length=5)
    assert len(b.items) == 5


def test_json_form_carries_sources(seeded_store):
    data = seeded_store.brief("Hochstein", length=2).as_dict()
    assert data["topic"] == "Hochstein" and len(data["sentences"]) == 2
    assert {"source", "published_at", "url", "article_id", "title"} <= set(data["sentences"][0]["sources"][0])


def test_headline_is_never_glued_to_a_sentence(seeded_store):
    assert not any(t.startswith("Blinken Arrives in Israel as Gaza") for t in all_sentences(seeded_store))
    assert SEED["002"].read_text().startswith("Blinken Arrives")


def test_each_person_in_the_latest_news_gets_a_sentence(seeded_store):
    b = seeded_store.brief("Gaza")
    hochstein = [i for i in b.items if "Hochstein" in i.text]
    assert len(hochstein) == 1  # named in two of the latest articles: his Beirut talks make the briefing
    assert sorted(c.source for c in hochstein[0].citations) == ["Unnamed wire service", "VOA"]


@pytest.mark.parametrize("topic", ["Gaza", "Israel", ""])
def test_a_briefings_lengths_share_one_scoring_and_brief_as_each_alone(seeded_store, topic):
    db = seeded_store.db

    def shown(briefing):
        background = [(day, [(i.sentence_id, i.citations) for i in items]) for day, items in briefing.background]
        return [(i.sentence_id, i.citations) for i in briefing.items], background

    shared: dict = {}
    scored_alone = 0
    for length in ("long", "short", "medium"):
        own: dict = {}
        alone = build_briefing(db, topic, length=length, memo=own)
        scored_alone += len(own)
        assert shown(build_briefing(db, topic, length=length, memo=shared)) == shown(alone)
        assert shown(alone) == shown(build_briefing(db, topic, length=length))
    assert 0 < len(shared) < scored_alone  # the lengths' latest news was scored once
