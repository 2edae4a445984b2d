"""Exactly-once digests: a real bot process killed with SIGKILL mid fan-out, then restarted."""

import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from storage import chats as chat_store
from storage.db import open_database
from tests.botapi import BotAPIDouble
from tests.conftest import GUARDED_PATH, ROOT

CHATS = list(range(101, 107))


def start_bot(db_path, double):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": "/tmp",
        "TELEGRAM_BOT_TOKEN": "123456:TEST",
        "BRIEFBOT_BOT_API_URL": double.url,
        "BRIEFBOT_DATABASE_URL": str(db_path),
        "BRIEFBOT_FEED_POLL_MINUTES": "600",
        "BRIEFBOT_LOG_LEVEL": "WARNING",
        "PYTHONPATH": GUARDED_PATH,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "start"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def digest_counts(double) -> Counter:
    """Digests per chat, counted by their opening (a digest is one message, split only past 4,096 units)."""
    return Counter(
        int(p["chat_id"])
        for p in double.sent()
        if int(p["chat_id"]) in CHATS and p["text"].startswith("<b>Your daily digest")
    )


def test_kill_nine_mid_fanout_then_restart_delivers_each_chat_once(seeded_path, tmp_path):
    db_path = tmp_path / "bot.db"
    shutil.copy(seeded_path, db_path)
    db = open_database(db_path)
    slot_time = (datetime.now(UTC) - timedelta(minutes=2)).strftime("%H:%M")
    for chat_id in CHATS:
        chat_store.subscribe(db, chat_id, "Gaza")
        chat_store.update_chat(db, chat_id, digest_time=slot_time, timezone="UTC")
    db.close()

    double = BotAPIDouble(reply_delay=0.8).start()
    try:
        first = start_bot(db_path, double)
        wait(lambda: len(digest_counts(double)) >= 3)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        killed_after = sum(digest_counts(double).values())
        assert killed_after < len(CHATS)  # the kill really landed mid fan-out

        second = start_bot(db_path, double)
        try:
            wait(lambda: set(digest_counts(double)) == set(CHATS))
            time.sleep(2.0)  # room for any duplicate to show up
        finally:
            second.terminate()
            second.wait(timeout=30)
    finally:
        double.stop()
    assert digest_counts(double) == Counter({chat_id: 1 for chat_id in CHATS})
    db = open_database(db_path)
    statuses = {status for _, _, status in chat_store.deliveries(db)}
    db.close()
    assert statuses <= {"sent", "sending"}
