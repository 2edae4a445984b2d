"""Credits that hold: an outlet is credited for a development only when its own article reports it."""

from __future__ import annotations

from collections.abc import Sequence

from storage import articles as store
from storage import entities as entity_store
from storage.db import Database
from storage.records import SentenceRow
from summarizer.credits import Report, figures, news_days, same_report

# The actors a development is about: people, organisations and places (not nationalities or events).
ACTOR_LABELS = ("PERSON", "ORG", "GPE", "LOC", "FAC")


def reports(
    db: Database,
    rows: Sequence[SentenceRow],
    actors: dict[int, dict[int, set[int]]] | None = None,
) -> list[Report]:
    """What each candidate sentence reports: its figures, actors, its article's actors and the dates it names
    (``actors``: ``entity_store.actors_by_article`` of the rows' articles, when the caller has it)."""
    if actors is None:
        actors = entity_store.actors_by_article(db, sorted({r.article_id for r in rows}), ACTOR_LABELS)
    days = store.days_named(db, [r.id for r in rows])
    # Everyone an article names, once per article (shared by its sentences' reports).
    everyone = {a: frozenset(e for named in found.values() for e in named) for a, found in actors.items()}
    result = []
    for row in rows:
        in_article = actors.get(row.article_id, {})
        result.append(
            Report(
                row.published_at,
                figures(row.text),
                frozenset(in_article.get(row.id, ())),
                everyone.get(row.article_id, frozenset()),
                news_days(days.get(row.id, set()), row.published_at),
            )
        )
    return result


def credible(groups: dict[int, set[int]], said: Sequence[Report]) -> dict[int, set[int]]:
    """``groups`` (index -> indexes of sentences said to report the same thing) kept only where the two reports
    agree on figures, actors, dates named and time (in one direction at least: which is shown is decided later,
    and every credit is checked again then)."""
    kept: dict[int, set[int]] = {}
    for i, others in groups.items():
        same = {j for j in others if same_report(said[i], said[j]) or same_report(said[j], said[i])}
        if same:
            kept[i] = same
    return kept
