"""Fast unit tests for summarizer/'s pure functions (no spaCy model, no database)."""

import numpy as np
import pytest
from scipy import sparse

from summarizer import dedup, ranking
from summarizer.entities import looks_like_adjective
from summarizer.facts import cardinal_value, ordinal_value
from summarizer.roles import is_unique_office, mentions_succession, normalise_office, same_scope, scope_key
from summarizer.text import opens_mid_quote
from summarizer.words import ranking_words, stem, stem_with, stemmer


def test_ranking_words_drop_stop_words_fold_case_and_stem():
    assert ranking_words(["The", "Ministers", "were", "negotiating", "ceasefires"]) == ["minist", "negoti", "ceasefir"]


def test_one_stem_cache_serves_every_caller():
    english = stemmer("english")
    assert stem("negotiations") == stem_with(english, "negotiations") == "negoti"


@pytest.mark.parametrize("text, value", [("fourth", 4), ("11th", 11), ("22nd", 22), ("first", 1), ("eleven", None)])
def test_ordinal_value(text, value):
    assert ordinal_value(text) == value


@pytest.mark.parametrize(
    "text, value",
    [
        ("more than 42,600", 42600.0),
        ("2 million", 2e6),
        ("1.5 billion", 1.5e9),
        ("dozens", None),
    ],
)
def test_cardinal_value(text, value):
    assert cardinal_value(text) == value


@pytest.mark.parametrize(
    "a, b, same",
    [
        ("Egypt", "Egyptian", True),
        ("U.S.", "American", True),
        ("US", "United States", True),
        ("Syria", "Syrian", True),
        ("Egypt", "Syria", False),
        ("", "Egypt", False),
        ("Iran", "Iraq", False),
    ],
)
def test_same_scope(a, b, same):
    assert same_scope(a, b) is same


def test_scope_key_drops_possessives_and_articles():
    assert (scope_key("Egypt's"), scope_key("the United Nations")) == ("egypt", "united nations")


@pytest.mark.parametrize(
    "office, unique",
    [
        ("foreign minister", True),
        ("president", True),
        ("deputy foreign minister", False),
        ("former president", False),
        ("spokesman", False),
        ("secretary-general", True),
    ],
)
def test_is_unique_office(office, unique):
    assert is_unique_office(normalise_office(office)) is unique


def test_vice_president_spellings_fold_to_one_office():
    assert normalise_office("Vice-President") == normalise_office("vice  president")


@pytest.mark.parametrize(
    "text, succession",
    [
        ("He replaced Hosni Mubarak as president.", True),
        ("She resigned on Tuesday.", True),
        ("The president spoke on Tuesday.", False),
    ],
)
def test_mentions_succession(text, succession):
    assert mentions_succession(text) is succession


def test_near_duplicates_share_lsh_bands_and_distinct_texts_do_not():
    a = "Officials said the new ferry terminal will open in March after two years of delays and disputes. " * 3
    b = a.replace("March", "April")
    c = "The football club signed a new striker from Brazil for a record fee on Monday evening. " * 3
    sa, sb, sc = dedup.signature(a), dedup.signature(b), dedup.signature(c)
    assert dedup.similarity(sa, sb) > 0.5 > dedup.similarity(sa, sc)
    assert set(dedup.bands(sa)) & set(dedup.bands(sb)) and not set(dedup.bands(sa)) & set(dedup.bands(sc))
    assert dedup.decode(dedup.encode(sa)) == sa


def test_content_hash_ignores_case_and_spacing():
    assert dedup.content_hash("Hello,  World") == dedup.content_hash("hello world")


def words(*sentences: str) -> list[list[str]]:
    return [ranking_words(s.split()) for s in sentences]


def test_the_news_ranker_prefers_the_lead_and_corroborated_statements():
    texts = [
        "The ceasefire talks resumed in Cairo on Monday with both delegations present.",
        "The ceasefire talks resumed in Cairo on Monday with both delegations present.",
        "Weather in the region stayed warm and dry through the weekend for most residents.",
        "The football club signed a new striker from Brazil for a record fee.",
        "Shares in the mining company fell sharply after the quarterly results were published.",
        "A new bridge across the river will open to traffic next spring, the council said.",
    ]
    w = words(*texts)
    similarity = ranking.similarity_matrix(w)
    positions = [0] * len(texts)
    alone = ranking.news_ranking(w, positions, texts, ["A"] * 6, similarity)
    corroborated = ranking.news_ranking(w, positions, texts, ["A", "B", "A", "A", "A", "A"], similarity)
    assert corroborated[0] > alone[0] and corroborated[2] == pytest.approx(alone[2])
    later = ranking.news_ranking(w, [0, 0, 5, 0, 0, 0], texts, ["A"] * 6, similarity)
    assert later[2] < alone[2]


def test_select_skips_repeats_and_credits_them_to_the_chosen_sentence():
    scores = np.array([0.9, 0.8, 0.5])
    similarity = sparse.csr_matrix(np.array([[1.0, 0.9, 0.0], [0.9, 1.0, 0.0], [0.0, 0.0, 1.0]]))
    assert ranking.select(scores, similarity, 2) == [ranking.Selection(0, (1,)), ranking.Selection(2, ())]


@pytest.mark.parametrize(
    "scores, subjects, count, picked",
    [
        ([0.9, 0.8, 0.7], [1, 1, 2], 2, [0, 2]),
        # Halved once, the second sentence about 1 is still the best; halved twice, the third is not.
        ([0.9, 0.8, 0.7, 0.3], [1, 1, 1, 2], 3, [0, 1, 3]),
        ([0.9, 0.8, 0.35, 0.3], [1, 1, 2, None], 3, [0, 1, 2]),
        # Equal scores keep the candidates' order; a sentence about no one is never halved.
        ([0.5, 0.5, 0.5, 0.5], [1, 1, None, 2], 4, [0, 2, 3, 1]),
    ],
)
def test_select_spreads_a_briefing_over_the_people_in_the_news(scores, subjects, count, picked):
    similarity = sparse.identity(len(scores), format="csr")
    chosen = ranking.select(np.array(scores), similarity, count, subjects=subjects)
    assert [s.index for s in chosen] == picked


@pytest.mark.parametrize(
    "name, adjective",
    [
        ("Scottish", True),
        ("Chinese", True),
        ("Middle Eastern", True),
        ("Egyptian", True),
        ("Scotland", False),
        ("China", False),
        ("Middle East", False),
        ("Egypt", False),
        ("Indian Ocean", False),
    ],
)
def test_nationalities_and_directions_tagged_as_places_are_adjectives(name, adjective):
    assert looks_like_adjective(name) is adjective


@pytest.mark.parametrize(
    "sentence, mid_quote",
    [
        (
            'It was a sense of liberation for me, for every Egyptian, " said opposition leader Mohamed ElBaradei. "',
            True,
        ),
        ('We will not leave! " the crowd chanted in the square.', True),
        ("not supported by us,” he stated.", True),
        ('" We will not leave, " said one protester in the square.', False),
        ('The minister said "the talks will resume" on Monday, and left.', False),
        ('He called the deal " a disaster, " and walked out.', False),
    ],
)
def test_a_sentence_that_opens_inside_a_quotation_is_told_apart(sentence, mid_quote):
    assert opens_mid_quote(sentence) is mid_quote
