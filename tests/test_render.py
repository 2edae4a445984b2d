"""The rendering module: escaping and splitting at Telegram's 4,096-unit limit, always valid Telegram HTML."""

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import render
from tests.telegram_html import html_problems, utf16_len


def balanced(html_text: str) -> bool:
    stack = []
    for match in re.finditer(r"<(/?)([a-z]+)[^>]*>", html_text):
        closing, name = match.groups()
        if closing:
            if not stack or stack.pop() != name:
                return False
        else:
            stack.append(name)
    return not stack


def no_broken_entity(html_text: str) -> bool:
    return not re.search(r"&[a-z#0-9]*$", html_text) and not re.match(r"^[a-z#0-9]*;", html_text)


@pytest.mark.parametrize("paragraphs", [3, 40, 400])
def test_split_on_paragraph_boundaries_within_the_limit(paragraphs):
    text = "\n\n".join(f"<b>{i}</b> " + render.esc("Tom & Jerry <3 " * 20) for i in range(paragraphs))
    parts = render.split_message(text)
    assert all(len(p) <= render.LIMIT for p in parts)
    assert "\n\n".join(parts) == text
    assert all(balanced(p) and no_broken_entity(p) for p in parts)
    assert all(html_problems(p) == [] for p in parts)


@pytest.mark.parametrize(
    "text, problem",
    [
        ("<b>bold</b> &amp; <i>it</i>", None),
        ('<a href="https://x.y/?a=1&amp;b=2">x</a>', None),
        ("3 < 5", "bare '<'"),
        ("fish & chips", "bare '&'"),
        ("<b>open", "unclosed tags"),
        ("<b><i>x</b></i>", "unbalanced"),
        ("<url>", "unsupported tag"),
        ("<a>x</a>", "without href"),
    ],
)
def test_the_telegram_html_checker_the_tests_rely_on(text, problem):
    problems = html_problems(text)
    assert (problems == []) if problem is None else (problem in problems[0])


@pytest.mark.parametrize("char", ["😀", "é", "a"])
def test_length_is_counted_in_utf16_units_as_telegram_counts(char):
    text = "\n\n".join(f"<b>{i}</b> " + char * 300 for i in range(40))
    parts = render.split_message(text)
    assert all(utf16_len(p) <= render.LIMIT for p in parts)
    assert "\n\n".join(parts) == text


def test_a_single_huge_line_of_emoji_is_split_within_utf16_units():
    text = "<i>" + "😀" * 5000 + "</i>"
    parts = render.split_message(text)
    assert all(utf16_len(p) <= render.LIMIT and html_problems(p) == [] for p in parts)
    assert "".join(render.to_plain(p) for p in parts) == "😀" * 5000


def test_a_split_never_leaves_an_empty_element():
    text = " ".join(f'<b>w{i}</b> <a href="https://x.example/{i}">link {i}</a>' for i in range(1500))
    parts = render.split_message(text)
    assert len(parts) > 1 and not any(EMPTY_ELEMENT.search(p) for p in parts)
    assert " ".join(render.to_plain(p) for p in parts).split() == render.to_plain(text).split()


def test_a_single_huge_line_is_split_outside_tags_and_entities():
    text = "<i>" + render.esc("a&b " * 3000) + "</i>"
    parts = render.split_message(text)
    assert len(parts) > 1 and all(len(p) <= render.LIMIT for p in parts)
    assert all(balanced(p) and no_broken_entity(p) for p in parts)
    assert "".join(render.to_plain(p) for p in parts).replace(" ", "") == ("a&b" * 3000)


def test_escape_covers_hostile_values():
    assert render.esc('<script>alert("x")</script> & <b') == '&lt;script&gt;alert("x")&lt;/script&gt; &amp; &lt;b'


def test_links_only_for_http_urls():
    from service.results import Citation

    assert render.cite(Citation("A & B", "2024-10-22", "javascript:alert(1)", 1, "")) == "A &amp; B, 2024-10-22"
    assert render.cite(Citation("VOA", "2024-10-22", 'https://x.y/"q"', 1, "")) == (
        '<a href="https://x.y/&quot;q&quot;">VOA, 2024-10-22</a>'
    )


def test_plain_text_for_the_terminal():
    assert render.to_plain('<b>Hi</b> &amp; <a href="https://x.y">VOA</a>') == "Hi & VOA (https://x.y)"


@pytest.mark.parametrize(
    "n, noun, text",
    [
        (1, "new article", "1 new article"),
        (2, "new article", "2 new articles"),
        (0, "sentence", "0 sentences"),
        (1, "sentence", "1 sentence"),
    ],
)
def test_plurals(n, noun, text):
    assert render.plural(n, noun) == text


EMPTY_ELEMENT = re.compile(r"<(b|i|a|code)(?:\s[^>]*)?>\s*</\1>")
WORD = st.text(alphabet="ab😀é&<>", min_size=1, max_size=30).map(render.esc)
INLINE = st.one_of(
    WORD,
    WORD.map(lambda w: f"<b>{w}</b>"),
    st.tuples(WORD, WORD).map(lambda p: f'<a href="https://x.example/{p[0]}">{p[1]}</a>'),
    st.lists(WORD, min_size=1, max_size=400).map(lambda ws: "<i>" + " ".join(ws) + "</i>"),
    st.integers(0, 10**6).map(lambda n: f'<b>w{n}</b> <a href="https://x.example/{n}">link {n}</a>'),
)
LINE = st.lists(INLINE, min_size=1, max_size=700).map(" ".join)
DOCUMENT = st.lists(st.lists(LINE, min_size=1, max_size=4).map("\n".join), min_size=1, max_size=12).map("\n\n".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(DOCUMENT)
def test_any_document_splits_into_valid_parts_without_empty_elements(text):
    parts = render.split_message(text)
    assert all(utf16_len(p) <= render.LIMIT for p in parts)
    assert all(html_problems(p) == [] and not EMPTY_ELEMENT.search(p) and p.strip() for p in parts)
    assert " ".join(render.to_plain(p) for p in parts).split() == render.to_plain(text).split()


@pytest.mark.parametrize(
    "zone, shown",
    [
        ("UTC", "9 Jan 2024 11:08 UTC"),
        ("Europe/Berlin", "9 Jan 2024 12:08 CET"),
        ("Asia/Tokyo", "9 Jan 2024 20:08 JST"),
    ],
)
def test_times_are_shown_in_the_chats_zone_and_name_it(zone, shown):
    assert render.when("2024-01-09T11:08:00+00:00", zone) == shown
