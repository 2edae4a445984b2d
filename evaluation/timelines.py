"""`briefbot eval timelines`: /timeline against journalists' timelines, with the standard TLS metrics (tilse)."""

from __future__ import annotations

import json
import random
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from spacy.language import Language

from evaluation.entities import outlet_of
from service.briefing import build_briefing
from service.ingest import ingest
from service.sources.raw import RawArticle
from service.timeline import build_timeline
from storage import articles as store
from storage.db import Database, open_database
from storage.records import Article

METRICS = ("date F1", "concat R1", "concat R2", "align R1", "align R2")


class EvaluationExtraMissing(RuntimeError):
    """tilse (the timeline metrics) is an evaluation extra, not a runtime dependency."""


def _tilse() -> tuple[Any, Any, Any]:
    try:
        from tilse.data import timelines
        from tilse.evaluation import dates, rouge
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise EvaluationExtraMissing(
            "the timeline metrics need the evaluation extra: run `make eval`, which installs requirements-eval.txt"
        ) from exc
    return timelines, dates, rouge


def _scores(predicted: dict[date, list[str]], reference: dict[date, list[str]]) -> np.ndarray:
    timelines, dates, rouge = _tilse()
    pred = timelines.Timeline(predicted)
    truth = timelines.GroundTruth([timelines.Timeline(reference)])
    evaluator = rouge.TimelineRougeEvaluator(measures=["rouge_1", "rouge_2"], rouge_computation="reimpl")
    concat = evaluator.evaluate_concat(pred, truth)
    align = evaluator.evaluate_align_date_content_costs_many_to_one(pred, truth)
    return np.array(
        [
            dates.evaluate_dates(pred, truth)["f_score"],
            concat["rouge_1"]["f_score"],
            concat["rouge_2"]["f_score"],
            align["rouge_1"]["f_score"],
            align["rouge_2"]["f_score"],
        ]
    )


def _first_sentence(db: Database, articles_by_day: dict[str, list[Article]], day: str) -> str:
    for article in sorted(articles_by_day.get(day, []), key=lambda a: a.id):
        rows = store.sentences_of(db, [article.id], 1)
        if rows:
            return rows[0].text
    return ""


def eval_timelines(topics_path: str | Path, nlp: Language, seed: int = 0) -> tuple[str, dict]:
    """Each topic's timelines against ours and three baselines, at the reference's number of dates, one sentence
    each."""
    _tilse()
    topics = [json.loads(line) for line in Path(topics_path).read_text("utf-8").splitlines() if line.strip()]
    db = open_database(":memory:")
    raws, ids = [], []
    for topic in topics:
        for doc_id, text, day in zip(topic["document_ids"], topic["documents"], topic["document_dates"]):
            raws.append(RawArticle(text, doc_id, published=day, source=outlet_of(topic["id"])))
            ids.append((topic["id"], doc_id))
    report = ingest(db, nlp, raws)
    article_of = {key: item.article_id for key, item in zip(ids, report.items) if item.article_id}
    rng = random.Random(seed)
    totals: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(len(METRICS)))
    count = 0
    for topic in topics:
        article_ids = sorted(
            {article_of[(topic["id"], d)] for d in topic["document_ids"] if (topic["id"], d) in article_of}
        )
        articles = [a for a in (store.get_article(db, i) for i in article_ids) if a]
        if not articles:
            continue
        by_day: dict[str, list[Article]] = defaultdict(list)
        for article in articles:
            by_day[article.published_at[:10]].append(article)
        for reference_timeline in topic["timelines"]:
            reference = {date.fromisoformat(e["date"][:10]): [e["summary"]] for e in reference_timeline["entries"]}
            n = len(reference)
            ours = build_timeline(db, "", n, articles=articles)
            busiest = sorted(by_day, key=lambda d: (-len(by_day[d]), d))[:n]
            random_days = rng.sample(sorted(by_day), min(n, len(by_day)))
            systems = {
                "random dates + first sentence": {d: _first_sentence(db, by_day, d) for d in random_days},
                "most-published dates + first sentence": {d: _first_sentence(db, by_day, d) for d in busiest},
                "most-published dates + sumy LexRank": {
                    d: " ".join(
                        i.text for i in build_briefing(db, length=1, method="sumy-lexrank", articles=by_day[d]).items
                    )
                    for d in busiest
                },
                "ours (/timeline)": {e.day: e.item.text for e in ours.entries},
            }
            for name, entries in systems.items():
                predicted = {date.fromisoformat(d): [t] for d, t in entries.items() if t}
                totals[name] += _scores(predicted, reference)
            count += 1
    db.close()
    lines = [
        "Timelines against the journalists' (Timeline17; reference's number of dates, one sentence per date)",
        f"{'method':<40}" + "".join(f"{m:>11}" for m in METRICS),
        "-" * (40 + 11 * len(METRICS)),
    ]
    data = {}
    for name, total in totals.items():
        mean = total / max(count, 1) * 100
        lines.append(f"{name:<40}" + "".join(f"{v:>11.2f}" for v in mean))
        data[name] = dict(zip(METRICS, (round(float(v), 2) for v in mean)))
    lines.append(
        f"({count} timelines; F1 x 100; tilse 0.2.1, ROUGE reimplementation; align = date-content costs, many-to-one)"
    )
    return "\n".join(lines), data
