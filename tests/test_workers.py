"""Digest workers: three processes on one PostgreSQL store, each killed (SIGKILL) and restarted during a 300-chat
wave, deliver every chat's digest once and never twice, inside the send budget they share."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from storage import chats as chat_store
from storage.db import open_database, transaction
from tests.botapi import BotAPIDouble
from tests.conftest import GUARDED_PATH, ROOT

CHATS = list(range(5001, 5301))
RATE = 30.0  # messages per second, for all the workers together
KILLS = 6
WINDOW = 2.0  # seconds


def start_worker(url: str, double: BotAPIDouble) -> subprocess.Popen:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": "/tmp",
        "TELEGRAM_BOT_TOKEN": "123456:TEST",
        "BRIEFBOT_BOT_API_URL": double.url,
        "BRIEFBOT_DATABASE_URL": url,
        "BRIEFBOT_DIGEST_WORKERS": "true",
        "BRIEFBOT_WORKER_SEND_RATE": str(RATE),
        "BRIEFBOT_LOG_LEVEL": "WARNING",
        "PYTHONPATH": GUARDED_PATH,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "worker"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def digests(double: BotAPIDouble) -> Counter:
    return Counter(int(p["chat_id"]) for p in double.sent() if p["text"].startswith("<b>Your daily digest"))


def statuses(url: str) -> dict[int, str]:
    db = open_database(url)
    try:
        return {chat_id: status for chat_id, _, status in chat_store.deliveries(db)}
    finally:
        db.close()


def test_three_workers_killed_and_restarted_deliver_each_chat_once(postgres, postgres_seeded):
    url = postgres.create_database("wave", template=postgres_seeded)
    db = open_database(url)
    slot_time = (datetime.now(UTC) - timedelta(minutes=2)).strftime("%H:%M")
    with transaction(db):
        for chat_id in CHATS:
            chat_store.subscribe(db, chat_id, "Gaza")
            chat_store.update_chat(db, chat_id, digest_time=slot_time, timezone="UTC")
    db.close()

    double = BotAPIDouble(reply_delay=0.01).start()
    shuffle = random.Random(20)
    workers = [start_worker(url, double) for _ in range(3)]
    kills = 0
    try:
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline and len(statuses(url)) < len(CHATS):
            time.sleep(shuffle.uniform(0.5, 2.0))
            if kills < KILLS:
                victim = shuffle.randrange(len(workers))
                workers[victim].send_signal(signal.SIGKILL)
                workers[victim].wait(timeout=30)
                workers[victim] = start_worker(url, double)
                kills += 1
        time.sleep(3.0)  # the sends in flight end, and any second copy would show
        ended = statuses(url)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
        double.stop()
        postgres.drop_database("wave")

    received = digests(double)
    lost = sorted(chat for chat in CHATS if received[chat] == 0)
    assert kills == KILLS
    assert len(ended) == len(CHATS)  # every chat was claimed
    assert max(received.values()) == 1  # never twice
    assert set(received) <= set(CHATS)
    # Every chat the store says was sent got its digest; a chat lost was claimed by a worker killed mid-send.
    assert all(received[chat] == 1 for chat, status in ended.items() if status == "sent")
    assert all(ended.get(chat) == "sending" for chat in lost)
    assert len(lost) <= kills * 2  # a worker claims only when its turn has come: few are lost to a kill
    # The workers together kept to the budget: no two seconds hold more than the rate allows, and a little slack
    # (a send leaves its worker a moment after its turn, later on a loaded machine).
    times = sorted(double.sent_at)
    busiest = max(sum(1 for t in times[i:] if t < start + WINDOW) for i, start in enumerate(times))
    print(
        f"kills {kills}; {sum(received.values())} digests to {len(received)} chats; lost {len(lost)}; "
        f"busiest {WINDOW:.0f} s {busiest} messages"
    )
    assert busiest <= RATE * WINDOW + 4
