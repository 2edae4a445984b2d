"""Briefings: ranked, de-duplicated, source-attributed sentences from stored articles (no spaCy at query time)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from service.credits import credible, reports
from service.results import Briefing, BriefItem
from service.selection import (
    Scored,
    best_items,
    candidates_for,
    fact_groups,
    find_articles,
    no_match_message,
    novel_ids,
    on_topic,
    rank,
    select_items,
    sentence_count,
    top_entities,
)
from storage import articles as store
from storage.db import Database
from storage.records import Article, SentenceRow
from summarizer.dates import shift_day
from summarizer.registry import DEFAULT_METHOD, get_summarizer

# A topic briefing opens with the newest days' developments; earlier days follow as background, one sentence
# per day for the busiest days.
LATEST_DAYS = 2
# 'The latest' holds at least this many articles, even when the newest days had fewer.
LATEST_MIN_ARTICLES = 3
BACKGROUND_DAYS = 3


def build_briefing(
    db: Database,
    topic: str | None = None,
    since: str | None = None,
    length: str | int | None = None,
    method: str = DEFAULT_METHOD,
    articles: Sequence[Article] | None = None,
    seen: Sequence[SentenceRow] = (),
    developments: bool = True,
    memo: dict[tuple, Scored] | None = None,
) -> Briefing:
    """A briefing on a topic (full-text query or entity name) or on the top stories, within a time window.

    ``developments=False`` ranks and selects as briefbot did before developments were clustered and the newest
    put first (for the evaluation's before/after comparison). ``memo`` keeps the candidates' scoring for the same
    briefing at other lengths.
    """
    get_summarizer(method)  # fail fast on an unknown method name
    topic = (topic or "").strip()
    briefing = Briefing(topic=topic, since=since, method=method)
    if articles is None:
        articles = find_articles(db, topic, since)
    if not articles:
        briefing.message = no_match_message(db, topic, since)
        return briefing
    rows = candidates_for(db, articles)
    if seen:
        # Knowing what was delivered before: only sentences that are not paraphrases of it.
        fresh = novel_ids(rows, seen)
        rows = [r for r in rows if r.id in fresh] or rows
    briefing.article_ids = [a.id for a in articles]
    if not rows:
        briefing.message = "The matching articles have no sentences to brief from."
        return briefing
    count = sentence_count(length)
    article_ids = [a.id for a in articles]
    days = sorted({r.published_at[:10] for r in rows})
    if method == DEFAULT_METHOD and len(days) > 1 and developments:
        # What is happening now, then how we got here.
        # 'The latest' is the newest coverage that is about the topic: an article that names it only in passing
        # (a business round-up that mentions an oil spill) does not open a briefing on it.
        focused = on_topic(rows, articles, topic)
        cutoff = latest_cutoff(focused or articles)
        focused_ids = {a.id for a in focused} if focused else set(article_ids)
        latest = [r for r in rows if r.published_at[:10] >= cutoff and r.article_id in focused_ids]
        briefing.items = best_items(db, latest, count, newest_first=True, topic=topic, memo=memo)
        earlier = [r for r in rows if r.published_at[:10] < cutoff]
        briefing.background = _background(db, earlier, briefing.items, topic, memo)
    else:
        said = reports(db, rows)
        same_fact = fact_groups(db, article_ids, [r.id for r in rows])
        scores, similarity = rank(rows, method, credible(same_fact, said), count)
        briefing.items = select_items(rows, scores, similarity, count, same_fact, said=said)
    briefing.entities = top_entities(db, briefing.article_ids)
    return briefing


def latest_cutoff(articles: Sequence[Article]) -> str:
    """The first day of 'the latest': the newest days of coverage, reaching back far enough for a few articles."""
    days = sorted((a.published_at[:10] for a in articles), reverse=True)
    window = shift_day(date.fromisoformat(days[0]), -(LATEST_DAYS - 1)).isoformat()
    return min(window, days[min(LATEST_MIN_ARTICLES, len(days)) - 1])


def _background(
    db: Database,
    rows: Sequence[SentenceRow],
    shown: Sequence[BriefItem],
    topic: str = "",
    memo: dict[tuple, Scored] | None = None,
) -> list[tuple[str, list[BriefItem]]]:
    """The busiest earlier days, oldest first, each with its best sentence that repeats nothing shown."""
    if not rows:
        return []
    by_day: dict[str, list[SentenceRow]] = defaultdict(list)
    for row in rows:
        by_day[row.published_at[:10]].append(row)
    busiest = sorted(by_day, key=lambda d: (-len({r.article_id for r in by_day[d]}), d), reverse=False)
    chosen_rows = store.sentences_by_id(db, [i.sentence_id for i in shown])
    out: list[tuple[str, list[BriefItem]]] = []
    for day in busiest:
        if len(out) >= BACKGROUND_DAYS:
            break
        fresh = novel_ids(by_day[day], chosen_rows)
        day_rows = [r for r in by_day[day] if r.id in fresh]
        if not day_rows:
            continue
        items = best_items(db, day_rows, 1, topic=topic, memo=memo)
        out.append((day, items))
        chosen_rows += store.sentences_by_id(db, [i.sentence_id for i in items])
    return sorted(out)
