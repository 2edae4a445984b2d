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
import bisect
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
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import growth  # noqa: E402
from bot import digests  # noqa: E402
from bot.runner import collect_rarely  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.telegram_app import build_application, post_init, post_shutdown  # noqa: E402
from service.app import Service  # noqa: E402
from service.sources.raw import RawArticle  # noqa: E402
from storage import chats as chat_store  # noqa: E402
from storage.db import open_database, transaction  # noqa: E402
from summarizer.nlp import load_pipeline  # noqa: E402

CORPUS = ROOT.parent / "shared" / "eval" / "t17_dev_topics.jsonl"
CACHE = ROOT / "data" / "bench"
# The newest grown article's date: fixed, so a cached store is the same store whenever it was built.
GROWN_UNTIL = date(2026, 11, 1)
T = TypeVar("T")


def grown_store(base: int, articles: int) -> Path:
    """A store of ``articles`` grown articles, every one through the real ingest path (see bench/growth.py);
    built once and cached."""
    path = CACHE / f"grown-{base}-{articles}.db"
    if path.exists():
        return path
    templates = growth.record(CORPUS, base, CACHE, load_pipeline)
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    db = open_database(partial)
    # A half-built store is thrown away and built again: no need for a crash-safe file while it grows, and
    # checkpoints of a larger write-ahead log write each hot index page once for many articles.
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA wal_autocheckpoint = 25000")
    start, cpu = time.perf_counter(), time.process_time()
    report = growth.build(db, templates, articles, GROWN_UNTIL)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    db.close()
    partial.rename(path)
    print(
        f"built {path.name} from {len(templates)} recorded articles: {report} in {wall / 60:.1f} min "
        f"({cpu * 1000 / articles:.1f} ms CPU per article)"
    )
    return path


async def wave(path: Path, fired: datetime, topic: str, nlp) -> dict:
    """Every chat's digest as the bot delivers it (claim, compute on the readers, render, send through the Bot API
    double with the real rate limiter, record), all at once as the JobQueue fires them, while another chat asks
    for /brief every 100 ms. The double runs in a process of its own, so CPU and memory are the bot's alone."""
    double = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "botapi_process.py")], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert double.stdout is not None and double.stdin is not None
    url = double.stdout.readline().decode().strip()
    settings = Settings(token="123456:BENCH", db_path=str(path), bot_api_url=url, digest_grace_minutes=0)
    app = build_application(settings, nlp=nlp)
    compute: list[float] = []
    prepare: list[float] = []
    original, prepare_digests = Service.compute_digest, Service.prepare_digests

    def thread_timed(fn: Callable[..., T], spent: list[float]) -> Callable[..., T]:
        def timed(*args: Any) -> T:
            start = time.thread_time()
            try:
                return fn(*args)
            finally:
                spent.append(time.thread_time() - start)

        return timed

    timed, prepared = thread_timed(original, compute), thread_timed(prepare_digests, prepare)
    Service.compute_digest = timed  # type: ignore[method-assign]
    Service.prepare_digests = prepared  # type: ignore[method-assign]
    result: dict = {}
    async with app:
        await post_init(app)
        runner = app.bot_data.runner
        chats = [c.id for c in await runner.run(chat_store.chats_with_digests, runner.service.db)]
        done = asyncio.Event()
        probe_cpu: list[float] = []
        latencies: list[float] = []

        def brief() -> None:
            start = time.thread_time()
            runner.service.brief(topic, chat_id=8_888_888)
            probe_cpu.append(time.thread_time() - start)

        async def probe() -> None:
            while not done.is_set():
                start = time.perf_counter()
                await runner.run(brief)
                latencies.append((time.perf_counter() - start) * 1000)
                await asyncio.sleep(0.1)

        Path("/proc/self/clear_refs").write_text("5")  # peak RSS from here on: the wave's
        cpu, wall = time.process_time(), time.perf_counter()
        prober = asyncio.create_task(probe())
        statuses = await asyncio.gather(*(digests.deliver(app, c, fired) for c in chats))
        result["cpu"] = time.process_time() - cpu - sum(probe_cpu)
        result["wall"] = time.perf_counter() - wall
        result["peak"] = peak_rss_mb()
        done.set()
        await prober
        result["latencies"] = latencies
        result["statuses"] = list(statuses)
        result["compute"] = sum(compute) + sum(prepare)
        result["prepare"] = sum(prepare)
        result["cache"] = (runner.service.diffs.hits, runner.service.diffs.misses)
        await post_shutdown(app)
    Service.compute_digest, Service.prepare_digests = original, prepare_digests  # type: ignore[method-assign]
    out, _ = double.communicate(b"")
    result["double"] = json.loads(out.decode().strip().splitlines()[-1])
    return result


def peak_rss_mb() -> float:
    """The process's peak resident memory since start, or since it was last reset through /proc/self/clear_refs."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def set_up_chats(db, topics: list[str], chats: int, fresh: int, rng: random.Random) -> dict[tuple[str, str], set]:
    """Chats in many states, as a day of real use leaves them: each follows 2 of the topics at a length of its own;
    a fifth of its topics were never briefed, the rest last briefed by the previous digest (--fresh articles ago;
    three in five) or at one of five earlier points (every --fresh articles: missed days), with what a briefing of
    that length shows; a third of those also asked for /brief or /changes by
    hand since, which showed them sentences of their own. Returns the distinct states per (topic, length)."""
    from service.briefing import build_briefing
    from service.selection import find_articles

    lengths = ["short", "medium", "long"]
    newest = db.execute("SELECT max(id) FROM articles").fetchone()[0]
    points = [newest - fresh * j for j in range(1, 7)]
    last_sentence = {
        p: db.execute("SELECT max(id) FROM sentences WHERE article_id <= ?", [p]).fetchone()[0] for p in points
    }
    shown: dict[tuple[str, str], list[int]] = {}
    articles_of: dict[str, list[int]] = {}
    marks = []
    states: dict[tuple[str, str], set] = {}
    with transaction(db):
        for chat_id in range(1, chats + 1):
            length = rng.choice(lengths)
            chat_store.update_chat(db, chat_id, digest_time="08:00", timezone="UTC", length=length)
            for topic in rng.sample(topics, 2):
                chat_store.subscribe(db, chat_id, topic)
                if rng.random() < 0.2:
                    states.setdefault((topic, length), set()).add(None)
                    continue
                if (topic, length) not in shown:
                    briefing = build_briefing(db, topic, length=length)
                    shown[(topic, length)] = sorted(i.sentence_id for i in briefing.shown)
                # Most chats read every digest, so their last one is the previous digest; the others missed days.
                point = points[0] if rng.random() < 0.6 else rng.choice(points[1:])
                seen = {s for s in shown[(topic, length)] if s <= last_sentence[point]}
                if rng.random() < 1 / 3:
                    # a manual /brief or /changes since: the leads of two of the topic's articles up to that point
                    ids_of = articles_of.setdefault(topic, sorted(a.id for a in find_articles(db, topic)))
                    earlier = ids_of[: bisect.bisect_right(ids_of, point)]
                    first, second = (rng.sample(earlier, min(2, len(earlier))) * 2 or [0, 0])[:2]
                    ids = [
                        r[0]
                        for r in db.execute(
                            "SELECT id FROM sentences WHERE article_id IN (?, ?) AND position < ?",
                            [first, second, rng.randint(2, 4)],
                        )
                    ]
                    seen |= set(ids)
                marks.append((chat_id, topic, point, sorted(seen)))
                states.setdefault((topic, length), set()).add((point, frozenset(seen)))
    for chat_id, topic, point, seen in marks:
        chat_store.record_snapshot(db, chat_id, topic, "brief", point, seen)
    return states


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


def latencies(fn, runs: int) -> tuple[float, float, float]:
    """CPU p50 and p95 and wall-clock p95 of ``fn``, in milliseconds, over ``runs`` calls (after one warm-up)."""
    fn()
    cpu, wall = [], []
    for _ in range(runs):
        start, clock = time.process_time(), time.perf_counter()
        fn()
        cpu.append((time.process_time() - start) * 1000)
        wall.append((time.perf_counter() - clock) * 1000)
    cpu.sort()
    wall.sort()
    at = min(runs - 1, int(0.95 * runs))
    return statistics.median(cpu), cpu[at], wall[at]


def timing(what: str, figures: tuple[float, float, float], target: str) -> str:
    """One line of a timed call's figures: CPU p50 and p95, wall p95, the target and the load average now."""
    p50, p95, wall = figures
    return (
        f"{what}: CPU p50 {p50:.1f} ms, p95 {p95:.1f} ms (wall p95 {wall:.1f} ms)  (target {target}); "
        f"load {os.getloadavg()[0]:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--base", type=int, default=400)
    parser.add_argument("--chats", type=int, default=2000, help="chats in the digest wave (0: the reads alone)")
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

    cached = grown_store(args.base, args.articles)
    path = CACHE / "scale-run.db"  # a copy: the chats and their briefings below change it
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)  # a run stopped mid-write leaves a journal that must not meet the new copy
    shutil.copy(cached, path)
    service = Service(open_database(path))
    collect_rarely()  # as the bot's start-up leaves the collector
    db = service.db
    one = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731
    count = one("SELECT count(*) FROM articles")
    print(
        f"store: {count:,} articles ({one('SELECT count(*) FROM articles WHERE duplicate_of IS NULL'):,} distinct), "
        f"{one('SELECT count(*) FROM entities'):,} entities, {one('SELECT count(*) FROM sentences'):,} sentences, "
        f"{one('SELECT count(*) FROM facts'):,} facts ({path.stat().st_size / 1e6:.0f} MB)"
    )

    name, mentions = db.execute(
        "SELECT e.name, t.mentions FROM entity_totals t JOIN entities e ON e.id = t.entity_id "
        "WHERE e.label = 'PERSON' ORDER BY t.mentions DESC LIMIT 1"
    ).fetchone()
    print(timing(f"/who {name} ({mentions:,} mentions)", latencies(lambda: service.who(name), args.runs), "p95 < 300"))
    opens = []
    for _ in range(5):
        service.close()  # not timed: closing the first one checkpoints what opening it migrated
        start = time.process_time()
        service = Service(open_database(path))
        opens.append((time.process_time() - start) * 1000)
    print(f"opening the database: CPU median {statistics.median(opens):.1f} ms, max {max(opens):.1f} ms (target < 50)")
    db = service.db

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
    brief = latencies(lambda: service.brief(broad, length="medium", chat_id=next(chat)), args.runs)
    print(timing(f"/brief {broad} (recorded for a chat)", brief, "p95 < 300"))
    service.brief(broad, chat_id=1)
    print(timing(f"/changes {broad}, nothing new", latencies(lambda: service.changes(1, broad), args.runs), "< 20"))
    print(timing(f"/timeline {broad} (8 dates)", latencies(lambda: service.timeline(broad), args.runs), "p95 < 500"))
    print(timing(f"/trend {broad} (numbers)", latencies(lambda: service.trend(broad), args.runs), "p95 < 1000"))

    if not args.chats:  # the reads alone (--chats 0)
        service.close()
        print(f"({date.today().isoformat()}; {count:,} articles; python {sys.version.split()[0]})")
        return
    # The digest wave through the bot, every chat in a state of its own making (see set_up_chats).
    states = set_up_chats(db, topics, args.chats, args.fresh, random.Random(3))
    per_pair = sorted(len(v) for v in states.values())
    print(
        f"chats: {args.chats:,} x 2 of {len(topics)} topics; {sum(per_pair):,} distinct states over "
        f"{len(per_pair)} (topic, length) pairs, min {per_pair[0]}, median {statistics.median(per_pair):.0f} per pair "
        "(target >= 10)"
    )
    history_before = history_rows(db)
    newest = db.execute("SELECT max(published_at) FROM articles").fetchone()[0]
    fired = datetime(int(newest[:4]) + 1, 1, 1, 8, 0, 30, tzinfo=UTC)
    service.close()
    result = asyncio.run(wave(path, fired, broad, load_pipeline()))
    service = Service(open_database(path))
    db = service.db
    again = sum(service.claim_digest(c, fired) is not None for c in range(1, args.chats + 1))
    history_after = history_rows(db)
    statuses, during, sent = result["statuses"], result["latencies"], result["double"]
    briefings = 2 * statuses.count("sent")
    hits, misses = result["cache"]
    print(
        f"digest wave, as the bot runs it (claim and record on the writer, compute on 2 readers, render, send to the "
        f"Bot API double at Telegram's 30 messages/s; the /brief probes' CPU taken out): "
        f"{result['cpu']:.1f} s CPU in all, of which compute {result['compute']:.1f} s "
        f"({result['prepare']:.1f} s of it working the wave out ahead; target <= 120 for 10,000 chats); "
        f"{result['wall']:.0f} s wall; {statuses.count('sent'):,} sent, {statuses.count('nothing-new'):,} nothing new, "
        f"{len(statuses) - statuses.count('sent') - statuses.count('nothing-new')} other, {again} sent twice; "
        f"diff cache {hits:,} hits / {misses:,} misses"
    )
    per_chat = sent["messages"] / max(1, sent["chats"])
    print(
        f"delivery: {sent['messages']:,} messages to {sent['chats']:,} chats ({per_chat:.2f} per chat, "
        f"{sent['characters'] / max(1, sent['messages']):,.0f} characters each), {sent['rejected']} refused by the "
        f"double's Telegram checks; at 30 messages/s {sent['messages'] / 30 / 60:.1f} min; peak RSS of the bot "
        f"during the wave {result['peak']:.0f} MB (target < 450)"
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
        ingest_growth(grown_store(args.base, args.base), cached, args.ingest)
    print(f"({date.today().isoformat()}; {count:,} articles; python {sys.version.split()[0]})")


if __name__ == "__main__":
    main()
