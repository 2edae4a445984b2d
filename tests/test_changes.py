"""What changed since a chat's last briefing: the seed acceptance story, and its edge cases."""

from dataclasses import replace

import pytest

from bot import render
from tests.conftest import SEED


@pytest.fixture
def story(service):
    """Chat 1 briefed on Gaza after 003; diffs after 004 and after 000, 001, 002."""
    service.ingest([str(SEED["003"])])
    first = service.brief("Gaza", chat_id=1)
    service.ingest([str(SEED["004"])])
    second = service.changes(1, "Gaza")
    service.ingest([str(SEED[k]) for k in ("000", "001", "002")])
    third = service.changes(1, "Gaza")
    return first, second, third


def names(items):
    return {n.entity.name for n in items}


def delivered(briefing_or_changes) -> set[str]:
    if hasattr(briefing_or_changes, "shown"):
        return {i.text for i in briefing_or_changes.shown}
    c = briefing_or_changes
    return {i.text for i in c.developments} | {
        t for n in c.new_entities + c.updated_entities for _, t, _ in n.sentences
    }


def test_a_diff_opens_with_the_new_developments_credited_to_every_outlet(story):
    _, _, third = story
    assert third.shown_text()[: len(third.developments)] == [i.text for i in third.developments]
    assert 2 <= len(third.developments) <= 3
    assert all(i.citations[0].published_at >= "2024-10-21" for i in third.developments)


def test_second_diff_names_new_people(story):
    _, second, _ = story
    assert {"Benny Gantz", "Ismail Haniyeh"} <= names(second.new_entities)
    assert second.briefing is None and second.new_articles == 1


def test_second_diff_reports_the_trip_count_change(story):
    _, second, _ = story
    trips = [f for f in second.fact_changes if f.attribute == "trips to the region"]
    assert [(f.subject, [v for v, _ in f.values]) for f in trips] == [("Antony Blinken", ["fourth", "fifth"])]


def test_third_diff_names_new_people(story):
    _, _, third = story
    assert len([n for n in third.new_entities if n.entity.label == "PERSON"]) <= 3  # one line each, at most three
    assert "Yahya Sinwar" in names(third.new_entities)
    assert names(third.new_entities).isdisjoint({"Benny Gantz", "Ismail Haniyeh", "Antony Blinken"})


def test_third_diff_reports_death_toll_and_trip_count_changes(story):
    _, _, third = story
    changes = {
        f.attribute: (f.subject, [v for v, _ in f.values], [c.published_at for _, c in f.values])
        for f in third.fact_changes
    }
    assert changes["Palestinians killed"] == (None, ["over 27,000", "more than 42,600"], ["2024-02-07", "2024-10-22"])
    assert changes["trips to the region"][0] == "Antony Blinken"
    assert changes["trips to the region"][1][-2:] == ["fifth", "11th"]


def test_diffs_never_repeat_what_was_delivered(story):
    first, second, third = story
    assert delivered(third).isdisjoint(delivered(first) | delivered(second))
    assert delivered(second).isdisjoint(delivered(first))


def test_new_entities_come_with_the_sentence_that_introduces_them(story):
    _, _, third = story
    sinwar = next(n for n in third.new_entities if n.entity.name == "Yahya Sinwar")
    assert "Sinwar" in sinwar.sentences[0][1]


def test_a_chat_without_a_briefing_gets_a_full_briefing(story, service):
    other = service.changes(2, "Gaza")
    assert other.briefing is not None and len(other.briefing.items) == 5
    assert not other.new_entities


def test_chats_never_see_each_others_state(story, service):
    service.changes(2, "Gaza")  # chat 2's first briefing
    again = service.changes(2, "Gaza")
    assert again.is_empty and again.message.startswith("Nothing new on “Gaza” since ")
    assert service.changes(1, "Gaza").is_empty  # chat 1's third diff already covered everything


def test_nothing_new_says_since_when(seeded_store):
    seeded_store.brief("Gaza", chat_id=5)
    result = seeded_store.changes(5, "Gaza")
    assert result.is_empty and result.message.startswith("Nothing new on “Gaza” since 20")


def test_diff_on_an_empty_store(service):
    result = service.changes(1, "Gaza")
    assert result.briefing.message == "The article store is empty: nothing has been ingested yet."


def test_unknown_topic_for_a_chat(seeded_store):
    result = seeded_store.changes(9, "volcano")
    assert result.briefing.message.startswith("No stored articles match “volcano”")


def test_diff_is_bounded(story):
    _, _, third = story
    assert len(third.new_entities) <= 16 and all(len(n.sentences) <= 2 for n in third.updated_entities)


@pytest.mark.parametrize("length, budget", [("short", 100), ("medium", 180), ("long", 300)])
def test_a_diff_fits_its_length_and_says_no_sentence_twice(service, length, budget):
    service.ingest([str(SEED["003"])])
    service.brief("Gaza", chat_id=9)
    service.ingest([str(SEED[k]) for k in ("004", "000", "001", "002")])
    c = service.changes(9, "Gaza", length=length)
    sentences = [i.text for i in c.developments] + [t for n in c.updated_entities for _, t, _ in n.sentences]
    clauses = [n.clause.rstrip(" …") for n in c.new_entities if n.clause]
    assert len(sentences) == len(set(sentences))
    assert not [cl for cl in clauses if any(cl in s for s in sentences)]
    assert c.developments and len(render.to_plain(render.changes(c)).split()) <= budget  # what the reader gets


def test_chats_shown_different_sentences_share_one_diff_when_the_news_is_new_to_both(service, monkeypatch):
    from service import changes as diffs

    service.ingest([str(SEED["003"])])
    service.brief("Gaza", length="short", chat_id=1)
    service.brief("Gaza", length="long", chat_id=2)  # chat 2 was shown more of the same article
    service.ingest([str(SEED["004"])])
    made = []
    real = diffs._diff
    monkeypatch.setattr(diffs, "_diff", lambda *args: made.append(args[1]) or real(*args))
    one, two = service.changes(1, "Gaza", "medium"), service.changes(2, "Gaza", "medium")
    assert render.changes(replace(one, since=two.since)) == render.changes(two)  # briefed a moment apart
    assert len(made) == 1
