"""Chats, their subscriptions and digest settings, delivered-briefing snapshots and digest deliveries."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from typing import Any, cast

from storage.db import Database, topic_key, transaction, utcnow
from storage.records import BUTTON_KINDS, ButtonAction, ButtonKind, Chat, Snapshot

_CHAT = "SELECT id, timezone, digest_time, length, active, digest_quiet FROM chats"


def _chat(row: tuple[Any, ...]) -> Chat:
    return Chat(row[0], row[1], row[2], row[3], bool(row[4]), bool(row[5]))


def ensure_chat(db: Database, chat_id: int) -> Chat:
    """The chat's settings, creating the chat with defaults on first contact."""
    db.execute("INSERT INTO chats (id, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING", [chat_id, utcnow()])
    return get_chat(db, chat_id)  # type: ignore[return-value]


def get_chat(db: Database, chat_id: int) -> Chat | None:
    """A chat's settings, or None for a chat never seen."""
    row = db.execute(f"{_CHAT} WHERE id = ?", [chat_id]).fetchone()
    return _chat(row) if row else None


CHAT_SETTINGS = frozenset({"timezone", "digest_time", "length", "active", "digest_quiet"})


def update_chat(db: Database, chat_id: int, **fields: str | int | bool | None) -> Chat:
    """Change a chat's settings (timezone, digest_time, length, active, digest_quiet); any other name is an
    error, not silently dropped."""
    unknown = set(fields) - CHAT_SETTINGS
    if unknown:
        raise ValueError(f"not a chat setting: {', '.join(sorted(unknown))}")
    ensure_chat(db, chat_id)
    assignments = fields
    if assignments:
        sets = ", ".join(f"{k} = ?" for k in assignments)
        db.execute(f"UPDATE chats SET {sets} WHERE id = ?", [*assignments.values(), chat_id])
    return get_chat(db, chat_id)  # type: ignore[return-value]


def chats_with_digests(db: Database) -> list[Chat]:
    """Active chats that have a daily digest time."""
    return [_chat(r) for r in db.execute(f"{_CHAT} WHERE active = 1 AND digest_time IS NOT NULL ORDER BY id")]


def subscribe(db: Database, chat_id: int, topic: str) -> bool:
    """Subscribe a chat to a topic, kept as the chat spelt it; False when it already was (under any spelling)."""
    ensure_chat(db, chat_id)
    cursor = db.execute(
        "INSERT INTO subscriptions (chat_id, topic, topic_key, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [chat_id, topic, topic_key(topic), utcnow()],
    )
    return cursor.rowcount == 1


def unsubscribe(db: Database, chat_id: int, topic: str) -> bool:
    """Remove a subscription (under any spelling of the topic); False when there was none."""
    cursor = db.execute("DELETE FROM subscriptions WHERE chat_id = ? AND topic_key = ?", [chat_id, topic_key(topic)])
    return cursor.rowcount > 0


def subscriptions(db: Database, chat_id: int) -> list[str]:
    """A chat's topics as it spelt them, in the order subscribed."""
    rows = db.execute(
        "SELECT topic FROM subscriptions WHERE chat_id = ? ORDER BY created_at, topic_key", [chat_id]
    ).fetchall()
    return [r[0] for r in rows]


def record_snapshot(
    db: Database,
    chat_id: int,
    topic: str,
    kind: str,
    covered_to: int,
    sentence_ids: Iterable[int],
    keep_since: str | None = None,
) -> int:
    """Record a briefing delivered to a chat, in one row: the newest article it covered and the sentences it
    showed. Briefings on the topic older than ``keep_since`` are forgotten, except the latest."""
    key = topic_key(topic)
    with transaction(db):
        ensure_chat(db, chat_id)
        snapshot_id = int(
            db.execute(
                "INSERT INTO snapshots (chat_id, topic, topic_key, kind, created_at, covered_to, shown) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                [chat_id, topic, key, kind, utcnow(), covered_to, json.dumps(sorted(set(sentence_ids)))],
            ).fetchone()[0]
        )
        if keep_since is not None:
            db.execute(
                "DELETE FROM snapshots WHERE chat_id = ? AND topic_key = ? AND created_at < ? AND id < ?",
                [chat_id, key, keep_since, snapshot_id],
            )
    return snapshot_id


def last_snapshot(db: Database, chat_id: int, topic: str) -> Snapshot | None:
    """The chat's most recent briefing on a topic (under any spelling)."""
    row = db.execute(
        "SELECT id, chat_id, topic, kind, created_at, covered_to FROM snapshots "
        "WHERE chat_id = ? AND topic_key = ? ORDER BY id DESC LIMIT 1",
        [chat_id, topic_key(topic)],
    ).fetchone()
    return Snapshot(*row) if row else None


def delivered_sentence_ids(db: Database, chat_id: int, topic: str) -> set[int]:
    """The sentences the chat's kept briefings on a topic showed (bounded by how long briefings are kept)."""
    rows = db.execute(
        "SELECT shown FROM snapshots WHERE chat_id = ? AND topic_key = ?", [chat_id, topic_key(topic)]
    ).fetchall()
    return {sentence_id for (shown,) in rows for sentence_id in json.loads(shown)}


def claim_delivery(db: Database, chat_id: int, slot: str) -> bool:
    """Claim a (chat, slot) digest delivery; False when it was delivered or may have been.

    A claim left as 'sending' by a crash is never retried: the message may have reached Telegram,
    and a second copy is worse than none. Only an explicit 'failed' is tried again.
    """
    # One statement, so two processes claiming the same slot at once cannot both win: the row is inserted, or a
    # 'failed' row is taken over, or nothing is returned.
    claimed = db.execute(
        "INSERT INTO deliveries (chat_id, slot, status, updated_at) VALUES (?, ?, 'sending', ?) "
        "ON CONFLICT (chat_id, slot) DO UPDATE SET status = 'sending', updated_at = excluded.updated_at "
        "WHERE deliveries.status = 'failed' RETURNING chat_id",
        [chat_id, slot, utcnow()],
    ).fetchone()
    return claimed is not None


def finish_delivery(db: Database, chat_id: int, slot: str, status: str = "sent") -> None:
    """Mark a digest delivery's final status: 'sent', 'failed' (tried again) or 'forbidden'."""
    db.execute(
        "INSERT INTO deliveries (chat_id, slot, status, updated_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (chat_id, slot) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at",
        [chat_id, slot, status, utcnow()],
    )


def delivery_status(db: Database, chat_id: int, slot: str) -> str | None:
    """The status of a (chat, slot) delivery, or None if never attempted."""
    row = db.execute("SELECT status FROM deliveries WHERE chat_id = ? AND slot = ?", [chat_id, slot]).fetchone()
    return row[0] if row else None


def delivery_statuses(db: Database, slots: Iterable[str]) -> dict[tuple[int, str], str]:
    """The status of every delivery of these slots, by (chat_id, slot): one read for a whole wave."""
    wanted = sorted(set(slots))
    if not wanted:
        return {}
    rows = db.execute(
        f"SELECT chat_id, slot, status FROM deliveries WHERE slot IN ({', '.join('?' for _ in wanted)})", wanted
    )
    return {(chat_id, slot): status for chat_id, slot, status in rows}


def book_send(db: Database, bot: str, now: float, gap: float) -> float:
    """Book the next send of a bot shared by several processes: the time (epoch seconds) it may go, at least ``gap``
    after the one booked before it and not before ``now``. One statement, so two processes never get one time."""
    row = db.execute(
        "INSERT INTO send_budget (bot, last_at) VALUES (?, ?) ON CONFLICT (bot) DO UPDATE SET last_at = "
        "CASE WHEN send_budget.last_at + ? > excluded.last_at THEN send_budget.last_at + ? ELSE excluded.last_at END "
        "RETURNING last_at",
        [bot, now, gap, gap],
    ).fetchone()
    return float(row[0])


def deliveries(db: Database, slot: str | None = None) -> list[tuple[int, str, str]]:
    """(chat_id, slot, status) rows, optionally for one slot."""
    if slot is None:
        return [tuple(r) for r in db.execute("SELECT chat_id, slot, status FROM deliveries ORDER BY chat_id, slot")]
    return [
        tuple(r)
        for r in db.execute("SELECT chat_id, slot, status FROM deliveries WHERE slot = ? ORDER BY chat_id", [slot])
    ]


def set_meta(db: Database, key: str, value: str) -> None:
    """Store a small named value (last feed poll, last digest run)."""
    db.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )


def get_meta(db: Database, key: str) -> str | None:
    """Read a small named value."""
    row = db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def button_tokens(
    db: Database, chat_id: int, actions: Iterable[tuple[ButtonKind, str]], expire_before: str
) -> list[str]:
    """Tokens for button actions (kind, value) of one chat, in one transaction: a chat's same action keeps its
    token; a new one gets a random token. Actions created before ``expire_before`` are deleted first."""
    tokens = []
    with transaction(db):
        db.execute("DELETE FROM button_actions WHERE created_at < ?", [expire_before])
        for kind, value in actions:
            db.execute(
                "INSERT INTO button_actions (token, chat_id, kind, value, created_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                [secrets.token_urlsafe(16), chat_id, kind, value, utcnow()],
            )
            tokens.append(
                db.execute(
                    "SELECT token FROM button_actions WHERE chat_id = ? AND kind = ? AND value = ?",
                    [chat_id, kind, value],
                ).fetchone()[0]
            )
    return tokens


def button_action(db: Database, chat_id: int, token: str, expire_before: str) -> ButtonAction | None:
    """The chat's button action under ``token``; None for a token never issued to this chat, or expired."""
    row = db.execute(
        "SELECT token, kind, value FROM button_actions WHERE token = ? AND chat_id = ? AND created_at >= ?",
        [token, chat_id, expire_before],
    ).fetchone()
    if row is None or row[1] not in BUTTON_KINDS:  # a kind this version no longer has does nothing
        return None
    return ButtonAction(row[0], cast(ButtonKind, row[1]), row[2])
