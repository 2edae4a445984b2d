"""Cleaning raw article text: headlines, furniture, datelines, Markdown."""

import pytest

from summarizer.text import clean_article, strip_markdown
from tests.conftest import SEED


def test_headline_is_separated_and_repeats_dropped():
    clean = clean_article(SEED["004"].read_text())
    assert clean.title == "Blinken seeks to advance Gaza peace talks amid rising tensions"
    assert all("Blinken seeks to advance" not in p for p in clean.paragraphs)


@pytest.mark.parametrize(
    "furniture",
    [
        "Follow us on our social media platforms here",
        "Comments are closed",
        "Leave a Reply",
        "Your email address will not be published",
        "Blinken meets Netanyahu and Gantz in Tel Aviv",  # a section heading, not a sentence
        "Breakthrough Unlikely",
    ],
)
def test_site_furniture_and_headings_never_reach_the_body(furniture):
    bodies = "\n".join(clean_article(SEED[k].read_text()).body for k in ("002", "004"))
    assert furniture not in bodies


def test_lone_ellipsis_dropped():
    assert clean_article(SEED["000"].read_text()).paragraphs[-1].endswith("Reuters.")


@pytest.mark.parametrize(
    "raw, first",
    [
        ("WASHINGTON/BEIRUT — U.S. officials met on Monday.", "U.S. officials met on Monday."),
        ("Webdesk: Officials met on Monday in Doha.", "Officials met on Monday in Doha."),
        ("(CNN) -- Officials met on Monday in Doha.", "Officials met on Monday in Doha."),
    ],
)
def test_datelines_are_not_glued_to_the_first_sentence(raw, first):
    assert clean_article(raw).paragraphs == [first]


def test_markdown_is_reduced_to_text():
    text = "# Title here\n\nSome **bold** text with [a link](http://x.y) and `code`.\n\n- item one."
    assert strip_markdown(text).split("\n") == ["Title here", "", "Some bold text with a link and code.", "", "item one."]
