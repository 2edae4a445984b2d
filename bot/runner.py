"""The one place blocking work (SQLite, spaCy, ranking) leaves the event loop: a single worker thread."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from service.app import Service

P = ParamSpec("P")
T = TypeVar("T")


class BlockingRunner:
    """Runs service calls on one dedicated thread, so the SQLite connection is only ever used from there.

    ``await runner.run(service.brief, topic="gaza")`` is typed like the call itself: a checker and an editor follow
    it to ``Service.brief``.
    """

    def __init__(self, service_factory: Callable[[], Service]) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="briefbot-service")
        # Network work (fetching pages and feeds) runs apart: a slow site never delays an interactive command.
        self._network = ThreadPoolExecutor(max_workers=2, thread_name_prefix="briefbot-fetch")
        self._factory = service_factory
        self._service: Service | None = None

    @property
    def service(self) -> Service:
        """The open service."""
        if self._service is None:
            raise RuntimeError("the service is not open yet (post_init has not run)")
        return self._service

    async def start(self) -> Service:
        """Open the service (database, spaCy) on the worker thread."""
        service = await self.run(self._factory)
        await self.run(lambda: service.nlp)  # load spaCy once, at start-up
        self._service = service
        return service

    async def run(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn(*args, **kwargs)`` on the worker thread and await its result."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args, **kwargs))

    async def fetch(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run network-only ``fn`` (no database) on the fetch threads and await its result."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._network, functools.partial(fn, *args, **kwargs))

    async def stop(self) -> None:
        """Close the service and the worker thread."""
        if self._service is not None:
            await self.run(self._service.close)
            self._service = None
        self._executor.shutdown(wait=True)
        self._network.shutdown(wait=False, cancel_futures=True)
