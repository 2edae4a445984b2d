"""Scheduled digests: per-chat daily jobs rebuilt from SQLite, each (chat, slot) delivered exactly once."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from telegram.error import Forbidden, TelegramError
from telegram.ext import Application, ContextTypes

from bot import render
from storage.records import Chat

log = logging.getLogger(__name__)


def job_name(chat_id: int) -> str:
    """The JobQueue name of a chat's digest job."""
    return f"digest:{chat_id}"


def slot_for(chat: Chat, moment: datetime) -> str:
    """The slot key of the chat's digest scheduled on ``moment``'s local date: '2024-10-22 08:00 Europe/Berlin'."""
    local = moment.astimezone(ZoneInfo(chat.timezone))
    return f"{local.date().isoformat()} {chat.digest_time} {chat.timezone}"


def last_scheduled(chat: Chat, now: datetime) -> datetime:
    """The most recent scheduled digest time at or before ``now`` (aware, in the chat's zone)."""
    zone = ZoneInfo(chat.timezone)
    hh, mm = map(int, chat.digest_time.split(":"))  # type: ignore[union-attr]
    local = now.astimezone(zone)
    candidate = datetime.combine(local.date(), time(hh, mm), tzinfo=zone)
    if candidate > local:
        candidate = datetime.combine(local.date() - timedelta(days=1), time(hh, mm), tzinfo=zone)
    return candidate


def schedule(app: Application, chat: Chat) -> None:
    """(Re)schedule a chat's daily digest in its own time zone, or remove it."""
    for job in app.job_queue.get_jobs_by_name(job_name(chat.id)):
        job.schedule_removal()
    if chat.digest_time and chat.active:
        hh, mm = map(int, chat.digest_time.split(":"))
        app.job_queue.run_daily(
            digest_job, time(hh, mm, tzinfo=ZoneInfo(chat.timezone)), chat_id=chat.id, name=job_name(chat.id)
        )


def slot_of_run(chat: Chat, fired_at: datetime) -> str:
    """The slot a job run belongs to: the latest scheduled time at or before it fired, not the date it ran on
    (a 23:59 digest that runs at 00:00:30 is still yesterday's)."""
    return slot_for(chat, last_scheduled(chat, fired_at))


async def digest_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The JobQueue callback: deliver this chat's digest for the slot that just fired."""
    fired_at = datetime.now(timezone.utc)  # before waiting for the worker thread
    runner = context.application.bot_data["runner"]
    chat = await runner.call(runner.service.chat, context.job.chat_id)
    scheduled = last_scheduled(chat, fired_at)
    await deliver(context.application, chat, slot_for(chat, scheduled), scheduled)


# A failed send is tried again after 1, 2, 4 … minutes while the slot is inside the grace window.
RETRY_FIRST_SECONDS = 60.0


async def _retry_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    chat_id, slot, scheduled, attempt = context.job.data
    runner = context.application.bot_data["runner"]
    chat = await runner.call(runner.service.chat, chat_id)
    await deliver(context.application, chat, slot, scheduled, attempt)


async def deliver(app: Application, chat: Chat, slot: str, scheduled: datetime | None = None, attempt: int = 0) -> str:
    """Deliver one (chat, slot) digest at most once; returns the final status.

    A send that fails is retried with backoff while ``scheduled`` is within the grace window.
    """
    runner = app.bot_data["runner"]
    service = runner.service
    if not await runner.call(service_claim, service, chat.id, slot):
        return "already"
    try:
        results = await runner.call(service.digest, chat.id)
        parts = [render.changes(c) if not c.is_empty else render.esc(c.message or f"Nothing new on “{t}”.")
                 for t, c in results]
        if not any(not c.is_empty for _, c in results):
            status = "nothing-new"
        else:
            from bot.handlers import send

            await send(app.bot, chat.id, "\n\n".join(parts))
            # Only now is it delivered: a digest that failed to send is not counted as seen.
            await runner.call(service.record_digest, chat.id, results)
            status = "sent"
    except Forbidden:
        await deactivate(app, chat.id)
        status = "forbidden"
    except TelegramError as exc:
        log.warning("digest for chat %s slot %s failed: %s", chat.id, slot, exc)
        status = "failed"
    await runner.call(service_finish, service, chat.id, slot, status)
    await runner.call(service_meta, service, "last_digest_run", datetime.now(timezone.utc).isoformat(timespec="seconds"))
    if status == "failed" and scheduled is not None and app.job_queue is not None:
        delay = RETRY_FIRST_SECONDS * (2 ** attempt)
        settings = app.bot_data.get("settings")
        grace = timedelta(minutes=settings.digest_grace_minutes if settings is not None else 60)
        if datetime.now(timezone.utc) + timedelta(seconds=delay) - scheduled <= grace:
            app.job_queue.run_once(_retry_job, delay, data=(chat.id, slot, scheduled, attempt + 1),
                                   name=f"{job_name(chat.id)}:retry")
    return status


def service_claim(service, chat_id: int, slot: str) -> bool:
    """Claim the slot in storage (runs on the worker thread)."""
    from storage.chats import claim_delivery

    return claim_delivery(service.db, chat_id, slot)


def service_finish(service, chat_id: int, slot: str, status: str) -> None:
    """Record the slot's outcome (runs on the worker thread)."""
    from storage.chats import finish_delivery

    finish_delivery(service.db, chat_id, slot, "sent" if status in {"sent", "nothing-new"} else status)


def service_meta(service, key: str, value: str) -> None:
    """Record a meta value (runs on the worker thread)."""
    from storage.chats import set_meta

    set_meta(service.db, key, value)


async def deactivate(app: Application, chat_id: int) -> None:
    """A chat that blocked or removed the bot: inactive, no jobs, until it sends /start again."""
    runner = app.bot_data["runner"]
    chat = await runner.call(runner.service.update_chat, chat_id, active=0)
    schedule(app, chat)
    log.info("chat %s blocked the bot; marked inactive", chat_id)


async def restore(app: Application, grace_minutes: float) -> None:
    """At start-up: rebuild every digest job and deliver, once, a slot missed within the grace window."""
    from storage.chats import chats_with_digests, delivery_status

    runner = app.bot_data["runner"]
    chats = await runner.call(chats_with_digests, runner.service.db)
    now = datetime.now(timezone.utc)
    for chat in chats:
        schedule(app, chat)
        missed = last_scheduled(chat, now)
        slot = slot_for(chat, missed)
        status = await runner.call(delivery_status, runner.service.db, chat.id, slot)
        if status not in (None, "failed"):
            continue  # sent, or claimed and maybe sent: never twice
        if now - missed <= timedelta(minutes=grace_minutes):
            await deliver(app, chat, slot, missed)
        else:
            log.info("skipping missed digest for chat %s slot %s (outside the grace window)", chat.id, slot)
