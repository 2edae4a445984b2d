"""/timeline: dates from publication and from the text, one credited sentence per date, oldest first."""

from datetime import date

import pytest

from summarizer.dates import mentioned_dates


@pytest.mark.parametrize(
    "text, expected",
    [
        ("The well was capped on 25 May.", [date(2010, 5, 25)]),
        ("The rig exploded on April 20, 2010.", [date(2010, 4, 20)]),
        ("BP said on Tuesday that the cap held.", [date(2010, 5, 25)]),
        ("Officials said yesterday that the toll rose.", [date(2010, 5, 26)]),
        ("The 1918 pandemic killed millions.", []),
        ("The quake of 12 January 2009 was smaller.", []),  # over a year before: history, not the story
        # 27 May 2010 was a Thursday: the future tense names the next one, the past the one before.
        ("Blinken is expected to leave Israel on Thursday.", [date(2010, 6, 3)]),
        ("The envoy will arrive on Monday for talks.", [date(2010, 5, 31)]),
        ("The vote is set for next Friday.", [date(2010, 5, 28)]),
        ("He left on Monday, and officials said he would return.", [date(2010, 5, 24)]),
    ],
)
def test_dates_named_in_text_are_resolved_against_the_article_date(text, expected):
    assert mentioned_dates(text, date(2010, 5, 27)) == expected


def test_seed_timeline_is_chronological_with_one_sourced_sentence_per_date(seeded_store):
    t = seeded_store.timeline("gaza", 4)
    days = [e.day for e in t.entries]
    assert days == sorted(days) and len(days) == 4 and days[-1] == "2024-10-22"
    assert all(e.item.citations and e.item.text for e in t.entries)


def test_a_date_the_text_names_can_enter_the_timeline(service):
    service.ingest_text(
        "Rescuers said on Wednesday that 40 miners were trapped after the mine collapsed on 3 March.",
        "a",
        source="Wire A",
    )
    service.ingest_text(
        "The miners trapped since the collapse on 3 March were freed on Friday, officials said.", "b", source="Wire B"
    )
    service.db.execute(
        "UPDATE articles SET published_at = CASE source WHEN 'Wire A' THEN '2021-03-04' ELSE '2021-03-12' END"
    )
    # The articles were stored with today's date; the dates they name are re-read against the new dates.
    service.db.execute("DELETE FROM sentence_dates")
    from service.ingest import _day
    from storage import articles as store
    from summarizer.dates import mentioned_dates as named

    for row in store.sentences_of(service.db, [1, 2]):
        store.insert_sentence_dates(
            service.db, [(row.id, row.article_id, d.isoformat()) for d in named(row.text, _day(row.published_at))]
        )
    t = service.timeline("miners", 3)
    assert "2021-03-03" in [e.day for e in t.entries]


@pytest.mark.parametrize(
    "count, message",
    [
        ("0", "The number of dates must be between 1 and 30, not 0"),
        ("many", "The number of dates must be a whole number, not 'many'"),
    ],
)
def test_bad_date_counts_get_a_clear_error(seeded_store, count, message):
    from service.app import InputError

    with pytest.raises(InputError, match=message):
        seeded_store.timeline("gaza", count)


def test_timeline_on_an_unknown_topic_says_what_exists(seeded_store):
    t = seeded_store.timeline("volcano")
    assert t.entries == [] and t.message.startswith("No stored articles match “volcano”.")


def test_no_timeline_entry_opens_mid_quote(service):
    service.ingest_text(
        "Ministers met in Cairo on Monday to discuss the plan.", "lead", source="Wire P", published="2021-03-08"
    )
    service.ingest_text(
        '"We were never consulted about the plan. Nobody in this government supports it," an official said of '
        "the talks held on 3 March.",
        "quote",
        source="Wire Q",
        published="2021-03-08",
    )
    t = service.timeline("plan", 5)
    assert t.entries and not any(e.item.text.startswith("Nobody in this government") for e in t.entries)
