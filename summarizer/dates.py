"""Dates a sentence mentions, normalised against the article's publication date ('on 25 May', 'on Tuesday')."""

from __future__ import annotations

import re
from datetime import date, timedelta

MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ]
    )
    for m in names
}
WEEKDAYS = {d: i for i, d in enumerate("monday tuesday wednesday thursday friday saturday sunday".split())}
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s+(?P<year>(?:19|20)\d\d))?"
DAY_MONTH = re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}{_YEAR}\b", re.IGNORECASE)
MONTH_DAY = re.compile(rf"\b{_MONTH}\s+{_DAY}\b{_YEAR}", re.IGNORECASE)
WEEKDAY = re.compile(
    r"\b(?P<cue>on|last|this|next|since|from|until|by|late|early)\s+(?P<weekday>" + "|".join(WEEKDAYS) + r")\b",
    re.IGNORECASE,
)
RELATIVE = re.compile(
    r"\b(?P<word>yesterday|today|tonight|this morning|this afternoon|this evening|last night)\b", re.IGNORECASE
)
RELATIVE_DAYS = {
    "yesterday": -1,
    "last night": -1,
    "today": 0,
    "tonight": 0,
    "this morning": 0,
    "this afternoon": 0,
    "this evening": 0,
}
# A weekday after these words, in the same clause, is ahead of publication ('will leave on Thursday').
FUTURE = re.compile(
    r"\b(?:will|shall|(?:is|are|was|were)\s+(?:expected|due|set|scheduled|slated|planning|going)\s+to|"
    r"expected to|due to|plans? to|scheduled to|is to|are to|would)\b[^.;,]*$",
    re.IGNORECASE,
)
# A date more than this far from publication is history ('the 1918 pandemic'), not news of the story.
MAX_DISTANCE = timedelta(days=400)


def shift_day(day: date, days: int) -> date:
    """``day`` moved by ``days``, held at the calendar's ends (0001-01-01, 9999-12-31) instead of overflowing."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min


def _resolve(month: int, day: int, year: int | None, published: date) -> date | None:
    """A day and month without a year is the nearest such date to publication (news looks back, a little ahead)."""
    try:
        if year is not None:
            return date(year, month, day)
        candidates = [date(published.year + k, month, day) for k in (-1, 0, 1)]
    except ValueError:
        return None
    return min(candidates, key=lambda d: abs((d - published).days) + (30 if d > published else 0))


def mentioned_dates(text: str, published: date) -> list[date]:
    """Every date the text names, resolved against ``published``; a weekday is the latest such day up to it, or
    the next one after it when the clause speaks of the future ('will leave on Thursday', 'next Thursday')."""
    found: list[date] = []
    for pattern in (DAY_MONTH, MONTH_DAY):
        for match in pattern.finditer(text):
            year = int(match.group("year")) if match.group("year") else None
            day = _resolve(MONTHS[match.group("month").casefold()], int(match.group("day")), year, published)
            if day is not None:
                found.append(day)
    for match in WEEKDAY.finditer(text):
        weekday = WEEKDAYS[match.group("weekday").casefold()]
        ahead = match.group("cue").casefold() == "next" or (
            match.group("cue").casefold() in {"on", "by", "until", "this"} and FUTURE.search(text[: match.start()])
        )
        if ahead:
            found.append(shift_day(published, (weekday - published.weekday() - 1) % 7 + 1))
        else:
            found.append(shift_day(published, -((published.weekday() - weekday) % 7)))
    for match in RELATIVE.finditer(text):
        found.append(shift_day(published, RELATIVE_DAYS[match.group("word").casefold()]))
    return sorted({d for d in found if abs(d - published) <= MAX_DISTANCE})
