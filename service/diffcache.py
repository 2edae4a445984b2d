"""A cache of computed diffs, shared by the reader threads (no NLP: the service holds one from the start)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

T = TypeVar("T")

# A mark's arrivals, a topic's reads and its briefing's scoring (a few MB each, tens for a broad topic) serve every
# chat at that mark or on that topic: they keep budgets of their own, so the many small per-state entries never push
# them out. A wave works its chats out ahead topic by topic (service/wave.py) and keeps none of them here: these serve
# /changes and single deliveries. A chat state's diff is small, and a wave keeps one for every state it meets: room
# for them all.
LIMITS = {"arrivals": 48, "reads": 12, "scored": 12, "state": 50_000}


class DiffCache:
    """Diffs keyed by everything they depend on, so a digest for 10,000 chats in the same state runs once.

    Entries are kept by kind (a key's first item), least recently used first out: ``size`` of each kind, or the
    kind's own limit in ``limits``.
    """

    def __init__(self, size: int = 4096, limits: Mapping[str, int] = LIMITS) -> None:
        self._kinds: dict[str, OrderedDict[tuple, object]] = {}
        self._size = size
        self._limits = dict(limits)
        self._lock = threading.Lock()  # readers on several threads share one cache
        self.hits = self.misses = 0

    def get(self, key: tuple[Any, ...], make: Callable[[], T]) -> T:
        """The cached value for ``key``, or ``make()`` stored under it (two threads may both make it once)."""
        kind = str(key[0])
        with self._lock:
            items = self._kinds.setdefault(kind, OrderedDict())
            if key in items:
                self.hits += 1
                items.move_to_end(key)
                return cast(T, items[key])
            self.misses += 1
        value = make()
        with self._lock:
            items[key] = value
            if len(items) > self._limits.get(kind, self._size):
                items.popitem(last=False)
        return value

    def kinds(self) -> set[str]:
        """The kinds of entry held now."""
        with self._lock:
            return {kind for kind, items in self._kinds.items() if items}

    def clear(self, kind: str) -> None:
        """Forget every entry of one kind."""
        with self._lock:
            self._kinds.pop(kind, None)

    def update(self, other: DiffCache, kind: str) -> None:
        """Keep ``other``'s entries of one kind as well (a limit still holds)."""
        with other._lock:
            entries = list(other._kinds.get(kind, {}).items())
        with self._lock:
            items = self._kinds.setdefault(kind, OrderedDict())
            items.update(entries)
            while len(items) > self._limits.get(kind, self._size):
                items.popitem(last=False)
