"""Updates from one chat are handled one at a time, in the order they arrived; different chats run concurrently, and
a chat's waiting updates hold none of the shared processing slots."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)

# Updates one chat may have waiting; beyond it an update is dropped and the chat told once.
MAX_QUEUED_PER_CHAT = 20

Overflow = Callable[[Update], Awaitable[None]]


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """A queue per chat, run by the chat's first waiting update in one processing slot: 150 commands from one
    chat occupy one of the 64 slots, not all of them, so other chats are answered at once. A chat's queue holds at
    most ``max_queued`` updates; ``on_overflow`` is told of the first dropped update of a burst (and again only
    after the queue has drained)."""

    def __init__(
        self,
        max_concurrent_updates: int = 64,
        max_queued: int = MAX_QUEUED_PER_CHAT,
        on_overflow: Overflow | None = None,
    ) -> None:
        super().__init__(max_concurrent_updates)
        self.max_queued = max_queued
        self.on_overflow = on_overflow
        self._queues: dict[int, deque[Coroutine[Any, Any, Any]]] = {}
        self._told: set[int] = set()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run ``coroutine`` after every earlier update of the same chat, or drop it when the chat's queue is full.

        PTB calls this holding one processing slot. The chat's first update keeps its slot and runs the chat's
        queue; every later update of the chat joins the queue and returns at once, giving its slot back.
        """
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await _run(coroutine)
            return
        queue = self._queues.get(chat.id)
        if queue is not None:
            if len(queue) < self.max_queued:
                queue.append(coroutine)  # type: ignore[arg-type]
                return
            _close(coroutine)
            if chat.id not in self._told and self.on_overflow is not None and isinstance(update, Update):
                self._told.add(chat.id)
                await self.on_overflow(update)
            return
        queue = self._queues[chat.id] = deque([coroutine])  # type: ignore[list-item]
        try:
            while queue:
                await _run(queue.popleft())
        finally:
            for left in queue:  # only when cancelled at shutdown
                _close(left)
            del self._queues[chat.id]
            self._told.discard(chat.id)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


async def _run(coroutine: Awaitable[Any]) -> None:
    try:
        await coroutine
    except Exception:  # the Application reports handler errors itself; this keeps the chat's queue going
        log.exception("update processing failed")


def _close(coroutine: Awaitable[Any]) -> None:
    """Discard a coroutine that will never run (without a 'never awaited' warning)."""
    close = getattr(coroutine, "close", None)
    if close is not None:
        close()
