"""The one place blocking work (SQLite, spaCy, ranking, the network) leaves the event loop: one writer thread,
reader threads beside it, and network threads that never touch the database."""

from __future__ import annotations

import asyncio
import functools
import gc
import itertools
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from service.app import FEEDS_AT_ONCE, Service

P = ParamSpec("P")
T = TypeVar("T")

# Work a person waits for goes before the digest wave's: a /brief at 08:00 never queues behind 10,000 digests.
NOW, BACKGROUND, STOP = 0, 1, 2


@functools.cache
def collect_rarely() -> None:
    """Once per process, after start-up: keep the cyclic garbage collector off what start-up loaded and out of the
    digest wave's way.

    At CPython's default thresholds the collector walks the long-lived objects again and again while a wave builds
    and drops each topic's reads (hundreds of thousands of small objects, freed by reference counting, not by it):
    a fifth to a third of a wave's CPU in direct runs. What start-up loaded (spaCy's model, the service) is frozen
    out of its walks, and the youngest generation is collected every 50,000 allocations instead of 700.
    """
    gc.collect()  # nothing unreachable is frozen
    gc.freeze()
    gc.set_threshold(50_000, 20, 10)


class PriorityPool:
    """Threads taking work by priority, then in the order it came: a command waits for the work running, never for
    the background work queued."""

    def __init__(self, threads: int, name: str) -> None:
        self._queue: queue.PriorityQueue[tuple[int, int, Callable[[], Any] | None, Future[Any] | None]] = (
            queue.PriorityQueue()
        )
        self._order = itertools.count()
        self._threads = [threading.Thread(target=self._work, name=f"{name}_{i}", daemon=True) for i in range(threads)]
        for thread in self._threads:
            thread.start()

    def submit(self, priority: int, fn: Callable[[], T]) -> Future[T]:
        """Queue ``fn`` at ``priority`` (NOW or BACKGROUND); its future."""
        future: Future[T] = Future()
        self._queue.put((priority, next(self._order), fn, future))
        return future

    def _work(self) -> None:
        while True:
            _, _, fn, future = self._queue.get()
            if fn is None or future is None:
                return
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(fn())
                except BaseException as exc:  # the awaiting coroutine gets it, as from an executor
                    future.set_exception(exc)

    def shutdown(self) -> None:
        """Finish the work queued, then stop the threads."""
        for _ in self._threads:
            self._queue.put((STOP, next(self._order), None, None))
        for thread in self._threads:
            thread.join()


class BlockingRunner:
    """Runs service calls off the event loop: writes on one dedicated thread that owns the SQLite connection,
    reads (profiles, timelines, digest computation) on reader threads with connections of their own.

    ``await runner.run(service.brief, topic="gaza")`` and ``await runner.read(Service.who, "Blinken")`` are typed
    like the calls themselves: a checker and an editor follow them to ``Service.brief`` and ``Service.who``.
    """

    def __init__(
        self, service_factory: Callable[[], Service], reader_path: str | Path | None = None, readers: int = 2
    ) -> None:
        self._executor = PriorityPool(1, "briefbot-service")
        # Network work (name look-ups, pages, feeds) runs apart: a slow site never delays a database call, and a
        # feed poll uses at most FEEDS_AT_ONCE of these threads, so /ingest and /feeds add always find one free.
        self._network = ThreadPoolExecutor(max_workers=FEEDS_AT_ONCE + 2, thread_name_prefix="briefbot-fetch")
        # Reads run beside the writer (SQLite WAL), so a digest wave never queues a /brief behind it.
        # Without a file (an in-memory database) reads share the writer's thread.
        self._reader_path = reader_path if reader_path and str(reader_path) != ":memory:" else None
        self._readers = PriorityPool(readers, "briefbot-reader")
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
        collect_rarely()
        self._service = service
        return service

    async def run(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn(*args, **kwargs)`` on the writer thread and await its result."""
        return await asyncio.wrap_future(self._executor.submit(NOW, functools.partial(fn, *args, **kwargs)))

    async def run_background(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """``run``, after any command's work waiting for the writer (the digest wave's claims and records)."""
        return await asyncio.wrap_future(self._executor.submit(BACKGROUND, functools.partial(fn, *args, **kwargs)))

    async def read(self, fn: Callable[Concatenate[Service, P], T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn(reader_service, *args, **kwargs)`` on a reader thread: ``fn`` must only read."""
        return await self._read(NOW, lambda service: fn(service, *args, **kwargs))

    async def read_background(
        self, fn: Callable[Concatenate[Service, P], T], /, *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """``read``, after any command's reads waiting for a reader (the digest wave's computing)."""
        return await self._read(BACKGROUND, lambda service: fn(service, *args, **kwargs))

    async def _read(self, priority: int, fn: Callable[[Service], T]) -> T:
        if self._reader_path is None:
            return await asyncio.wrap_future(self._executor.submit(priority, functools.partial(fn, self.service)))
        return await asyncio.wrap_future(self._readers.submit(priority, functools.partial(self._on_reader, fn)))

    def _on_reader(self, fn: Callable[[Service], T]) -> T:
        service: Service | None = getattr(self._local, "service", None)
        if service is None:
            assert self._reader_path is not None
            service = self._local.service = self.service.reader(self._reader_path)
            with self._reader_lock:
                self._reader_services.append(service)
        return fn(service)

    async def fetch(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run network-only ``fn`` (no database) on the fetch threads and await its result."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._network, functools.partial(fn, *args, **kwargs))

    async def stop(self) -> None:
        """Close the service, its readers and their threads."""
        self._readers.shutdown()
        for reader in self._reader_services:
            reader.close()
        if self._service is not None:
            await self.run(self._service.close)
            self._service = None
        self._executor.shutdown()
        self._network.shutdown(wait=False, cancel_futures=True)
