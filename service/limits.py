"""What users and the network may ask of the service: briefing lengths, counts, publication dates, fetch limits.

Kept apart and light on purpose (no NLP, no network library): the command line reads these without loading spaCy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from summarizer.dates import shift_day

# Briefing lengths, in sentences, and the most a user may ask for.
LENGTHS = {"short": 3, "medium": 5, "long": 8}
MAX_SENTENCES = 20
# Dates a timeline shows by default and at most.
DEFAULT_DATES = 8
MAX_DATES = 30
# Days a trend shows by default and at most.
DEFAULT_TREND_DAYS = 30
MAX_TREND_DAYS = 366
# Feeds fetched at the same time: one slow or hostile host holds up only its own feed.
FEEDS_AT_ONCE = 4
# Feeds the store polls at most: every one is fetched each poll, and /feeds list shows them all.
MAX_FEEDS = 500
# The earliest publication date believed: older stated dates are broken feeds (0001-01-01), not archives.
EARLIEST_PUBLISHED = date(1990, 1, 1)


def in_date_range(value: str, now: datetime | None = None) -> bool:
    """Whether an ISO date or timestamp is a plausible publication date: from 1990 to a day after ``now``."""
    try:
        day = date.fromisoformat(value[:10])
    except ValueError:
        return False
    today = (now or datetime.now(UTC)).date()
    return EARLIEST_PUBLISHED <= day <= shift_day(today, 1)


@dataclass(frozen=True)
class FetchPolicy:
    """Limits for outgoing requests."""

    timeout: float = 10.0
    max_bytes: int = 5_000_000
    allow_private: bool = False
