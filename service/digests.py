"""Daily digests: which slot a run belongs to, claiming it exactly once, what it says, and recording it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from service.changes import Changes, DiffCache, compute_changes, record_changes
from storage import chats as chat_store
from storage.db import Database
from storage.records import Chat

# How sending a claimed digest ended, and what that is stored as: anything but 'failed' is never sent again.
SendStatus = Literal["sent", "nothing-new", "failed", "forbidden"]
# A delivery attempt: a send status, or 'already' (the slot was claimed before: nothing sent).
DeliveryStatus = Literal["sent", "nothing-new", "failed", "forbidden", "already"]
FINAL_STATUS: dict[SendStatus, str] = {
    "sent": "sent",
    "nothing-new": "sent",
    "failed": "failed",
    "forbidden": "forbidden",
}


@dataclass(frozen=True)
class Claim:
    """A chat's digest slot, claimed for delivery: it must end in ``close_digest`` whatever happens."""

    chat: Chat
    slot: str
    scheduled: datetime


@dataclass
class Digest:
    """One chat's digest for one slot: each subscribed topic with what changed since the chat last saw it."""

    chat: Chat
    slot: str
    scheduled: datetime
    topics: list[tuple[str, Changes]]

    @property
    def news(self) -> list[tuple[str, Changes]]:
        """Topics with something new."""
        return [(t, c) for t, c in self.topics if not c.is_empty]

    @property
    def quiet(self) -> list[tuple[str, Changes]]:
        """Topics with nothing new."""
        return [(t, c) for t, c in self.topics if c.is_empty]

    @property
    def has_content(self) -> bool:
        """Whether there is anything to send: news, or quiet lines the chat wants to see."""
        return bool(self.news) or (bool(self.quiet) and not self.chat.digest_quiet)


def last_scheduled(chat: Chat, now: datetime) -> datetime:
    """The most recent scheduled digest time at or before ``now`` (aware, in the chat's zone)."""
    if not chat.digest_time:
        raise ValueError(f"chat {chat.id} has no digest time")
    zone = ZoneInfo(chat.timezone)
    hh, mm = map(int, chat.digest_time.split(":"))
    local = now.astimezone(zone)
    candidate = datetime.combine(local.date(), time(hh, mm), tzinfo=zone)
    # Compared as instants: two datetimes in one zone compare by wall clock, and on the spring-forward day a 02:30
    # that does not exist (it is 03:30 summer time) would look past at 03:10.
    if _instant(candidate) > _instant(now):
        candidate = datetime.combine(local.date() - timedelta(days=1), time(hh, mm), tzinfo=zone)
    return candidate


def next_scheduled(chat: Chat, after: datetime) -> datetime:
    """The first scheduled digest time after ``after``: one per local day, even on days a DST change skips or
    repeats the chosen time (a skipped 00:00 is the moment the day begins, 01:00 summer time; a repeated 01:00 is
    its first occurrence). ``last_scheduled`` finds the same times."""
    if not chat.digest_time:
        raise ValueError(f"chat {chat.id} has no digest time")
    zone = ZoneInfo(chat.timezone)
    hh, mm = map(int, chat.digest_time.split(":"))
    day = after.astimezone(zone).date()
    while True:
        candidate = datetime.combine(day, time(hh, mm), tzinfo=zone)
        if _instant(candidate) > _instant(after):
            return candidate
        day += timedelta(days=1)


def _instant(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def slot_for(chat: Chat, scheduled: datetime) -> str:
    """The slot key of the digest scheduled at ``scheduled``: '2024-10-22 08:00 Europe/Berlin'."""
    local = scheduled.astimezone(ZoneInfo(chat.timezone))
    return f"{local.date().isoformat()} {chat.digest_time} {chat.timezone}"


def _slot(db: Database, chat_id: int, fired_at: datetime) -> Claim | None:
    """The chat's slot a run at ``fired_at`` belongs to (not yet claimed); None when the chat has no digest."""
    chat = chat_store.get_chat(db, chat_id)
    if chat is None or not chat.active or not chat.digest_time:
        return None
    scheduled = last_scheduled(chat, fired_at)
    return Claim(chat, slot_for(chat, scheduled), scheduled)


def claim_digest(db: Database, chat_id: int, fired_at: datetime) -> Claim | None:
    """Claim the slot a run at ``fired_at`` belongs to; None when the chat has no digest or the slot was already
    delivered (or may have been: a crash mid-send is never sent twice).

    A 23:59 digest that runs at 00:00:30 still belongs to yesterday's slot.
    """
    slot = _slot(db, chat_id, fired_at)
    if slot is None or not chat_store.claim_delivery(db, chat_id, slot.slot):
        return None
    return slot


def preview_digest(db: Database, chat_id: int, fired_at: datetime, cache: DiffCache) -> Digest | None:
    """The digest a run at ``fired_at`` would claim and send, computed without claiming (reads only); None when the
    slot is not due or someone claimed it. ``claim_digest`` still decides who sends it."""
    slot = _slot(db, chat_id, fired_at)
    if slot is None or chat_store.delivery_status(db, chat_id, slot.slot) not in (None, "failed"):
        return None
    return compute_digest(db, slot, cache)


def compute_digest(db: Database, claim: Claim, cache: DiffCache) -> Digest:
    """What each subscribed topic of a claimed digest says (reads only: safe on a reader connection)."""
    topics = [
        (topic, compute_changes(db, claim.chat.id, topic, claim.chat.length, cache, record=False))
        for topic in chat_store.subscriptions(db, claim.chat.id)
    ]
    return Digest(claim.chat, claim.slot, claim.scheduled, topics)


def close_digest(db: Database, digest: Claim | Digest, status: SendStatus, finished_at: str) -> None:
    """Record how a claimed digest ended: 'sent' remembers its topics as seen; 'failed' lets it be tried again;
    'forbidden' deactivates the chat."""
    if status == "sent" and isinstance(digest, Digest):
        for _, changes in digest.news:
            record_changes(db, digest.chat.id, changes)
    elif status == "forbidden":
        chat_store.update_chat(db, digest.chat.id, active=0)
    chat_store.finish_delivery(db, digest.chat.id, digest.slot, FINAL_STATUS[status])
    chat_store.set_meta(db, "last_digest_run", finished_at)


def missed_digests(db: Database, now: datetime, grace: timedelta) -> tuple[list[Chat], list[Chat]]:
    """Every chat with a digest (to schedule), and those whose latest slot is unsent and within ``grace`` of ``now``."""
    chats = chat_store.chats_with_digests(db)
    recent = []
    for chat in chats:
        scheduled = last_scheduled(chat, now)
        if _instant(now) - _instant(scheduled) <= grace:
            recent.append((chat, slot_for(chat, scheduled)))
    statuses = chat_store.delivery_statuses(db, {slot for _, slot in recent})
    missed = [chat for chat, slot in recent if statuses.get((chat.id, slot)) in (None, "failed")]
    return chats, missed
