"""LexRank speed (sumy's against ours) and /brief latency on a 1,000-article store (a benchmark, not a test).

Usage: python bench/summarize.py [--corpus PATH_TO_t17_dev_topics.jsonl] [--runs N]
Targets: ours >= 100x sumy's LexRank at 800 sentences (warm); /brief p95 < 300 ms; /timeline p95 < 500 ms.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence  # noqa: E402
from sumy.summarizers.lex_rank import LexRankSummarizer  # noqa: E402

from service.app import Service  # noqa: E402
from service.ingest import ingest  # noqa: E402
from service.sources.raw import RawArticle  # noqa: E402
from service.timeline import build_timeline  # noqa: E402
from storage import articles as store  # noqa: E402
from storage import entities as entity_store  # noqa: E402
from storage.db import open_database, transaction  # noqa: E402
from summarizer.lexrank import FastLexRankSummarizer  # noqa: E402
from summarizer.nlp import StoredTokenizer, load_pipeline, stemmer, stop_words  # noqa: E402


def configured(cls):
    summarizer = cls(stemmer("english"))
    summarizer.stop_words = stop_words("english")
    return summarizer


def timed(fn, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def load_articles(path: Path, limit: int) -> list[RawArticle]:
    items = []
    for line in path.read_text("utf-8").splitlines():
        topic = json.loads(line)
        for doc_id, text, day in zip(topic["document_ids"], topic["documents"], topic["document_dates"]):
            items.append(RawArticle(text, doc_id, published=day, source=doc_id.split("/")[0]))
    random.Random(1).shuffle(items)
    return items[:limit]


def grow_store(db, target: int) -> None:
    """Copy stored articles (with sentences, mentions and facts) under new ids until the store has ``target``."""
    originals = store.matching_articles(db, limit=10_000)
    copy = 0
    with transaction(db):
        while store.count_articles(db) < target:
            source = originals[copy % len(originals)]
            copy += 1
            rows = store.sentences_of(db, [source.id])
            article_id = store.insert_article(
                db,
                {
                    "url": None,
                    "title": source.title,
                    "source": f"{source.source}-copy{copy % 7}",
                    "published_at": source.published_at,
                    "ingested_at": source.ingested_at,
                    "text": " ".join(r.text for r in rows),
                    "content_hash": f"copy-{copy}",
                    "signature": "",
                },
                [],
            )
            ids = store.insert_sentences(
                db,
                article_id,
                [
                    {"position": r.position, "text": r.text, "start": 0, "end": len(r.text), "tokens": list(r.tokens)}
                    for r in rows
                ],
            )
            by_old = {r.id: new for r, new in zip(rows, ids)}
            store.insert_mentions(
                db,
                [
                    (by_old[m.sentence_id], article_id, m.entity_id, m.surface, m.label, 0, 1)
                    for m in entity_store.mentions_in(db, [source.id])
                ],
            )
            store.insert_sentence_dates(
                db,
                [
                    (by_old[sentence_id], article_id, day)
                    for sentence_id, _, day in store.dated_sentences(db, [source.id])
                ],
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", default=str(ROOT.parent / "shared" / "eval" / "t17_dev_topics.jsonl"))
    parser.add_argument("--runs", type=int, default=60)
    args = parser.parse_args()
    nlp = load_pipeline()
    db = open_database(Path(tempfile.mkdtemp()) / "bench.db")
    report = ingest(db, nlp, load_articles(Path(args.corpus), 150))
    print(f"ingested {report.summary()}")

    pool = store.sentences_of(db, [a.id for a in store.matching_articles(db, limit=10_000)])
    print("\nLexRank, same tokenizer, stemmer and stop words: sumy's and ours timed the same way, in 3 alternating")
    print("pairs (sumy, ours cold, ours warm); medians in seconds; ratios are the medians of the 3 pairs' ratios")
    print("(ours cold: the stem cache emptied first; warm: stems memoised, as in the running bot)")
    print(
        f"{'sentences':>10}{'sumy':>12}{'ours cold':>12}{'ours warm':>12}{'speed-up cold / warm':>24}  same selection"
    )
    from summarizer import words

    for n in (200, 800, 3000):
        rows = pool[:n]
        tokenizer = StoredTokenizer([(r.text, r.tokens) for r in rows])
        document = ObjectDocumentModel([Paragraph([Sentence(r.text, tokenizer) for r in rows])])
        sumy_times, cold_times, warm_times, sumy_result = [], [], [], []
        for _ in range(3):
            # Each lambda is called at once, inside this iteration: the loop variables are the ones meant.
            sumy_times.append(timed(lambda: sumy_result.append(configured(LexRankSummarizer)(document, 5))))  # noqa: B023
            words._STEMS.clear()
            cold_times.append(timed(lambda: configured(FastLexRankSummarizer)(document, 5)))  # noqa: B023
            warm_times.append(timed(lambda: configured(FastLexRankSummarizer)(document, 5)))  # noqa: B023
        same = sumy_result[0] == configured(FastLexRankSummarizer)(document, 5)
        cold_ratio = statistics.median(s / c for s, c in zip(sumy_times, cold_times))
        warm_ratio = statistics.median(s / w for s, w in zip(sumy_times, warm_times))
        ratios = f"{cold_ratio:.0f}x / {warm_ratio:.0f}x"
        print(
            f"{n:>10}{statistics.median(sumy_times):>12.3f}{statistics.median(cold_times):>12.4f}"
            f"{statistics.median(warm_times):>12.4f}{ratios:>24}  {same}"
        )

    grow_store(db, 1000)
    print(
        f"\n/brief latency on a store of {store.count_articles(db)} articles ({args.runs} runs, the real path: "
        "search, briefing, recorded for a chat)"
    )
    topics = ["", "Egypt", "Mubarak", "oil", "BP", "Haiti", "earthquake", "Jackson", "swine flu", "Obama"]
    service = Service(db, nlp)
    latencies, sizes = [], []
    for i in range(args.runs):
        topic = topics[i % len(topics)]
        start = time.perf_counter()
        briefing = service.brief(topic, length="medium", chat_id=1000 + i)
        latencies.append((time.perf_counter() - start) * 1000)
        sizes.append(len(briefing.article_ids))
    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    print(f"articles per briefing: median {statistics.median(sizes):.0f}, max {max(sizes)}")
    print(
        f"latency p50 {statistics.median(latencies):.0f} ms, p95 {p95:.0f} ms, max {latencies[-1]:.0f} ms  "
        f"(target p95 < 300 ms)"
    )

    print(
        f"\n/timeline latency over every article of the store ({store.count_articles(db)}), 8 dates, "
        f"{args.runs // 3} runs"
    )
    latencies = []
    for _ in range(max(3, args.runs // 3)):
        start = time.perf_counter()
        timeline = build_timeline(db, "", 8)
        latencies.append((time.perf_counter() - start) * 1000)
    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    print(f"articles read: {len(timeline.article_ids)}, dates: {len(timeline.entries)}")
    print(
        f"latency p50 {statistics.median(latencies):.0f} ms, p95 {p95:.0f} ms, max {latencies[-1]:.0f} ms  "
        f"(target p95 < 500 ms)"
    )


if __name__ == "__main__":
    main()
