"""SQLite against PostgreSQL on the same store: the reads a chat makes, ingest per article, and the digest wave
through `briefbot worker` processes (a benchmark, not a test).

Usage: python bench/stores.py [--source PATH] [--runs R] [--ingest N] [--chats C] [--workers 1,2] [--engines E,E]
The source is a SQLite store (default: the 20,000-article store bench/scale.py grows, data/bench/grown-600-20000.db).
Its PostgreSQL copy is made once with `migrate-store` (timed) on a server of the bench's own, kept in
data/bench/pg-<name>/ with fsync on, and started again by later runs; it listens on 127.0.0.1 only.

- reads: /who on the most-mentioned person, /brief on the most-mentioned place, /changes with nothing new; wall and
  CPU per call, the two stores alternating (SQLite first in each pair), p50/p95 and the median PostgreSQL/SQLite
  ratio of the pairs. Wall is the figure to compare: PostgreSQL's own work runs in its server process.
- ingest: N new articles (CNN/DailyMail) into a copy of each store, 3 alternating pairs, ms per article.
- wave: C chats in many states (bench/scale.set_up_chats) on a copy of each store, delivered by W worker processes
  through the Bot API double at Telegram's 30 messages/s; wall until the last digest, the workers' CPU per digest.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import scale  # noqa: E402

from service.app import Service  # noqa: E402
from service.diffcache import DiffCache  # noqa: E402
from service.sources.raw import RawArticle  # noqa: E402
from storage import chats as chat_store  # noqa: E402
from storage.db import open_database  # noqa: E402
from summarizer.nlp import load_pipeline  # noqa: E402
from tests.pgserver import LocalPostgres  # noqa: E402

CACHE = ROOT / "data" / "bench"
CNNDM = ROOT.parent / "shared" / "eval" / "cnndm_summeval.jsonl"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def load() -> str:
    return f"load {os.getloadavg()[0]:.2f}"


def pg_copy(server: LocalPostgres, source: Path) -> str:
    """The PostgreSQL copy of ``source`` on ``server``, made once (timed) and kept."""
    import psycopg

    with psycopg.connect(server.url(), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = 'bench'").fetchone()
    url = server.url("bench")
    if exists:
        return url
    server.drop_database("bench_partial")  # what a run stopped half-way left
    server.create_database("bench_partial")
    wall = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "bot", "migrate-store", str(source), server.url("bench_partial")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise SystemExit(f"migrate-store failed: {result.stderr.strip()}")
    print(f"migrate-store {source.name} -> PostgreSQL: {time.perf_counter() - wall:.0f} s wall; {load()}")
    with psycopg.connect(server.url(), autocommit=True) as conn:
        conn.execute("ALTER DATABASE bench_partial RENAME TO bench")
        # Fresh statistics for the planner, as after any bulk load.
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return url


def copies(server: LocalPostgres, source: Path, name: str) -> dict[str, str]:
    """A private copy of the store on each engine (the bench writes to it)."""
    lite = CACHE / f"stores-{name}.db"
    _delete(lite)  # with any journal a stopped run left, which must not meet the new copy
    shutil.copy(source, lite)
    server.drop_database(name)
    return {"sqlite": str(lite), "postgresql": server.create_database(name, template="bench")}


def forget(stores: dict[str, str], server: LocalPostgres, name: str) -> None:
    """Delete a pair of copies (each SQLite copy is as large as its source)."""
    _delete(Path(stores["sqlite"]))
    server.drop_database(name)


def _delete(lite: Path) -> None:
    """A SQLite file and its journals."""
    for path in (lite, lite.with_name(lite.name + "-wal"), lite.with_name(lite.name + "-shm")):
        path.unlink(missing_ok=True)


def reads(stores: dict[str, str], runs: int, nlp) -> None:
    services = {name: Service(open_database(url), nlp) for name, url in stores.items()}
    top = (
        services["sqlite"]
        .db.execute(
            "SELECT e.name, e.label FROM entity_totals t JOIN entities e ON e.id = t.entity_id "
            "WHERE e.label IN ('PERSON', 'GPE') ORDER BY t.mentions DESC LIMIT 40"
        )
        .fetchall()
    )
    person = next(n for n, label in top if label == "PERSON")
    place = next(n for n, label in top if label == "GPE")
    for service in services.values():
        service.brief(place, chat_id=7)  # /changes then has a mark, and nothing new since it
    calls: dict[str, Callable[[Service], object]] = {
        f"/who {person}": lambda s: s.who(person),
        f"/brief {place}": lambda s: s.brief(place),
        f"/changes {place}, nothing new": lambda s: s.changes(7, place),
    }
    for label, call in calls.items():
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in services}
        for service in services.values():
            call(service)  # warm: the page cache and the planner's first look
        for _ in range(runs):
            for name, service in services.items():
                service.diffs = DiffCache()  # every run computes
                wall, cpu = time.perf_counter(), time.process_time()
                call(service)
                samples[name].append(((time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000))
        ratio = statistics.median(p[0] / s[0] for s, p in zip(samples["sqlite"], samples["postgresql"]))
        figures = "; ".join(
            f"{name} wall p50 {pct([w for w, _ in v], 0.5):.1f} p95 {pct([w for w, _ in v], 0.95):.1f} ms "
            f"(CPU here p50 {pct([c for _, c in v], 0.5):.1f})"
            for name, v in samples.items()
        )
        print(f"{label}: {figures}; PostgreSQL/SQLite wall, median of {runs} pairs {ratio:.2f}; {load()}")
    for service in services.values():
        service.close()


def ingest(server: LocalPostgres, source: Path, count: int, nlp) -> None:
    rows = [json.loads(line) for line in CNNDM.read_text("utf-8").splitlines()[:count]]
    articles = [RawArticle(r["document"], r["id"], published="2015-04-01", source="CNN/DailyMail") for r in rows]
    per: dict[str, list[float]] = {"sqlite": [], "postgresql": []}
    for pair in range(3):
        stores = copies(server, source, f"ingest{pair}")
        for name, url in stores.items():
            service = Service(open_database(url), nlp)
            wall = time.perf_counter()
            report = service.ingest_items(articles)
            per[name].append((time.perf_counter() - wall) * 1000 / len(articles))
            assert not any(item.status == "failed" for item in report.items), report.summary()
            service.close()
        forget(stores, server, f"ingest{pair}")
    ratio = statistics.median(p / s for s, p in zip(per["sqlite"], per["postgresql"]))
    print(
        f"ingest {count} new articles: sqlite {statistics.median(per['sqlite']):.1f} ms, postgresql "
        f"{statistics.median(per['postgresql']):.1f} ms per article (wall, medians of 3 alternating pairs); "
        f"PostgreSQL/SQLite {ratio:.2f}; {load()}"
    )


def wave(server: LocalPostgres, source: Path, chats: int, workers: int, engines: list[str]) -> None:
    for engine in engines:
        stores = copies(server, source, "wave")
        url = stores[engine]
        db = open_database(url)
        topics = [
            r[0]
            for r in db.execute(
                "SELECT e.name FROM entity_totals t JOIN entities e ON e.id = t.entity_id "
                "WHERE e.label IN ('PERSON', 'ORG', 'GPE') ORDER BY t.mentions DESC LIMIT 50"
            )
        ]
        scale.set_up_chats(db, topics, chats, 200, random.Random(3))
        slot = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%H:%M")
        db.execute("UPDATE chats SET digest_time = ?", [slot])
        due = int(db.execute("SELECT count(*) FROM chats").fetchone()[0])  # with any chat the source store holds
        db.close()
        double = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "botapi_process.py")], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        assert double.stdout is not None
        api = double.stdout.readline().decode().strip()
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": "123456:BENCH",
            "BRIEFBOT_BOT_API_URL": api,
            "BRIEFBOT_DATABASE_URL": url,
            "BRIEFBOT_DIGEST_WORKERS": "true",
            "BRIEFBOT_WORKER_SEND_RATE": "30",
            "BRIEFBOT_LOG_LEVEL": "WARNING",
        }
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall = time.perf_counter()
        procs = [
            subprocess.Popen([sys.executable, "-m", "bot", "worker"], cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
            for _ in range(workers)
        ]
        reader = open_database(url)
        while True:
            time.sleep(1.0)
            ended = chat_store.deliveries(reader)
            if len(ended) >= due and all(status != "sending" for _, _, status in ended):
                break
        took = time.perf_counter() - wall
        reader.close()
        peaks = [_peak_rss(proc.pid) for proc in procs]
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        out, _ = double.communicate(b"")
        got = json.loads(out.decode().strip().splitlines()[-1])
        print(
            f"wave {engine}, {workers} worker(s): {chats} chats, {got['messages']} messages in {took:.0f} s wall "
            f"(30/s alone takes {got['messages'] / 30:.0f} s); workers' CPU {cpu:.1f} s, "
            f"{cpu / max(1, got['messages']) * 1000:.1f} ms per digest; workers' peak RSS "
            f"{', '.join(f'{p:.0f}' for p in peaks)} MB; {load()}"
        )
        forget(stores, server, "wave")


def _peak_rss(pid: int) -> float:
    """A running process's peak resident memory (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=CACHE / "grown-600-20000.db")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--ingest", type=int, default=20)
    parser.add_argument("--chats", type=int, default=1000)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--skip", default="", help="comma-separated parts to leave out: reads, ingest, wave")
    parser.add_argument("--engines", default="sqlite,postgresql", help="the stores the wave runs on")
    args = parser.parse_args()
    if not args.source.is_file():
        raise SystemExit(f"no store at {args.source}: grow one with bench/scale.py first")
    skip = set(filter(None, args.skip.split(",")))
    nlp = load_pipeline()
    server = LocalPostgres(CACHE / f"pg-{args.source.stem}", durable=True).start()
    try:
        pg_copy(server, args.source)
        if "reads" not in skip:
            stores = copies(server, args.source, "reads")
            reads(stores, args.runs, nlp)
            forget(stores, server, "reads")
        if "ingest" not in skip:
            ingest(server, args.source, args.ingest, nlp)
        if "wave" not in skip:
            for workers in (int(w) for w in args.workers.split(",")):
                wave(server, args.source, args.chats, workers, args.engines.split(","))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
