"""A digest wave worked out topic by topic and mark by mark, so that what a mark's arrivals hold is dropped as soon as
every chat at that mark has its diff, instead of staying cached until the wave ends."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from service.changes import compute_changes
from service.diffcache import DiffCache
from storage import chats as chat_store
from storage.db import Database

# What a chat's digest finds ready: its diff per state, and the first briefing of a topic it never had.
PREPARED_KINDS = ("state", "brief")
# What serves only the chats at one mark.
MARK_KINDS = ("arrivals", "novel", "diff")


@dataclass(frozen=True)
class Prepared:
    """How much of a wave was worked out ahead: chats, (topic, mark) groups and chat topics."""

    chats: int
    marks: int
    topics: int


def prepare_wave(
    db: Database, chat_ids: Iterable[int], cache: DiffCache, ready: Callable[[int], None] | None = None
) -> Prepared:
    """Work out every diff these chats' digests will need (reads only) and keep them in ``cache``: each topic's
    reads and each mark's arrivals are made once and let go when the topic or mark is done. ``ready(chat_id)`` is
    called as soon as all of a chat's topics are."""
    marks: dict[str, dict[int | None, list[tuple[int, str]]]] = defaultdict(lambda: defaultdict(list))
    left: dict[int, int] = {}  # chat id -> its topics not yet worked out
    for chat_id in chat_ids:
        chat = chat_store.get_chat(db, chat_id)
        if chat is None:
            continue
        left[chat_id] = 0
        for topic in chat_store.subscriptions(db, chat_id):
            last = chat_store.last_snapshot(db, chat_id, topic)
            marks[topic][last.covered_to if last else None].append((chat_id, chat.length))
            left[chat_id] += 1
    announce = ready or (lambda _: None)
    for chat_id in [c for c, n in left.items() if n == 0]:
        announce(chat_id)
    for topic, by_mark in marks.items():
        own = DiffCache()
        for chats_at_mark in by_mark.values():
            for chat_id, length in chats_at_mark:
                compute_changes(db, chat_id, topic, length, own, record=False)
            for kind in MARK_KINDS:
                own.clear(kind)
        for kind in PREPARED_KINDS:
            cache.update(own, kind)
        for chats_at_mark in by_mark.values():
            for chat_id, _ in chats_at_mark:
                left[chat_id] -= 1
                if left[chat_id] == 0:
                    announce(chat_id)
    topics = sum(len(chats) for by_mark in marks.values() for chats in by_mark.values())
    return Prepared(len(left), sum(len(by_mark) for by_mark in marks.values()), topics)
