"""Ingest throughput against raw spaCy throughput on the same texts, and peak memory (a benchmark, not a test).

Usage: python bench/ingest.py [--articles N] [--corpus PATH_TO_t17_dev_topics.jsonl]
Prints end-to-end ingest tokens/s and articles/s, raw nlp.pipe tokens/s on the same cleaned texts with the
same batching and processes, their ratio (target >= 0.8) and peak RSS (target < 500 MB).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service.ingest import ingest  # noqa: E402
from service.sources.raw import RawArticle  # noqa: E402
from storage.db import open_database  # noqa: E402
from summarizer.analysis import BATCH_SIZE, PARALLEL_MIN_PARAGRAPHS, chunks  # noqa: E402
from summarizer.nlp import load_pipeline, words  # noqa: E402
from summarizer.text import clean_article  # noqa: E402


def corpus(path: Path, limit: int) -> list[RawArticle]:
    """Timeline17 articles when available, else the seeds repeated with small variations."""
    items: list[RawArticle] = []
    if path.is_file():
        for line in path.read_text("utf-8").splitlines():
            topic = json.loads(line)
            for doc_id, text, day in zip(topic["document_ids"], topic["documents"], topic["document_dates"]):
                items.append(RawArticle(text, doc_id, published=day, source=doc_id.split("/")[0]))
        return items[:limit]
    seeds = sorted((ROOT / "seeds").glob("*.txt"))
    for i in range(limit):
        text = seeds[i % len(seeds)].read_text()
        items.append(RawArticle(f"Update {i}: officials gave new figures on day {i}.\n" + text, f"seed-variant-{i}"))
    return items


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=400)
    parser.add_argument("--pairs", type=int, default=3, help="alternating ingest/raw pairs (at least 3 for a ratio)")
    parser.add_argument("--corpus", default=str(ROOT.parent / "shared" / "eval" / "t17_dev_topics.jsonl"))
    args = parser.parse_args()
    items = corpus(Path(args.corpus), args.articles)
    nlp = load_pipeline()
    paragraphs = [clean_article(i.text, i.title).paragraphs for i in items]
    # Exactly the texts ingest gives spaCy: cleaned paragraphs in chunks, same batch size and processes.
    flat = [piece for ps in paragraphs for p in ps for _, piece in chunks(p)]
    n_process = 2 if len(flat) >= PARALLEL_MIN_PARAGRAPHS else 1

    ratios, peak_self = [], 0.0
    for pair in range(args.pairs):  # alternating ingest and raw runs: the machine is shared and noisy
        with tempfile.TemporaryDirectory() as tmp:
            db = open_database(Path(tmp) / "bench.db")
            start, cpu = time.perf_counter(), time.process_time()
            report = ingest(db, nlp, items)
            seconds, ingest_cpu = time.perf_counter() - start, time.process_time() - cpu
            db.close()
        if pair == 0:  # peak memory of ingestion itself, read before any raw pass runs
            peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        start, cpu = time.perf_counter(), time.process_time()
        raw_tokens = sum(
            len(words(t.text for t in doc)) for doc in nlp.pipe(flat, batch_size=BATCH_SIZE, n_process=n_process)
        )
        raw_seconds, raw_cpu = time.perf_counter() - start, time.process_time() - cpu
        ratios.append((report.tokens / seconds) / (raw_tokens / raw_seconds))

    peak_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    stored = report.count("new") + report.count("near-duplicate")
    print(f"corpus: {len(items)} articles, {len(flat)} spaCy texts, {raw_tokens:,} word tokens, n_process={n_process}")
    print(f"ingest result: {report.summary()}")
    for item in report.items:
        if item.status == "failed":
            print(f"  failed: {item.origin}: {item.reason}")
    print(
        f"raw nlp.pipe:   {raw_seconds:8.2f} s  {raw_tokens / raw_seconds:10,.0f} tokens/s  "
        f"{len(items) / raw_seconds:8.1f} articles/s"
    )
    print(
        f"ingest (e2e):   {seconds:8.2f} s  {report.tokens / seconds:10,.0f} tokens/s  "
        f"{stored / seconds:8.1f} articles/s"
    )
    print(f"main-process CPU: ingest {ingest_cpu:.1f} s, raw {raw_cpu:.1f} s (the rest runs in the spaCy workers)")
    print(
        f"ratio ingest/raw (tokens/s) per pair: {', '.join(f'{r:.3f}' for r in ratios)}; "
        f"median {statistics.median(ratios):.3f}  (target >= 0.8; the last pair's times above)"
    )
    print(f"peak RSS: main process {peak_self:.0f} MB (target < 500 MB); largest spaCy worker {peak_children:.0f} MB")


if __name__ == "__main__":
    main()
