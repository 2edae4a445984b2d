"""The one place blocking work (SQLite, spaCy, ranking) leaves the event loop: a single worker thread."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from service.app import Service

T = TypeVar("T")


class BlockingRunner:
    """Runs service calls on one dedicated thread, so the SQLite connection is only ever used from there."""

    def __init__(self, service_factory: Callable[[], Service]) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="briefbot-service")
        # Network work (fetching pages and feeds) runs apart: a slow site never delays an interactive command.
        self._network = ThreadPoolExecutor(max_workers=2, thread_name_prefix="briefbot-fetch")
        self._factory = service_factory
        self.service: Service | None = None

    async def start(self) -> Service:
        """Open the service (database, spaCy) on the worker thread."""
        self.service = await self.call(self._factory)
        await self.call(lambda: self.service.nlp)  # load spaCy once, at start-up
        return self.service

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn(*args, **kwargs)`` on the worker thread and await its result."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args, **kwargs))

    async def fetch(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run network-only ``fn`` (no database) on the fetch threads and await its result."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._network, functools.partial(fn, *args, **kwargs))

    async def stop(self) -> None:
        """Close the service and the worker thread."""
        if self.service is not None:
            await self.call(self.service.close)
            self.service = None
        self._executor.shutdown(wait=True)
        self._network.shutdown(wait=False, cancel_futures=True)
