"""ROUGE evaluation of briefings against baselines, through the same ingest and briefing code the bot uses."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from rouge_score import rouge_scorer

from evaluation.delivery import daily_updates, dev_run, diff_sizes, eval_credits, eval_junk, ingest_topics, read_jsonl
from service.briefing import build_briefing
from service.changes import Changes, diff_articles
from service.ingest import ingest
from service.results import Briefing
from service.sources.raw import RawArticle
from storage import articles as store
from storage.db import open_database
from storage.records import SentenceRow
from summarizer import ranking
from summarizer.nlp import load_pipeline
from summarizer.words import ranking_words

SUMMARY_METHODS = ["lead", "sumy-lexrank", "lexrank", "textrank", "lsa", "luhn", "sumbasic", "kl", "news"]
METRICS = ("rouge1", "rouge2", "rougeL")


def _scorer() -> rouge_scorer.RougeScorer:
    return rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)


def _mean_f(scorer: rouge_scorer.RougeScorer, references: Sequence[str], summary: str) -> np.ndarray:
    scores = [scorer.score(ref, summary) for ref in references]
    means: np.ndarray = np.mean([[s[m].fmeasure for m in METRICS] for s in scores], axis=0)
    return means


def _table(title: str, results: dict[str, np.ndarray], count: int) -> str:
    lines = [title, f"{'method':<48}{'R1':>8}{'R2':>8}{'RL':>8}", "-" * 72]
    for name, total in results.items():
        r1, r2, rl = total / max(count, 1) * 100
        lines.append(f"{name:<48}{r1:>8.2f}{r2:>8.2f}{rl:>8.2f}")
    lines.append(f"({count} items; ROUGE F1 with stemming, averaged over references)")
    return "\n".join(lines)


def _json(results: dict[str, np.ndarray], count: int) -> dict:
    return {
        name: dict(zip(("R1", "R2", "RL"), (round(float(v), 2) for v in total / max(count, 1) * 100)))
        for name, total in results.items()
    }


def eval_summaries(path: str, limit: int | None = None) -> tuple[str, dict]:
    """3-sentence single-document summaries of CNN/DailyMail articles against 11 references each."""
    rows = [json.loads(line) for line in Path(path).read_text("utf-8").splitlines() if line.strip()][:limit]
    db = open_database(":memory:")
    report = ingest(db, load_pipeline(), (RawArticle(r["document"], r["id"], published="2015-01-01") for r in rows))
    scorer = _scorer()
    results: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(3))
    count = 0
    for row, item in zip(rows, report.items):
        if item.article_id is None:
            continue
        article = store.get_article(db, item.article_id)
        if article is None:
            continue
        count += 1
        for method in SUMMARY_METHODS:
            b = build_briefing(db, length=3, method=method, articles=[article])
            summary = "\n".join(i.text for i in sorted(b.items, key=lambda i: i.sentence_id))
            results[method] += _mean_f(scorer, row["summaries"], summary)
    named = {("ours (news: position + centrality)" if k == "news" else k): v for k, v in results.items()}
    return _table("Single-document summaries (3 sentences)", named, count), _json(named, count)


def _cut(text: str, words: int) -> str:
    """The first ``words`` words of a text: every system is held to the reference's length."""
    return " ".join(text.split()[:words])


def redundancy(texts: Sequence[Sequence[str]]) -> tuple[float, float]:
    """Mean and maximum tf-idf cosine between the sentences one summary selected (word tokens given)."""
    if len(texts) < 2:
        return 0.0, 0.0
    matrix = ranking.similarity_matrix([ranking_words(t) for t in texts]).toarray()
    pairs = [matrix[i, j] for i in range(len(texts)) for j in range(i + 1, len(texts))]
    return float(np.mean(pairs)), float(np.max(pairs))


def eval_updates(topics_path: str, updates_path: str, limit: int | None = None) -> tuple[str, dict]:
    """What changed since the last update, on Timeline17: the delivered diff text against the journalists' entries.

    Each step diffs the articles published since the previous entry against everything covered before, knowing
    what earlier steps delivered; every system is cut to the reference's length in words.
    """
    updates = read_jsonl(updates_path)[:limit]
    needed = {d for u in updates for d in u["document_ids_since_previous"]}
    db, article_of = ingest_topics(read_jsonl(topics_path), needed=needed)
    scorer = _scorer()
    results: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(3))
    spread: dict[str, list[tuple[float, float]]] = defaultdict(list)
    full: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(3))
    full_words: list[int] = []
    seen: dict[str, list[SentenceRow]] = defaultdict(list)
    covered: dict[str, set[int]] = defaultdict(set)
    shown: dict[str, set[int]] = defaultdict(set)
    count = 0
    for update, articles in daily_updates(db, updates, article_of):
        timeline = update["timeline_id"]
        count += 1
        reference = update["summary"]
        words = len(reference.split())
        firsts = [store.sentences_of(db, [a.id], 2) for a in articles]
        briefing = build_briefing(db, length=5, articles=articles, seen=seen[timeline])
        before = build_briefing(db, length=5, articles=articles, seen=seen[timeline], developments=False)
        diff = diff_articles(db, timeline, articles, covered[timeline], shown[timeline])
        systems = {
            "first 2 sentences of the newest article": " ".join(s.text for s in firsts[0][:2]),
            "first sentence of each new article": " ".join(f[0].text for f in firsts if f),
            "sumy LexRank over the new articles": _text(
                build_briefing(db, length=5, method="sumy-lexrank", articles=articles)
            ),
            "ours before this change: briefing with novelty": _text(before),
            "ours: briefing with novelty": _text(briefing),
            "ours: delivered what-changed text": " ".join(diff.changes.shown_text()),
        }
        for name, summary in systems.items():
            results[name] += _mean_f(scorer, [reference], _cut(summary, words))
        # Uncut: what the reader receives, against the same number of words of the new articles' first sentences.
        delivered = " ".join(diff.changes.shown_text())
        full["ours: delivered what-changed text, uncut"] += _mean_f(scorer, [reference], delivered)
        full["first sentence of each new article, same length"] += _mean_f(
            scorer, [reference], _cut(systems["first sentence of each new article"], len(delivered.split()))
        )
        full_words.append(len(delivered.split()))
        spread["ours before this change: briefing with novelty"].append(
            redundancy([store.sentences_by_id(db, [i.sentence_id])[0].tokens for i in before.items])
        )
        spread["ours: briefing with novelty"].append(
            redundancy([store.sentences_by_id(db, [i.sentence_id])[0].tokens for i in briefing.items])
        )
        spread["ours: delivered what-changed text"].append(
            redundancy([store.sentences_by_id(db, [i.sentence_id])[0].tokens for i in diff.changes.developments])
        )
        seen[timeline].extend(store.sentences_by_id(db, [i.sentence_id for i in briefing.items]))
        covered[timeline] |= {a.id for a in articles}
        shown[timeline] |= diff.sentences
    table = _table(
        "What changed since the last update (Timeline17; each cut to the reference's length)", results, count
    )
    table += "\n" + "\n".join(
        f"redundancy of {name}: mean {np.mean([m for m, _ in v]):.3f}, max {np.mean([x for _, x in v]):.3f}"
        for name, v in spread.items()
    )
    table += "\n\n" + _table(
        f"Full length: the delivered text uncut (mean {np.mean(full_words or [0]):.0f} words)", full, count
    )
    data = _json(results, count)
    data["full_length"] = _json(full, count)
    data["redundancy"] = {
        name: {"mean": round(float(np.mean([m for m, _ in v])), 4), "max": round(float(np.mean([x for _, x in v])), 4)}
        for name, v in spread.items()
    }
    return table, data


def _text(briefing: Briefing) -> str:
    return " ".join(i.text for i in briefing.items)


def run_eval(
    kind: str, files: Sequence[str], limit: int | None = None, render: Callable[[Changes], str] | None = None
) -> tuple[str, dict]:
    """Dispatch `briefbot eval summaries FILE`, `eval updates TOPICS UPDATES` and `eval junk|credits|delivery
    TOPICS UPDATES [CNNDM]` (what a reader receives on a dev run, rendered by ``render``)."""
    if kind == "summaries":
        return eval_summaries(files[0], limit)
    if kind in {"junk", "credits", "delivery"}:
        if len(files) < 2:
            raise ValueError(f"eval {kind} needs TOPICS_FILE and UPDATES_FILE (and, for junk, the CNN/DM file)")
        run = dev_run(files[0], files[1], render or (lambda c: " ".join(c.shown_text())), limit=limit)
        parts = []
        if kind in {"junk", "delivery"}:
            parts.append(eval_junk(run, files[2] if len(files) > 2 else None))
        if kind in {"credits", "delivery"}:
            parts.append(eval_credits(run))
        if kind == "delivery":
            parts.append(diff_sizes(run))
        return "\n\n".join(t for t, _ in parts), {
            k: d for (_, d), k in zip(parts, ("junk", "credits", "sizes"))
        } if kind == "delivery" else parts[0][1]
    if len(files) < 2:
        raise ValueError("eval updates needs TOPICS_FILE and UPDATES_FILE")
    return eval_updates(files[0], files[1], limit)
