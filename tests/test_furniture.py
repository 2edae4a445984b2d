"""Page furniture by class, in the forms wire services and newspapers write it (examples written for these tests)."""

import pytest

from summarizer.furniture import furniture_class, strip_furniture

LEAD = "The death toll rose to 44 on Tuesday as rescuers reached the flooded villages."


@pytest.mark.parametrize(
    "prefix",
    [
        "LONDON, Aug 30 (Reuters) - ",  # Reuters with a date
        "WASHINGTON (Reuters) - ",  # Reuters
        "NEW YORK | Mon Aug 22, 2011 3:31pm EDT NEW YORK (Reuters) - ",  # Reuters, old page form with a stamp
        "JERUSALEM (AP) — ",  # AP
        "GAZA CITY, Gaza Strip (AP) — ",  # AP with a region
        "Paris (AFP) - ",  # AFP
        "BEIRUT, Lebanon (AFP) -- ",  # AFP, double hyphen
        "(CNN) -- ",  # CNN
        "Atlanta (CNN) — ",  # CNN with a city
        "KYIV, Ukraine — ",  # Washington Post
        "WASHINGTON/BEIRUT — ",  # two places
    ],
)
def test_agency_datelines_are_cut_off_the_lead(prefix):
    assert strip_furniture(prefix + LEAD) == LEAD
    assert furniture_class(prefix + LEAD) == "dateline"


@pytest.mark.parametrize(
    "note",
    [
        "(Adds quotes, background)",
        "(Updates with minister's comments in paragraphs 4-6)",
        "(Reporting by Jane Doe in Cairo; Editing by John Smith)",
        "(Writing by Ana Lopez; editing by Mark Heinrich)",
        "Additional reporting by Omar Fahmy in Cairo.",
        "Associated Press writer Maria Lee in Seoul contributed to this report.",
        "Fox News' Jane Roe and The Associated Press contributed to this report.",
        "CNN's Tom Brown contributed reporting.",
        "Correction: An earlier version of this story misstated the toll.",
        "This article has been updated to include a statement from the ministry.",
        "CLICK HERE TO GET THE FOX NEWS APP",
        "Copyright 2024 The Associated Press. All rights reserved. "
        "This material may not be published, broadcast, rewritten or redistributed.",
    ],
)
def test_editorial_notes_are_furniture(note):
    assert furniture_class(note) == "editorial-note"


def test_a_reporting_credit_in_brackets_is_cut_from_the_paragraph():
    assert strip_furniture(LEAD + " (Reporting by Jane Doe; Editing by John Smith)") == LEAD


@pytest.mark.parametrize(
    "prefix",
    [
        "Photograph: Mohammed Saber/EPA ",  # Guardian
        "Photograph: Amr Nabil/AP ",  # Guardian
        "Majdi Fathi/NurPhoto/Getty Images ",  # agency credit run into the lead
        "Ahmad Gharabli/AFP ",  # agency credit
    ],
)
def test_photo_credits_glued_to_the_lead_are_cut_off(prefix):
    assert strip_furniture(prefix + LEAD) == LEAD


@pytest.mark.parametrize(
    "caption",
    [
        "FILE - In this Oct. 22, 2024, file photo, Secretary of State Antony Blinken speaks in Tel Aviv.",  # AP
        "Palestinians inspect the rubble of a house in Rafah. (AP Photo/Hatem Ali)",  # AP
        "Rescuers search the rubble in Antakya. Photograph: Emin Ozmen/Magnum Photos",  # Guardian
        "Image caption Rescuers worked through the night in the old town.",  # BBC
        "Smoke rises over the city on Monday. Getty Images",  # Getty
        "Protesters gather in the square in Cairo, Egypt, January 28, 2011. REUTERS/Goran Tomasevic",  # Reuters
        "Hide caption 3 of 12 Firefighters douse the blaze.",  # CNN gallery
        "Photos: The aftermath of the storm",  # CNN
    ],
)
def test_photo_credits_and_captions_are_furniture(caption):
    assert furniture_class(caption) == "photo-credit"


@pytest.mark.parametrize(
    "stamp",
    [
        "Updated 3:31 PM ET, Mon August 22, 2011",  # CNN
        "Published 10:33 GMT, Friday, 12 February 2010",  # BBC
        "Last Modified: Tue 26 Nov 2024 14.05 GMT",  # Guardian
        "Published November 25, 2024 6:02pm EST",  # Fox News
        "November 25, 2024 at 6:02 p.m. EST",  # Washington Post
        "2 hours ago",  # live pages
    ],
)
def test_time_stamps_are_furniture(stamp):
    assert furniture_class(stamp) == "timestamp"


@pytest.mark.parametrize(
    "byline",
    [
        "By Jim Muir, BBC News, Beirut",  # BBC
        "By JOSEF FEDERMAN, Associated Press",  # AP
        "By Jane Doe and John Roe",  # newspapers
        "By Jane Doe | Reuters",  # Reuters
        "Jane Doe, Middle East correspondent",  # Guardian
        "Associated Press Writer",  # AP
        "Jane Doe Business editor, BBC News",  # a live page's byline
        "John Roe BBC News channel chief political correspondent",
    ],
)
def test_bylines_are_furniture(byline):
    assert furniture_class(byline) == "byline"


@pytest.mark.parametrize(
    "heading",
    [
        "What is the difference between Hamas and Hezbollah?",
        "Who is Yahya Sinwar?",
        "Why does the ceasefire matter?",
        "What happens next?",
    ],
)
def test_questions_used_as_sub_headings_are_furniture(heading):
    assert furniture_class(heading) == "question-heading"


@pytest.mark.parametrize(
    "debris",
    [
        "• Read our live coverage",
        "► Watch the video",
        "Home | World | Middle East",
        "Share",
        "1. The ministry said",
    ],
)
def test_list_and_navigation_debris_is_furniture(debris):
    assert furniture_class(debris) == "list-debris"


@pytest.mark.parametrize(
    "glued, lead",
    [
        ("Storm kills dozens in the south Rescue teams struggle 30 August 2011 Last updated at 10:33 " + LEAD, LEAD),
        (
            "Floods kill dozens in the south The death toll rose to 44 on Tuesday.",
            "The death toll rose to 44 on Tuesday.",
        ),
        ("Quake hits the coast BEIRUT (Reuters) - " + LEAD, LEAD),
        ("The regime's pillars are still in place and must be dealt with (CNN) -- " + LEAD, LEAD),
        ('Hundreds attend a protest in New York, chanting " Leave now " (CNN) -- ' + LEAD, LEAD),
        (
            "From Jane Doe, CNN NEW: Officials say 49 people were hurt. Share your photos. Cairo, Egypt (CNN) -- "
            + LEAD,
            LEAD,
        ),
        ("Rescuers search the rubble on Monday. Ankara (AFP) - " + LEAD, LEAD),
        ("January 31, 2011 | By Jane Doe, CNN " + LEAD, LEAD),
        ("By Jane Doe and John Roe, Reuters " + LEAD, LEAD),
        (
            "Aid groups have complained of delays getting aid to survivors A ship carrying supplies is to be sent.",
            "A ship carrying supplies is to be sent.",
        ),
        ("Aid groups complain of delays A Royal Navy ship is to be sent.", "A Royal Navy ship is to be sent."),
        (
            "By Jane Doe Environment correspondent, BBC News Vast amounts of gas are present.",
            "Vast amounts of gas are present.",
        ),
        ("Jane Doe Business editor, BBC News " + LEAD, LEAD),
    ],
)
def test_a_headline_glued_to_the_lead_is_split_off(glued, lead):
    assert strip_furniture(glued) == lead


@pytest.mark.parametrize(
    "sentence", ["Cairo, Egypt (CNN) --", "The regime's pillars are still in place and must be dealt with (CNN) --"]
)
def test_a_sentence_holding_a_dateline_is_furniture(sentence):
    assert furniture_class(sentence) == "dateline"


def test_a_headline_run_into_a_lead_that_opens_with_a_common_word_is_split_off():
    text = "BP says oil spill cost up to $8bn Oil giant BP has said the spill cost $8bn, and oil prices rose."
    common = {"oil", "giant", "spill", "cost", "says"}.__contains__
    assert strip_furniture(text, common) == "Oil giant BP has said the spill cost $8bn, and oil prices rose."


def test_a_headline_with_a_kicker_run_into_a_lead_is_split_off():
    text = "Official: Talks move the transition forward As they talked, officials worked behind the scenes."
    common = {"as", "talks", "move", "forward"}.__contains__
    assert strip_furniture(text, common) == "As they talked, officials worked behind the scenes."


def test_a_proper_name_after_a_headline_word_is_not_a_sentence_start():
    text = "The minister told Parliament that the budget would pass."
    assert strip_furniture(text, {"budget"}.__contains__) == text


@pytest.mark.parametrize(
    "prose",
    [
        LEAD,
        '"Is this the end of the war?" he asked the crowd in Tel Aviv.',
        "Blinken arrived in Israel on Tuesday, his 11th trip to the region since October 7.",
        "The United Nations said 1.9 million people, 90% of the population, had been displaced.",
        "Hamas said it had not received a new proposal, according to a statement on Telegram.",
        "The talks in Doha, Qatar, resumed at 10 a.m. on Thursday with mediators from Egypt.",
        "He died.",
        "By Tuesday, Israel Defense Forces said the strikes had ended.",
        "By Friday, Hamas had agreed to the terms.",
        "By the time the talks ended, the ceasefire had collapsed.",
        "Fighters of the Islamic State (IS) -- a group that holds the city -- fled on Monday.",
        "The agency (IAEA) - its inspectors say - found no trace.",
        "Officials and aid workers said the road to the north was closed.",
        "As I said before, the ceasefire must hold, the minister told reporters.",
        "Jane Doe, BBC Middle East correspondent, said the talks had stalled in Cairo on Monday.",
        "Doctors said the outbreak of type A influenza had peaked, according to a report by the author of A Journey.",
    ],
)
def test_prose_is_not_furniture(prose):
    assert furniture_class(prose) is None
    assert strip_furniture(prose) == prose
