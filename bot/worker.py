"""`briefbot worker`: a process that delivers due digests from the shared store and takes no Telegram updates.

Any number run side by side, on one machine or several sharing a PostgreSQL store (SQLite works for several on one
machine). Each pass reads which chats' current slot is unsent and goes through them in its own random order, each by
the bot's own ``digests.deliver``. Sends are paced by a budget the workers share through the store
(``storage.chats.book_send``): each message books the next free instant, ``1 / BRIEFBOT_WORKER_SEND_RATE`` seconds
after the one booked before it by any worker, and waits for it. A worker computes a chat's digest (reads only), books
its turn, and only then claims the chat and sends: the claim is one atomic statement (``storage.chats.claim_delivery``:
an insert, or taking over a 'failed' row, or nothing), so two workers reaching one chat send it once; a worker killed
before its claim has claimed nothing, and one killed between its claim and the end of its send leaves the claim
'sending', never sent twice.
"""

from __future__ import annotations

import asyncio
import logging
import random
import signal
import time
from datetime import timedelta

from telegram.ext import Application

from bot import digests
from bot.context import BotData
from bot.settings import Settings
from service.app import Service

log = logging.getLogger(__name__)

# Seconds between two looks for due digests: a digest goes out at most this late.
PASS_SECONDS = 5.0


def _data(app: Application) -> BotData:
    data: BotData = app.bot_data
    return data


def budget(app: Application, rate: float) -> digests.SendBudget:
    """Wait for this many messages' turns in the budget shared by every worker of the bot."""
    runner = _data(app).runner
    bot = (app.bot.token or "").split(":", 1)[0]  # the bot's id, never its secret
    gap = 1.0 / rate

    async def wait_turns(messages: int) -> float:
        at = time.time()
        for _ in range(messages):
            while True:
                at = await runner.run_background(runner.service.book_send, bot, gap)
                delay = at - time.time()
                # A turn already gone by (this worker fell behind) would crowd the sends of the turns after it:
                # it is left unused and the next free one booked.
                if delay > -gap:
                    break
            if delay > 0:
                await asyncio.sleep(delay)
        return at

    return wait_turns


async def deliver_due(app: Application) -> int:
    """One pass: deliver every chat whose current slot is due and unsent (or failed); returns how many were sent."""
    data = _data(app)
    grace = timedelta(minutes=data.settings.digest_grace_minutes)
    _, due = await data.runner.read_background(Service.digest_chats, data.clock(), grace)
    random.shuffle(due)  # workers reading the same list go through it in different orders: few meet on one chat
    if len(due) > 1:
        await data.runner.read_background(Service.prepare_digests, [chat.id for chat in due])
    statuses = await asyncio.gather(*(digests.deliver(app, chat.id, data.clock()) for chat in due))
    return sum(1 for status in statuses if status == "sent")


async def run_worker(app: Application, settings: Settings, passes: int | None = None) -> None:
    """Deliver due digests until SIGTERM or SIGINT (or for ``passes`` passes)."""
    data = _data(app)
    data.send_budget = budget(app, settings.worker_send_rate)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with app:
        await data.runner.start()
        try:
            done = 0
            while not stop.is_set() and (passes is None or done < passes):
                sent = await deliver_due(app)
                if sent:
                    log.info("worker pass: %d digests sent", sent)
                done += 1
                try:
                    await asyncio.wait_for(stop.wait(), PASS_SECONDS)
                except TimeoutError:
                    pass
        finally:
            await data.runner.stop()
