"""A digest wave worked out ahead (``Service.prepare_digests``): the first run of a minute starts it for every chat
due then; each run waits only until its own chat's topics are done, so sending starts while the rest is worked out."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from bot.runner import BlockingRunner
from service.app import Service

log = logging.getLogger(__name__)

# A wave is the chats whose slot fell due within this long before its first run.
WAVE_WINDOW = timedelta(minutes=1)


class Wave:
    """One minute's wave: which chats are ready, and the work that readies them."""

    def __init__(self) -> None:
        self.ready: set[int] = set()
        self.waiting: dict[int, asyncio.Event] = {}
        self.task: asyncio.Future[None] | None = None

    def mark_ready(self, chat_id: int) -> None:
        """Called on the event loop as the work ahead finishes a chat's topics."""
        self.ready.add(chat_id)
        event = self.waiting.pop(chat_id, None)
        if event is not None:
            event.set()

    async def wait_for(self, chat_id: int) -> None:
        """Until the chat is ready, or the work ahead ended (done, or failed: the chat is then computed alone)."""
        assert self.task is not None
        if chat_id in self.ready or self.task.done():
            return
        event = self.waiting.setdefault(chat_id, asyncio.Event())
        ready: asyncio.Future[Any] = asyncio.ensure_future(event.wait())
        await asyncio.wait([ready, self.task], return_when=asyncio.FIRST_COMPLETED)
        ready.cancel()


async def prepared(waves: dict[datetime, Wave], runner: BlockingRunner, fired_at: datetime, chat_id: int) -> None:
    """Wait until the wave a run at ``fired_at`` belongs to (in ``waves``, by minute) has worked out this chat's
    digest (a wave that cannot be worked out ahead is computed chat by chat, as before)."""
    minute = fired_at.replace(second=0, microsecond=0)
    wave = waves.get(minute)
    if wave is None:
        for gone in [m for m in waves if m < minute - WAVE_WINDOW]:
            del waves[gone]
        wave = waves[minute] = Wave()
        wave.task = asyncio.ensure_future(_prepare(runner, wave, fired_at))
    await wave.wait_for(chat_id)


async def _prepare(runner: BlockingRunner, wave: Wave, fired_at: datetime) -> None:
    loop = asyncio.get_running_loop()

    def ready(chat_id: int) -> None:  # on the reader's thread
        loop.call_soon_threadsafe(wave.mark_ready, chat_id)

    try:
        _, due = await runner.read_background(Service.digest_chats, fired_at, WAVE_WINDOW)
        if len(due) > 1:
            done = await runner.read_background(Service.prepare_digests, [chat.id for chat in due], ready)
            log.info("digest wave at %s worked out ahead: %s", fired_at, done)
    except Exception:  # the wave is still delivered, chat by chat
        log.exception("could not work out the digest wave at %s ahead", fired_at)
