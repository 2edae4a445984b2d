"""SQLite against PostgreSQL on the same articles: ingest per article and the reads a chat makes (a benchmark, not a
test). Starts its own PostgreSQL server on 127.0.0.1 (tests/pgserver.py) and stops it at the end.

Usage: python bench/stores.py [--articles N] [--runs R] [--corpus PATH_TO_t17_dev_topics.jsonl]
Ingests the first N Timeline17 articles into each store, then times /who, /brief and /changes (CPU of this process
and wall time, which on PostgreSQL includes the server's work) in alternating runs, SQLite first in each pair, and
prints p50/p95 per store and the median PostgreSQL/SQLite ratio of the pairs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.ingest import corpus  # noqa: E402
from service.app import Service  # noqa: E402
from service.diffcache import DiffCache  # noqa: E402
from summarizer.nlp import load_pipeline  # noqa: E402
from tests.pgserver import LocalPostgres  # noqa: E402


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    """(wall ms, CPU ms of this process) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "eval" / "t17_dev_topics.jsonl")
    args = parser.parse_args()
    nlp = load_pipeline()
    items = corpus(args.corpus, args.articles)
    server = LocalPostgres().start()
    try:
        stores = {
            "sqlite": Service.open(str(Path(tempfile.mkdtemp()) / "bench.db"), nlp=nlp),
            "postgresql": Service.open(server.create_database("bench"), nlp=nlp),
        }
        for name, service in stores.items():
            wall = time.perf_counter()
            report = service.ingest_items(items)
            per = (time.perf_counter() - wall) * 1000 / max(1, len(items))
            print(f"{name}: ingest {len(report.items)} articles, {per:.1f} ms per article (wall)")
        person = (
            stores["sqlite"]
            .db.execute(
                "SELECT e.name FROM entity_totals t JOIN entities e ON e.id = t.entity_id "
                "WHERE e.label = 'PERSON' ORDER BY t.mentions DESC LIMIT 1"
            )
            .fetchone()[0]
        )
        place = (
            stores["sqlite"]
            .db.execute(
                "SELECT e.name FROM entity_totals t JOIN entities e ON e.id = t.entity_id "
                "WHERE e.label = 'GPE' ORDER BY t.mentions DESC LIMIT 1"
            )
            .fetchone()[0]
        )
        calls: dict[str, Callable[[Service], object]] = {
            f"/who {person}": lambda s: s.who(person),
            f"/brief {place}": lambda s: s.brief(place),
            f"/changes {place} (nothing new)": lambda s: s.changes(7, place),
        }
        for service in stores.values():
            service.brief(place, chat_id=7)  # /changes then has a mark to diff against
        for label, call in calls.items():
            samples: dict[str, list[tuple[float, float]]] = {name: [] for name in stores}
            for service in stores.values():
                call(service)  # warm: caches and the planner's first look
            for _ in range(args.runs):
                for name, service in stores.items():
                    service.diffs = DiffCache()  # every run computes
                    samples[name].append(timed(lambda service=service, call=call: call(service)))
            ratios = [p[0] / s[0] for s, p in zip(samples["sqlite"], samples["postgresql"]) if s[0] > 0]
            line = "; ".join(
                f"{name} wall p50 {pct([w for w, _ in v], 0.5):.1f} p95 {pct([w for w, _ in v], 0.95):.1f} ms, "
                f"CPU p50 {pct([c for _, c in v], 0.5):.1f} ms"
                for name, v in samples.items()
            )
            ratio = statistics.median(ratios)
            print(f"{label}: {line}; PostgreSQL/SQLite wall, median of {len(ratios)} pairs: {ratio:.2f}")
        for service in stores.values():
            service.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
