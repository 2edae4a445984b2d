"""Scale: /who, /brief, /changes and a digest wave on a store grown from the Timeline17 dev topics (a benchmark).

Usage: python bench/scale.py [--articles 5000] [--base 400] [--chats 2000] [--topics 50] [--runs 20] [--fresh 200]

The base is the first --base Timeline17 articles (all topics mixed, in date order), ingested once with spaCy and
kept in data/bench/ (delete it after changing ingest). The store is grown from it to --articles by copying each
article with its sentences, mentions, roles, facts and dates, moved forward in time by whole months, so stories
continue, the famous get famous, and every topic has a long history. Prints p50/p95 in milliseconds and peak RSS.

Targets (issue #12, at 20,000 articles): /who on the most-mentioned person p95 < 300 ms and < 300 MB;
/brief on a broad topic (the real path, recorded) p95 < 300 ms; /changes with nothing new < 20 ms;
the digest wave's compute < 60 s of CPU for 10,000 chats x 2 topics, 0 lost, 0 duplicated.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import shutil
import statistics
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.context import DIGESTS_IN_FLIGHT  # noqa: E402
from bot.runner import BlockingRunner  # noqa: E402
from service.app import Service  # noqa: E402
from service.sources import RawArticle  # noqa: E402
from storage import chats as chat_store  # noqa: E402
from storage.db import open_database, transaction  # noqa: E402
from summarizer.nlp import load_pipeline  # noqa: E402

CORPUS = ROOT.parent / "shared" / "eval" / "t17_dev_topics.jsonl"
CACHE = ROOT / "data" / "bench"


def base_store(size: int) -> Path:
    """The first ``size`` Timeline17 articles (all topics, date order), ingested once and cached."""
    path = CACHE / f"t17-base-{size}.db"
    if path.exists():
        return path
    items = []
    for line in CORPUS.read_text("utf-8").splitlines():
        topic = json.loads(line)
        outlet = topic["id"].rsplit("_", 1)[-1].upper()
        for doc_id, text, day in zip(topic["document_ids"], topic["documents"], topic["document_dates"]):
            items.append(RawArticle(text, f"{topic['id']}/{doc_id}", published=day, source=outlet))
    random.Random(7).shuffle(items)
    items = sorted(items[:size], key=lambda a: a.published or "")
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    service = Service(open_database(partial), load_pipeline())
    start = time.perf_counter()
    report = service.ingest_items(items)
    print(f"base: ingested {report.summary()} in {time.perf_counter() - start:.0f} s")
    service.close()
    partial.rename(path)
    return path


# Benchmark-only SQL: copying stored rows is how the store grows without running spaCy 20,000 times.
def copy_rows(db, table: str, where: str, rewrite: dict[str, str], keep_id: bool = False) -> None:
    """Copy a table's rows matching ``where``, each column as is unless ``rewrite`` gives its new value."""
    columns = [r[1] for r in db.execute(f"PRAGMA table_info({table})") if keep_id or r[1] != "id"]
    names = ", ".join(f'"{c}"' for c in columns)
    values = ", ".join(rewrite.get(c, f'"{c}"') for c in columns)
    db.execute(f"INSERT INTO {table} ({names}) SELECT {values} FROM {table} WHERE {where}")


def grow(base: Path, path: Path, articles: int) -> None:
    """Copy the base store to ``path`` and grow it to ``articles`` articles, each copy a month later."""
    shutil.copy(base, path)
    db = open_database(path)
    one = lambda sql, *a: db.execute(sql, list(a)).fetchone()[0]  # noqa: E731
    ids = [r[0] for r in db.execute("SELECT id FROM articles ORDER BY id")]
    copy = 1
    while one("SELECT count(*) FROM articles") < articles:
        batch = ids[: articles - one("SELECT count(*) FROM articles")]
        a, s = one("SELECT max(id) FROM articles"), one("SELECT max(id) FROM sentences")
        in_batch = f"article_id IN ({', '.join(str(i) for i in batch)})"
        later = f"'+{30 * copy} days'"
        shifted = {
            "article_id": f"article_id + {a}",
            "sentence_id": f"sentence_id + {s}",
            "day": f"date(day, {later})",
            "published_at": f"date(published_at, {later}) || substr(published_at, 11)",
        }
        with transaction(db):
            copy_rows(
                db,
                "articles",
                in_batch.replace("article_id", "id"),
                {
                    "id": f"id + {a}",
                    "story_id": f"story_id + {a}",
                    "duplicate_of": f"CASE WHEN duplicate_of IS NULL THEN NULL ELSE duplicate_of + {a} END",
                    "published_at": f"date(published_at, {later}) || substr(published_at, 11)",
                    "content_hash": f"content_hash || '-{copy}'",
                    "canonical_url": f"CASE WHEN canonical_url IS NULL THEN NULL ELSE canonical_url || '#{copy}' END",
                },
                keep_id=True,
            )
            copy_rows(db, "sentences", in_batch, {**shifted, "id": f"id + {s}"}, keep_id=True)
            for table in ("mentions", "roles", "facts", "sentence_dates"):
                copy_rows(db, table, in_batch, shifted)
        copy += 1
    db.conn.close()


async def wave(path: Path, chats: int, fired: datetime, topic: str) -> tuple[list[str], float, float, list[float], str]:
    """Every chat's digest through the bot's runner, all at once as the JobQueue fires them, while another chat
    asks for /brief every 100 ms; returns statuses, CPU and wall seconds, the /brief latencies, cache counts."""
    runner = BlockingRunner(lambda: Service.open(path), reader_path=path)
    await runner.start()
    service = runner.service
    done = asyncio.Event()

    slots = asyncio.Semaphore(DIGESTS_IN_FLIGHT)

    async def deliver(chat_id: int) -> str:
        async with slots:
            claim = await runner.run(service.claim_digest, chat_id, fired)
            if claim is None:
                return "lost"
            digest = await runner.read(Service.compute_digest, claim)
            await runner.run(service.close_digest, digest, "sent")
            return "sent"

    probe_cpu: list[float] = []

    def brief() -> None:
        start = time.thread_time()
        service.brief(topic, chat_id=8_888_888)
        probe_cpu.append(time.thread_time() - start)

    async def probe(latencies: list[float]) -> None:
        while not done.is_set():
            start = time.perf_counter()
            await runner.run(brief)
            latencies.append((time.perf_counter() - start) * 1000)
            await asyncio.sleep(0.1)

    latencies: list[float] = []
    cpu, wall = time.process_time(), time.perf_counter()
    prober = asyncio.create_task(probe(latencies))
    statuses = await asyncio.gather(*(deliver(c) for c in range(1, chats + 1)))
    cpu, wall = time.process_time() - cpu - sum(probe_cpu), time.perf_counter() - wall  # the wave's CPU alone
    done.set()
    await prober
    cache = f"{service.diffs.hits:,} hits / {service.diffs.misses:,} misses"
    await runner.stop()
    return list(statuses), cpu, wall, latencies, cache


def ingest_growth(base: Path, grown: Path, count: int, pairs: int = 3) -> None:
    """Per-article ingest time of the same ``count`` new articles into the base store and into the grown one, in
    alternating pairs on fresh copies: flat means the store's size does not slow ingest down."""
    items = []
    for line in (CORPUS.parent / "cnndm_summeval.jsonl").read_text("utf-8").splitlines()[:count]:
        row = json.loads(line)
        items.append(RawArticle(row["document"], row["id"], published="2015-04-01", source="CNN/DailyMail"))
    nlp = load_pipeline()
    times: dict[str, list[float]] = {"base": [], "grown": []}
    for _ in range(pairs):
        for label, source in (("base", base), ("grown", grown)):
            copy = CACHE / f"ingest-{label}.db"
            shutil.copy(source, copy)
            service = Service(open_database(copy), nlp)
            start = time.perf_counter()
            report = service.ingest_items(items)
            times[label].append((time.perf_counter() - start) * 1000 / count)
            service.close()
            copy.unlink()
    ratios = sorted(g / b for b, g in zip(times["base"], times["grown"]))
    print(
        f"ingest of {count} new articles ({report.summary()}): per article "
        f"{base.stem} {statistics.median(times['base']):.0f} ms, grown {statistics.median(times['grown']):.0f} ms; "
        f"grown/base ratio per pair {', '.join(f'{r:.2f}' for r in ratios)} (median {statistics.median(ratios):.2f}); "
        f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB (target flat, < 500 MB)"
    )


def history_rows(db) -> int:
    """Rows of chat history (one per kept briefing, the sentences it showed inside)."""
    return db.execute("SELECT count(*) FROM snapshots").fetchone()[0]


def seen_cost(service: Service, topic: str, runs: int) -> tuple[float, float]:
    """Median time of a chat's seen check after 1 and after 100 daily briefings on a topic."""
    db = service.db
    for chat_id, days in ((9_000_001, 1), (9_000_100, 100)):
        for day in range(days, 0, -1):
            service.brief(topic, chat_id=chat_id)
            # as if briefed ``day`` days ago: older briefings are forgotten when the next one is recorded
            db.execute(
                "UPDATE snapshots SET created_at = datetime('now', ?) WHERE id = (SELECT max(id) FROM snapshots)",
                [f"-{day} days"],
            )
    return tuple(
        latencies(lambda c=c: chat_store.delivered_sentence_ids(db, c, topic), runs)[0]  # type: ignore
        for c in (9_000_001, 9_000_100)
    )


def latencies(fn, runs: int) -> tuple[float, float]:
    """p50 and p95 of ``fn`` in milliseconds over ``runs`` calls (after one warm-up)."""
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(0.95 * len(times)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--base", type=int, default=400)
    parser.add_argument("--chats", type=int, default=2000)
    parser.add_argument("--topics", type=int, default=50)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--fresh", type=int, default=200, help="articles that arrived since a briefed chat's last one")
    parser.add_argument(
        "--ingest",
        type=int,
        default=0,
        metavar="N",
        help="also time ingesting N new (CNN/DailyMail) articles into the base and the grown store, "
        "3 alternating pairs",
    )
    args = parser.parse_args()

    base = base_store(args.base)
    path = CACHE / f"grown-{args.articles}.db"
    start = time.perf_counter()
    grow(base, path, args.articles)
    service = Service(open_database(path))
    db = service.db
    count = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    print(
        f"store: {count:,} articles grown from {args.base} in {time.perf_counter() - start:.0f} s "
        f"({path.stat().st_size / 1e6:.0f} MB)"
    )

    name, mentions = db.execute(
        "SELECT e.name, sum(ea.n) AS n FROM entity_articles ea JOIN entities e ON e.id = ea.entity_id "
        "WHERE e.label = 'PERSON' GROUP BY e.id ORDER BY n DESC LIMIT 1"
    ).fetchone()
    p50, p95 = latencies(lambda: service.who(name), args.runs)
    print(
        f"/who {name} ({mentions:,} mentions): p50 {p50:.0f} ms, p95 {p95:.0f} ms  (target p95 < 300); "
        f"peak RSS so far {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB (target < 300)"
    )

    topics = [
        r[0]
        for r in db.execute(
            "SELECT e.name FROM entity_articles ea JOIN entities e ON e.id = ea.entity_id WHERE e.label IN "
            "('PERSON', 'ORG', 'GPE') GROUP BY e.id ORDER BY count(*) DESC LIMIT ?",
            [args.topics],
        )
    ]
    broad = topics[0]
    chat = iter(range(10_000_000, 20_000_000))
    p50, p95 = latencies(lambda: service.brief(broad, length="medium", chat_id=next(chat)), args.runs)
    print(f"/brief {broad} (recorded for a chat): p50 {p50:.0f} ms, p95 {p95:.0f} ms  (target p95 < 300)")
    service.brief(broad, chat_id=1)
    p50, p95 = latencies(lambda: service.changes(1, broad), args.runs)
    print(f"/changes {broad}, nothing new: p50 {p50:.1f} ms, p95 {p95:.1f} ms  (target < 20)")

    # The digest wave, compute only (no Telegram): each chat follows 2 of the topics with a length of its own;
    # a third were briefed before the newest --fresh articles arrived (they get a diff, the rest a first briefing).
    rng = random.Random(3)
    lengths = ["short", "medium", "long"]
    newest = db.execute("SELECT max(published_at) FROM articles").fetchone()[0]
    earlier = db.execute("SELECT max(id) FROM articles").fetchone()[0] - args.fresh
    histories = []
    with transaction(db):
        for chat_id in range(1, args.chats + 1):
            for topic in rng.sample(topics, 2):
                chat_store.subscribe(db, chat_id, topic)
                if chat_id % 3 == 0:
                    histories.append((chat_id, topic))
            chat_store.update_chat(db, chat_id, digest_time="08:00", timezone="UTC", length=rng.choice(lengths))
    for chat_id, topic in histories:
        chat_store.record_snapshot(db, chat_id, topic, "brief", earlier, [])
    history_before = history_rows(db)
    fired = datetime(int(newest[:4]) + 1, 1, 1, 8, 0, 30, tzinfo=UTC)
    service.close()
    statuses, cpu, wall, during, cache = asyncio.run(wave(path, args.chats, fired, broad))
    service = Service(open_database(path))
    db = service.db
    again = sum(service.claim_digest(c, fired) is not None for c in range(1, args.chats + 1))
    history_after = history_rows(db)
    briefings = 2 * statuses.count("sent")
    print(
        f"digest wave, as the bot runs it (claim on the writer, compute on 2 readers, record on the writer; "
        f"CPU of the /brief probes taken out): "
        f"{args.chats:,} chats x 2 of {len(topics)} topics: {cpu:.1f} s CPU, {wall:.1f} s wall, "
        f"{statuses.count('sent'):,} sent, {statuses.count('lost')} lost, {again} sent twice; cache {cache}"
    )
    print(
        f"/brief from another chat during the wave ({len(during)} briefs): p50 {statistics.median(during):.0f} ms, "
        f"p95 {sorted(during)[int(0.95 * (len(during) - 1))]:.0f} ms  (target p95 < 1000)"
    )
    print(
        f"history rows per delivered briefing: {(history_after - history_before) / max(1, briefings):.0f}  "
        f"(target <= 10)"
    )
    day1, day100 = seen_cost(service, broad, args.runs)
    print(f"seen check (a chat's delivered sentences on a topic): day 1 {day1:.2f} ms, day 100 {day100:.2f} ms")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    service.close()
    if args.ingest:  # last: it loads spaCy, which would count in the peaks above
        ingest_growth(base, path, args.ingest)
    print(f"({date.today().isoformat()}; {count:,} articles; python {sys.version.split()[0]})")


if __name__ == "__main__":
    main()
