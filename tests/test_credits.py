"""Credits that hold: an outlet is credited only for what its own article reports."""

import pytest

from summarizer.credits import Report, figures, same_report
from tests.conftest import SEEDS

NEW_ARTICLE = """Blinken urges Israel to let more aid into Gaza

Secretary of State Antony Blinken spoke in Rome on Monday after meeting Israeli Foreign Minister Gideon Saar, \
pressing for more humanitarian aid to reach Gaza.
Israel's offensive in Gaza has killed more than 44,200 Palestinians, according to the Gaza health ministry.
Blinken told reporters in Rome that a ceasefire in Lebanon was within reach.
"""


@pytest.fixture
def seeds_plus_one(service):
    """The five seeds and one later article reporting a new toll and a new minister."""
    service.ingest([str(SEEDS)])
    report = service.ingest_text(NEW_ARTICLE, "rome", source="Rome Wire", published="2024-11-25")
    assert report.items[0].status == "new"
    return service


def test_a_new_toll_and_a_new_minister_are_credited_only_to_the_outlet_that_reported_them(seeds_plus_one):
    briefing = seeds_plus_one.brief("gaza", chat_id=5)
    credits = {i.text: sorted({c.source for c in i.citations}) for i in briefing.shown}
    new = {text: sources for text, sources in credits.items() if "44,200" in text or "Saar" in text}
    assert new and all(sources == ["Rome Wire"] for sources in new.values()), credits


@pytest.mark.parametrize(
    "text, expected",
    [
        ("killed more than 44,200 Palestinians", {"44200"}),
        ("his 11th trip since October 2023", {"11th"}),
        ("his fifth trip to the region", {"fifth"}),
        ("a ceasefire in 2024 was agreed", set()),
        ("since the attack on Oct. 7, 2023, 1,200 were killed", {"1200"}),
    ],
)
def test_figures_are_the_numbers_and_ordinals_a_sentence_states(text, expected):
    assert figures(text) == expected


def report(published="2024-10-22", figs=(), actors=(1,), article=(1, 2), days=("2024-10-22",)):
    return Report(published, frozenset(figs), frozenset(actors), frozenset(article), frozenset(days))


@pytest.mark.parametrize(
    "other, same",
    [
        (report(), True),
        (report(figs={"42600"}), False),  # another toll is another development
        (report(actors=(1, 3), article=(1, 3)), True),  # it names someone else too: it still reports this
        (report(article=(2, 3)), False),  # its article never names who the sentence is about
        (report(published="2024-10-30"), False),  # a week apart
        (report(published="2024-10-24"), True),  # two days apart
        (report(days={"2024-10-21"}), False),  # 'arrived on Tuesday' against 'headed there on Monday'
        (report(days=()), True),  # one says when, the other does not
    ],
)
def test_two_outlets_report_one_development_only_when_they_agree(other, same):
    assert same_report(report(), other) is same
