"""Cleaning raw article text: headlines, furniture, datelines, Markdown."""

import pytest

from summarizer.text import clean_article, sentence_quality, strip_inline_junk, strip_markdown
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
    assert strip_markdown(text).split("\n") == [
        "Title here",
        "",
        "Some bold text with a link and code.",
        "",
        "item one.",
    ]


@pytest.mark.parametrize(
    "sentence, quality",
    [
        ("The death toll rose to 50, officials said.", 1.0),
        ("February 7 Image by someone via Flickr The Fortune 500 comes out once a year.", 0.0),
        ("EGYPTIAN GOVERNMENT RELEASES GOOGLE EXEC who was arrested in Cairo.", 0.0),
        ("Syria troops bombard Homs", 0.5),
        ("then it opens it up to anybody. '", 0.8),
        ("This is not supported by us,” he stated.", 0.0),  # the tail of a quotation split in two
        ('It was not supported by us," he stated.', 0.0),
        ("“It is over,” he said on Monday.", 1.0),
    ],
)
def test_sentence_quality_weighs_fragments_credits_and_glued_headings(sentence, quality):
    assert sentence_quality(sentence) == quality


@pytest.mark.parametrize(
    "line, expected",
    [
        ("Watch: The minister spoke in Cairo.", "The minister spoke in Cairo."),
        ("February 7, 2011: 8:43 AM ET The Fortune 500 comes out.", "The Fortune 500 comes out."),
        (
            "29 July 2010 Last updated at 22:17 GMT Help As BP's rivals count the cost.",
            "As BP's rivals count the cost.",
        ),
        ("Page last updated at 14:26 GMT, Sunday, 26 April 2009 The WHO met.", "The WHO met."),
    ],
)
def test_media_labels_and_clock_stamps_are_removed(line, expected):
    assert strip_inline_junk(line) == expected
