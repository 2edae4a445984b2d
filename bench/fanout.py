"""Digest fan-out: N subscribed chats, one slot, against the local Bot API double with the rate limiter on.

Usage: python bench/fanout.py [--chats 10000]
Prints sustained messages/s (target >= 28 of Telegram's 30/s: the limiter, not our code, is the bottleneck),
digest compute time per chat (p50, p95) and peak memory. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import digests  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.telegram_app import build_application, post_init, post_shutdown  # noqa: E402
from service.app import Service  # noqa: E402
from storage import chats as chat_store  # noqa: E402
from storage.db import open_database, transaction  # noqa: E402
from summarizer.nlp import load_pipeline  # noqa: E402
from tests.botapi import BotAPIDouble  # noqa: E402


def prepare(path: Path, chats: int, nlp) -> None:
    db = open_database(path)
    Service(db, nlp).ingest([str(ROOT / "seeds")])
    with transaction(db):
        for chat_id in range(1, chats + 1):
            chat_store.subscribe(db, chat_id, "Gaza" if chat_id % 3 else "Hezbollah")
            chat_store.update_chat(db, chat_id, digest_time="03:00", timezone="Pacific/Kiritimati")
    db.close()


async def fan_out(settings: Settings, chats: int, nlp) -> None:
    double = BotAPIDouble().start()
    settings = Settings(**{**settings.__dict__, "bot_api_url": double.url})
    app = build_application(settings, nlp=nlp)
    compute: list[float] = []
    async with app:
        await post_init(app)
        runner = app.bot_data.runner
        service = runner.service
        original = Service.compute_digest

        def timed_digest(self, claim):
            start = time.perf_counter()
            try:
                return original(self, claim)
            finally:
                compute.append((time.perf_counter() - start) * 1000)

        Service.compute_digest = timed_digest  # type: ignore[method-assign]
        all_chats = await runner.run(chat_store.chats_with_digests, service.db)
        fired = datetime(2024, 10, 23, 3, 0, 30, tzinfo=ZoneInfo("Pacific/Kiritimati"))
        start = time.perf_counter()
        statuses = await asyncio.gather(*(digests.deliver(app, chat.id, fired) for chat in all_chats))
        elapsed = time.perf_counter() - start
        await post_shutdown(app)
    double.stop()
    sent = len(double.sent())
    refused = [m for m, _ in double.calls if "!" in m]
    print(
        f"chats: {len(all_chats)}, delivered: {statuses.count('sent')}, not delivered: "
        f"{len(statuses) - statuses.count('sent')} ({', '.join(sorted(set(statuses) - {'sent'})) or 'none'}), "
        f"messages sent: {sent}, refused by the API: {len(refused)}, in {elapsed:.1f} s"
    )
    # Sustained rate: the limiter allows a burst first, so measure over the whole fan-out.
    print(f"sustained rate: {sent / elapsed:.1f} messages/s  (target >= 28; Telegram's cap is 30)")
    compute.sort()
    print(
        f"digest compute per chat: p50 {statistics.median(compute):.1f} ms, "
        f"p95 {compute[int(0.95 * (len(compute) - 1))]:.1f} ms (first chat per topic state: {max(compute):.0f} ms)"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chats", type=int, default=10_000)
    args = parser.parse_args()
    nlp = load_pipeline()
    path = Path(tempfile.mkdtemp()) / "fanout.db"
    prepare(path, args.chats, nlp)
    settings = Settings(token="123456:BENCH", db_path=str(path), feed_poll_minutes=600, digest_grace_minutes=0)
    asyncio.run(fan_out(settings, args.chats, nlp))


if __name__ == "__main__":
    main()
