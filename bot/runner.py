"""The one place blocking work (SQLite, spaCy, ranking, the network) leaves the event loop: one writer thread,
reader threads beside it, and network threads that never touch the database."""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

from service.app import FEEDS_AT_ONCE, Service

P = ParamSpec("P")
T = TypeVar("T")


class BlockingRunner:
    """Runs service calls off the event loop: writes on one dedicated thread that owns the SQLite connection,
    reads (profiles, timelines, digest computation) on reader threads with connections of their own.

    ``await runner.run(service.brief, topic="gaza")`` and ``await runner.read(Service.who, "Blinken")`` are typed
    like the calls themselves: a checker and an editor follow them to ``Service.brief`` and ``Service.who``.
    """

    def __init__(
        self, service_factory: Callable[[], Service], reader_path: str | Path | None = None, readers: int = 2
    ) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="briefbot-service")
        # Network work (name look-ups, pages, feeds) runs apart: a slow site never delays a database call, and a
        # feed poll uses at most FEEDS_AT_ONCE of these threads, so /ingest and /feeds add always find one free.
        self._network = ThreadPoolExecutor(max_workers=FEEDS_AT_ONCE + 2, thread_name_prefix="briefbot-fetch")
        # Reads run beside the writer (SQLite WAL), so a digest wave never queues a /brief behind it.
        # Without a file (an in-memory database) reads share the writer's thread.
        self._reader_path = reader_path if reader_path and str(reader_path) != ":memory:" else None
        self._readers = ThreadPoolExecutor(max_workers=readers, thread_name_prefix="briefbot-reader")
        self._local = threading.local()
        self._reader_services: list[Service] = []
        self._reader_lock = threading.Lock()
        self._factory = service_factory
        self._service: Service | None = None

    @property
    def service(self) -> Service:
        """The open service."""
        if self._service is None:
            raise RuntimeError("the service is not open yet (post_init has not run)")
        return self._service

    async def start(self) -> Service:
        """Open the service (database, spaCy) on the writer thread."""
        service = await self.run(self._factory)
        await self.run(lambda: service.nlp)  # load spaCy once, at start-up
        self._service = service
        return service

    async def run(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn(*args, **kwargs)`` on the writer thread and await its result."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(fn, *args, **kwargs))

    async def read(self, fn: Callable[Concatenate[Service, P], T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn(reader_service, *args, **kwargs)`` on a reader thread: ``fn`` must only read."""
        loop = asyncio.get_running_loop()
        if self._reader_path is None:
            return await loop.run_in_executor(self._executor, functools.partial(fn, self.service, *args, **kwargs))
        return await loop.run_in_executor(self._readers, functools.partial(self._on_reader, fn, *args, **kwargs))

    def _on_reader(self, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
        service: Service | None = getattr(self._local, "service", None)
        if service is None:
            assert self._reader_path is not None
            service = self._local.service = self.service.reader(self._reader_path)
            with self._reader_lock:
                self._reader_services.append(service)
        return fn(service, *args, **kwargs)

    async def fetch(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run network-only ``fn`` (no database) on the fetch threads and await its result."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._network, functools.partial(fn, *args, **kwargs))

    async def stop(self) -> None:
        """Close the service, its readers and their threads."""
        self._readers.shutdown(wait=True)
        for reader in self._reader_services:
            reader.close()
        if self._service is not None:
            await self.run(self._service.close)
            self._service = None
        self._executor.shutdown(wait=True)
        self._network.shutdown(wait=False, cancel_futures=True)
