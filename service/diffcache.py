"""A cache of computed diffs, shared by the reader threads (no NLP: the service holds one from the start)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar, cast

T = TypeVar("T")


class DiffCache:
    """Diffs keyed by everything they depend on, so a digest for 10,000 chats in the same state runs once.

    Least recently used entries go first; the default holds 50 topics × 3 lengths × several chat states.
    """

    def __init__(self, size: int = 1024) -> None:
        self._items: OrderedDict[tuple, object] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()  # readers on several threads share one cache
        self.hits = self.misses = 0

    def get(self, key: tuple[Any, ...], make: Callable[[], T]) -> T:
        """The cached value for ``key``, or ``make()`` stored under it (two threads may both make it once)."""
        with self._lock:
            if key in self._items:
                self.hits += 1
                self._items.move_to_end(key)
                return cast(T, self._items[key])
            self.misses += 1
        value = make()
        with self._lock:
            self._items[key] = value
            if len(self._items) > self._size:
                self._items.popitem(last=False)
        return value
