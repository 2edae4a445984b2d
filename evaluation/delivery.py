"""What a reader receives on a dev run: furniture in shown sentences, the credits' precision, diff sizes.

One dev run replays the Timeline17 daily updates (each step diffs the new articles against what earlier steps
covered, at every length) and briefs every topic, through the same ingest, briefing and diff code as the bot;
``render`` turns a diff into the text the bot sends (the command line passes the bot's renderer).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from spacy.language import Language

from service.briefing import build_briefing
from service.changes import Changes, diff_articles
from service.credits import ACTOR_LABELS
from service.ingest import ingest
from service.results import BriefItem
from service.sources.raw import RawArticle
from storage import articles as store
from storage import entities as entity_store
from storage.db import Database, open_database
from storage.records import Article
from summarizer.credits import MAX_DAYS_APART, figures
from summarizer.furniture import CLASSES, furniture_class
from summarizer.nlp import load_pipeline

LENGTHS = ("short", "medium", "long")


@dataclass
class Step:
    """One dated journalist entry and what each length of our diff delivered for it."""

    topic: str
    reference: str
    firsts: list[str]
    diffs: dict[str, Changes]
    messages: dict[str, str]


@dataclass
class DevRun:
    """Everything a dev run delivered."""

    db: Database
    steps: list[Step] = field(default_factory=list)
    items: list[tuple[str, BriefItem]] = field(default_factory=list)  # (where, item) for every shown sentence
    lines: list[tuple[str, str]] = field(default_factory=list)  # (where, text): other verbatim text shown


def read_jsonl(path: str) -> list[dict]:
    """Every object of a JSONL file."""
    return [json.loads(line) for line in Path(path).read_text("utf-8").splitlines() if line.strip()]


def ingest_topics(
    topics: Sequence[dict[str, Any]],
    nlp: Language | None = None,
    needed: set[str] | None = None,
    per_article: bool = False,
) -> tuple[Database, dict[str, int]]:
    """A fresh in-memory store of the Timeline17 topics' articles (only ``needed`` ones when given), each dated and
    credited to its topic's outlet, or (``per_article``) to its own document id, so that crediting one article for
    another's sentence is put to the test; and the stored id of each document id."""
    db = open_database(":memory:")
    raws, ids = [], []
    for topic in topics:
        for doc_id, text, day in zip(topic["document_ids"], topic["documents"], topic["document_dates"]):
            if needed is None or doc_id in needed:
                source = doc_id if per_article else doc_id.split("/")[0]
                raws.append(RawArticle(text, doc_id, published=day, source=source))
                ids.append(doc_id)
    report = ingest(db, nlp or load_pipeline(), raws)
    return db, {doc_id: item.article_id for doc_id, item in zip(ids, report.items) if item.article_id}


def daily_updates(
    db: Database, updates: Sequence[dict], article_of: dict[str, int]
) -> Iterator[tuple[dict, list[Article]]]:
    """Each daily update, topic by topic and day by day, with its new stored articles, newest first (an update
    whose articles are all missing is left out)."""
    for update in sorted(updates, key=lambda u: (u["timeline_id"], u["date"])):
        article_ids = [article_of[d] for d in update["document_ids_since_previous"] if d in article_of]
        articles = sorted(
            (a for a in (store.get_article(db, i) for i in article_ids) if a),
            key=lambda a: (a.published_at, a.id),
            reverse=True,
        )
        if articles:
            yield update, articles


def dev_run(
    topics_path: str,
    updates_path: str,
    render: Callable[[Changes], str],
    nlp: Language | None = None,
    limit: int | None = None,
) -> DevRun:
    """Ingest the dev topics' articles, replay every daily update at every length, brief every topic."""
    topics = read_jsonl(topics_path)
    updates = read_jsonl(updates_path)[:limit]
    # Each Timeline17 topic comes from one outlet: every article counts as its own here, so a credit given to
    # another article than the sentence's own is checked like a credit to another outlet.
    db, article_of = ingest_topics(topics, nlp, per_article=True)
    run = DevRun(db)
    for topic in topics:
        articles = sorted(
            (a for a in (store.get_article(db, article_of[d]) for d in topic["document_ids"] if d in article_of) if a),
            key=lambda a: (a.published_at, a.id),
            reverse=True,
        )
        briefing = build_briefing(db, length="medium", articles=articles[:200])
        run.items += [(f"briefing {topic['id']}", i) for i in briefing.shown]
    covered: dict[str, set[int]] = defaultdict(set)
    shown: dict[str, set[int]] = defaultdict(set)
    for update, articles in daily_updates(db, updates, article_of):
        timeline = update["timeline_id"]
        firsts = [rows[0].text for rows in (store.sentences_of(db, [a.id], 1) for a in articles) if rows]
        diffs = {
            size: diff_articles(db, timeline, articles, covered[timeline], shown[timeline], size) for size in LENGTHS
        }
        where = f"diff {timeline} {update['date']}"
        for size, diff in diffs.items():
            run.items += [(f"{where} {size}", i) for i in diff.changes.developments]
            run.lines += [(f"{where} {size}", t) for n in diff.changes.updated_entities for _, t, _ in n.sentences]
            run.lines += [(f"{where} {size}", n.clause) for n in diff.changes.new_entities if n.clause]
        run.steps.append(
            Step(
                timeline,
                update["summary"],
                firsts,
                {k: d.changes for k, d in diffs.items()},
                {k: render(d.changes) for k, d in diffs.items()},
            )
        )
        covered[timeline] |= {a.id for a in articles}
        shown[timeline] |= diffs["medium"].sentences
    return run


def eval_junk(run: DevRun, cnndm_path: str | None = None, nlp: Language | None = None) -> tuple[str, dict]:
    """Shown sentences per furniture class over every briefing and diff of a dev run (and CNN/DM briefings)."""
    shown = [(where, i.text) for where, i in run.items] + run.lines
    if cnndm_path:
        rows = read_jsonl(cnndm_path)
        db = open_database(":memory:")
        report = ingest(
            db, nlp or load_pipeline(), (RawArticle(r["document"], r["id"], published="2015-01-01") for r in rows)
        )
        for item in report.items:
            article = store.get_article(db, item.article_id) if item.article_id else None
            if article:
                b = build_briefing(db, length=3, articles=[article])
                shown += [(f"cnndm {item.origin}", i.text) for i in b.items]
    counts: Counter[str] = Counter()
    examples: dict[str, list[str]] = defaultdict(list)
    for where, text in shown:
        kind = furniture_class(text)
        if kind:
            counts[kind] += 1
            examples[kind].append(f"{where}: {text[:160]}")
    lines = [
        f"Furniture in shown sentences ({len(shown)} shown over every briefing and diff)",
        f"{'class':<20}{'shown':>8}",
    ]
    lines += [f"{kind:<20}{counts[kind]:>8}" for kind in CLASSES]
    for kind in CLASSES:
        lines += [f"  {kind}: {e}" for e in examples[kind][:10]]
    return "\n".join(lines), {
        "shown": len(shown),
        "classes": {k: counts[k] for k in CLASSES},
        "examples": {k: v[:10] for k, v in examples.items()},
    }


def eval_credits(run: DevRun) -> tuple[str, dict]:
    """Every credit of a dev run checked against its outlet's whole article: it states the sentence's figures,
    names every person, organisation and place the sentence names, and was published within a few days."""
    db = run.db
    sentence_ids = sorted({i.sentence_id for _, i in run.items})
    actors = _actors_of_sentences(db, sentence_ids)
    checked = failures = shared = shared_failures = 0
    report: list[str] = []
    seen: set[tuple[int, int]] = set()
    article_actors: dict[int, set[int]] = {}
    article_text: dict[int, str] = {}
    for where, item in run.items:
        said = figures(item.text)
        day = date.fromisoformat(item.citations[0].published_at[:10])
        for citation in item.citations:
            if (item.sentence_id, citation.article_id) in seen:
                continue
            seen.add((item.sentence_id, citation.article_id))
            checked += 1
            if citation.article_id not in article_text:
                article_text[citation.article_id] = " ".join(
                    r.text for r in store.sentences_of(db, [citation.article_id])
                )
                found = entity_store.actors_by_article(db, [citation.article_id], ACTOR_LABELS)
                article_actors[citation.article_id] = {
                    e for named in found.get(citation.article_id, {}).values() for e in named
                }
            reasons = []
            missing = said - figures(article_text[citation.article_id])
            if missing:
                reasons.append("does not state " + ", ".join(sorted(missing)))
            if not actors.get(item.sentence_id, set()) <= article_actors[citation.article_id]:
                reasons.append("does not name everyone the sentence names")
            if abs((date.fromisoformat(citation.published_at[:10]) - day).days) > MAX_DAYS_APART:
                reasons.append(f"published {citation.published_at[:10]}, the sentence {day}")
            other = citation.article_id != item.citations[0].article_id
            shared += other
            if reasons:
                failures += 1
                shared_failures += other
                report.append(
                    f"{where}: {citation.source} ({citation.published_at[:10]}) for “{item.text[:120]}”: "
                    + "; ".join(reasons)
                )
    precision = 100.0 * (checked - failures) / checked if checked else 100.0
    shared_precision = 100.0 * (shared - shared_failures) / shared if shared else 100.0
    lines = [
        f"Credits checked: {checked}; held: {checked - failures}; precision {precision:.2f} %",
        f"of which credits to another article than the sentence's own: {shared}; held: {shared - shared_failures}; "
        f"precision {shared_precision:.2f} %",
        *report,
    ]
    return "\n".join(lines), {
        "checked": checked,
        "failures": failures,
        "precision": round(precision, 2),
        "shared": shared,
        "shared_failures": shared_failures,
        "shared_precision": round(shared_precision, 2),
        "failed": report,
    }


def _actors_of_sentences(db: Database, sentence_ids: Sequence[int]) -> dict[int, set[int]]:
    rows = store.sentences_by_id(db, sentence_ids)
    found = entity_store.actors_by_article(db, sorted({r.article_id for r in rows}), ACTOR_LABELS)
    return {r.id: found.get(r.article_id, {}).get(r.id, set()) for r in rows}


def diff_sizes(run: DevRun) -> tuple[str, dict]:
    """Words per delivered diff (mean, p95, max) at each length, and sentences repeated inside one message."""
    data: dict = {}
    lines = [f"{'length':<8}{'diffs':>7}{'mean':>8}{'p95':>8}{'max':>8}{'repeated':>10}"]
    for size in LENGTHS:
        words = [len(s.messages[size].split()) for s in run.steps if not s.diffs[size].is_empty]
        repeated = sum(_repeats(s.diffs[size]) for s in run.steps)
        stats = (
            float(np.mean(words)) if words else 0.0,
            float(np.percentile(words, 95)) if words else 0.0,
            max(words, default=0),
        )
        data[size] = {
            "diffs": len(words),
            "mean": round(stats[0], 1),
            "p95": round(stats[1], 1),
            "max": stats[2],
            "repeated": repeated,
        }
        lines.append(f"{size:<8}{len(words):>7}{stats[0]:>8.1f}{stats[1]:>8.1f}{stats[2]:>8}{repeated:>10}")
    return "Words per delivered diff (the rendered message)\n" + "\n".join(lines), data


def _repeats(changes: Changes) -> int:
    """Sentences said twice in one message: a line equal to, or quoted whole inside, another line."""
    texts = [i.text for i in changes.developments] + [t for n in changes.updated_entities for _, t, _ in n.sentences]
    clauses = [n.clause for n in changes.new_entities if n.clause]
    repeated = len(texts) - len(set(texts))
    repeated += sum(1 for c in clauses if any(c.rstrip(" …") in t for t in texts))
    return repeated
