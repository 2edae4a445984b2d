"""Changed figures: a measure of one subject or place that the new articles give a new value for, with every value
in date order and its source."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from service.results import Citation
from storage import entities as entity_store
from storage.db import Database
from storage.records import FactRow
from summarizer.entities import alias_key
from summarizer.facts import WORLD

MAX_FACT_VALUES = 5
# Values of one measure this many days apart may belong to different episodes (see _latest_run).
MAX_FACT_GAP_DAYS = 21


@dataclass
class FactChange:
    """One measure for one subject or place reported with a new value: every value in date order, with sources."""

    attribute: str
    subject: str | None
    values: list[tuple[str, Citation]]
    scope: str | None = None  # the place the values hold for ('Haiti', 'worldwide')

    def line(self) -> str:
        """'Antony Blinken — trips to the region: fourth → fifth' as plain text, without credits."""
        subject = f"{self.subject} — " if self.subject else ""
        return f"{subject}{self.attribute}{self.where}: " + " → ".join(v for v, _ in self.values)

    @property
    def where(self) -> str:
        """' in Haiti', ' worldwide', or '' when the values hold for no one place."""
        if not self.scope:
            return ""
        return " worldwide" if self.scope == "worldwide" else f" in {self.scope}"


GENERIC_PLACE_WORDS = frozenset("strip region province governorate district territory territories county area".split())


def _fact_key(fact: FactRow, scopes: dict[str, str]) -> tuple | None:
    """What makes two values comparable: the same measure of the same subject or place. None: not comparable.

    ``scopes`` maps a stored scope to its place key, so 'Gaza' and 'the Gaza Strip' are one place.
    """
    if fact.subject_id is None and not fact.scope:
        return None
    return (fact.subject_id, fact.attribute, scopes.get(fact.scope, fact.scope))


def _place_keys(db: Database, facts: list[FactRow]) -> dict[str, str]:
    keys = {}
    for scope in {f.scope for f in facts if f.scope.isdigit()}:
        entity = entity_store.get_entity(db, int(scope))
        if entity is not None:
            words = [w for w in alias_key(entity.name).split() if w not in GENERIC_PLACE_WORDS]
            keys[scope] = " ".join(words) or scope
    return keys


def _scope_name(db: Database, scope: str) -> str | None:
    if not scope:
        return None
    if scope == WORLD:
        return "worldwide"
    entity = entity_store.get_entity(db, int(scope)) if scope.isdigit() else None
    return entity.name if entity else None


def fact_changes(db: Database, old: list[FactRow], new: list[FactRow]) -> list[FactChange]:
    """Measures whose value in the new articles differs from what the covered articles said.

    Values are paired only within one measure of one subject or place (a toll in Haiti is never set beside a toll
    elsewhere, UK cases never beside cases worldwide) and shown in publication order, ranges as written.
    """
    scopes = _place_keys(db, old + new)
    names: dict[str, str] = {}
    history: dict[tuple, list[FactRow]] = defaultdict(list)
    for fact in old:
        if (key := _fact_key(fact, scopes)) is not None:
            history[key].append(fact)
    arrived: dict[tuple, list[FactRow]] = defaultdict(list)
    for fact in new:
        if (key := _fact_key(fact, scopes)) is not None:
            arrived[key].append(fact)
            names.setdefault(key[2], fact.scope)
    changes = []
    for key, facts in arrived.items():
        before = _by_day(history.get(key, []))
        if not before:
            continue
        fresh = [f for f in _by_day(facts) if f.number != before[-1].number]
        if not fresh:
            continue
        values: list[tuple[str, Citation]] = []
        last = None
        series = _latest_run(sorted(before[-2:] + fresh, key=lambda f: (f.published_at, f.article_id)))
        for fact in series[-MAX_FACT_VALUES:]:
            if fact.number == last:
                continue
            last = fact.number
            values.append((fact.value, Citation(fact.source, fact.published_at, fact.url, fact.article_id, "")))
        if len(values) < 2:
            continue  # a value that only repeats what was said is no change
        subject = entity_store.get_entity(db, key[0]) if key[0] else None
        changes.append(FactChange(key[1], subject.name if subject else None, values, _scope_name(db, names[key[2]])))
    return changes


def _latest_run(series: list[FactRow]) -> list[FactRow]:
    """The values of the latest episode: after weeks of silence, a count that falls to under half or jumps a
    hundredfold belongs to another event (January's quake deaths are not June's rig deaths) and is not chained
    to the old values. A toll that keeps rising over months stays one series."""
    start = 0
    for i in range(1, len(series)):
        gap = date.fromisoformat(series[i].published_at[:10]) - date.fromisoformat(series[i - 1].published_at[:10])
        before, after = series[i - 1].number, series[i].number
        unlike = before > 0 and (after < before / 2 or after > before * 100)
        if gap.days > MAX_FACT_GAP_DAYS and unlike:
            start = i
    return series[start:]


def _by_day(facts: list[FactRow]) -> list[FactRow]:
    """One value per publication day, oldest first: each article's first statement, the day's latest article."""
    first_in_article: dict[int, FactRow] = {}
    for fact in sorted(facts, key=lambda f: (f.published_at, f.article_id, f.sentence_id)):
        first_in_article.setdefault(fact.article_id, fact)
    per_day: dict[str, FactRow] = {}
    for fact in first_in_article.values():
        per_day[fact.published_at[:10]] = fact
    return [per_day[day] for day in sorted(per_day)]
