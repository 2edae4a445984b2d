"""When two outlets report the same development: the same figures, the same actors, days apart at most."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

# Outlets publishing within this many days of each other can report one development.
MAX_DAYS_APART = 3
ORDINALS = frozenset(
    """first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth fourteenth
    fifteenth sixteenth seventeenth eighteenth nineteenth twentieth""".split()
)
NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?(?:st|nd|rd|th)?\b")
YEAR = re.compile(r"^(?:19|20)\d\d$")


MONTH_NAME = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|"
    r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
DATE = re.compile(rf"\b{MONTH_NAME}\s+\d{{1,2}}(?:st|nd|rd|th)?\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTH_NAME}")
# Days named this close to publication say when the development happened; older ones are background.
NEWS_DAYS = 7


@lru_cache(maxsize=1 << 15)  # a sentence is reported again for every mark and briefing it is a candidate of
def figures(text: str) -> frozenset[str]:
    """The figures a sentence states: numbers (not years, not days of a date) and ordinals, without separators."""
    text = DATE.sub(" ", text)
    found = {m.group().replace(",", "") for m in NUMBER.finditer(text)}
    found = {f for f in found if not YEAR.match(f)}
    found |= {w for w in re.findall(r"[a-z]+", text.lower()) if w in ORDINALS}
    return frozenset(found)


@dataclass(frozen=True, slots=True)
class Report:
    """What one outlet's sentence says, for deciding whether it reports the same development as another."""

    published_at: str
    figures: frozenset[str]
    actors: frozenset[int]  # the people, organisations and places the sentence names
    article_actors: frozenset[int]  # everyone its article names
    days: frozenset[str]  # the dates the sentence names (resolved 'on Tuesday') near its publication


def same_report(a: Report, b: Report, max_days: int = MAX_DAYS_APART) -> bool:
    """Whether ``b``'s outlet may be credited for ``a``'s sentence (the one shown).

    Both state the same figures, ``b``'s article names every actor ``a`` names, they do not name different days,
    and they were published at most ``max_days`` apart (a new toll, a new minister or a new day is news).
    """
    apart = abs(date.fromisoformat(a.published_at[:10]) - date.fromisoformat(b.published_at[:10])).days
    if apart > max_days or a.figures != b.figures:
        return False
    if not a.actors <= b.article_actors:
        return False
    # Both say when, on different days ('arrived on Tuesday' against 'headed to the region on Monday'): not the same.
    return not (a.days and b.days) or bool(a.days & b.days)


def news_days(days: set[str] | frozenset[str], published: str) -> frozenset[str]:
    """The named days within a week of publication: when the development happened, not its background."""
    when = date.fromisoformat(published[:10])
    return frozenset(d for d in days if abs((date.fromisoformat(d) - when).days) <= NEWS_DAYS)
