"""Scheduled digests on the JobQueue: the service claims, computes and records each (chat, slot); the bot sends."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from telegram.error import Forbidden, TelegramError
from telegram.ext import Application

from bot import buttons, render, wave
from bot.context import BotData, Context
from bot.messaging import send
from service.app import Chat, Service, next_scheduled

if TYPE_CHECKING:
    from service.app import DeliveryStatus, Digest, SendStatus

log = logging.getLogger(__name__)

# A failed send is tried again after 1, 2, 4 … minutes while the slot is inside the grace window.
RETRY_FIRST_SECONDS = 60.0

# Books a number of messages' turns in a send budget shared with other processes and waits for them; returns the
# instant of the last (epoch seconds). See bot/worker.py.
SendBudget = Callable[[int], Awaitable[float]]


def _data(app: Application) -> BotData:
    data: BotData = app.bot_data
    return data


def job_name(chat_id: int) -> str:
    """The JobQueue name of a chat's digest job."""
    return f"digest:{chat_id}"


def schedule(app: Application, chat: Chat, after: datetime | None = None) -> None:
    """(Re)schedule a chat's next digest in its own time zone, or remove it. Each run schedules the next: the job
    queue's daily trigger skips a day whose digest time a DST change removes (00:00 in Cairo in April), this
    never does."""
    if app.job_queue is None or _data(app).settings.digest_workers:
        return  # digests are the workers' (bot/worker.py): the bot keeps no jobs
    jobs = _data(app).digest_jobs
    old = jobs.pop(chat.id, None)
    if old is not None:
        old.schedule_removal()
    if chat.digest_time and chat.active:
        now = _data(app).clock()
        when = next_scheduled(chat, max(now, after) if after else now)
        jobs[chat.id] = app.job_queue.run_once(
            digest_job, when, chat_id=chat.id, name=job_name(chat.id), data=(chat, when)
        )


async def digest_job(context: Context) -> None:
    """The JobQueue callback: schedule the chat's next digest, then deliver the slot that just fired."""
    job = context.job
    if job is not None and job.chat_id is not None and isinstance(job.data, tuple):
        chat, when = job.data
        jobs = context.bot_data.digest_jobs
        if jobs.get(job.chat_id) is job:
            del jobs[job.chat_id]  # it has run: it left the scheduler, there is nothing to remove
        schedule(context.application, chat, after=when)  # the next slot, even should this one fire a little early
        await deliver(context.application, job.chat_id, max(context.bot_data.clock(), when))


async def _retry_job(context: Context) -> None:
    job = context.job
    if job is not None and isinstance(job.data, tuple):
        chat_id, scheduled, attempt = job.data
        await deliver(context.application, chat_id, scheduled, attempt)


async def _keep_pace(app: Application, messages: int, turn: float | None) -> None:
    """In a worker, wait for these messages' turns in the shared budget. The first one's turn was booked before the
    claim (``turn``): if the claim and the buttons made it late by more than a turn, it is booked again, so a late
    send never crowds the turns after it."""
    data = _data(app)
    if data.send_budget is None:
        return
    on_time = turn is not None and time.time() - turn <= 1.0 / data.settings.worker_send_rate
    if messages - on_time > 0:
        await data.send_budget(messages - on_time)


async def send_digest(app: Application, digest: Digest, turn: float | None = None) -> SendStatus:
    """Send a claimed digest as one message (split only past Telegram's 4,096 units): the header, then what
    changed on each topic with news, and the buttons. Returns 'sent', 'nothing-new' (nothing the chat wants to
    hear), 'forbidden' or 'failed'."""
    if not digest.has_content:
        return "nothing-new"
    try:
        markup = await buttons.digest_keyboard(_data(app).runner, digest)
        text = render.digest(digest)
        await _keep_pace(app, len(render.split_message(text)), turn)
        await send(app.bot, digest.chat.id, text, markup)
    except Forbidden:
        return "forbidden"
    except TelegramError as exc:
        log.warning("digest for chat %s slot %s failed: %s", digest.chat.id, digest.slot, exc)
        return "failed"
    return "sent"


async def deliver(app: Application, chat_id: int, fired_at: datetime, attempt: int = 0) -> DeliveryStatus:
    """Deliver the digest of the slot a run at ``fired_at`` belongs to, at most once; returns the final status
    ('already' when the slot was delivered or claimed before). A failed send is retried with backoff while the
    slot is within the grace window. At most DIGESTS_IN_FLIGHT run at once."""
    async with _data(app).digest_slots:
        return await _deliver(app, chat_id, fired_at, attempt)


async def _deliver(app: Application, chat_id: int, fired_at: datetime, attempt: int) -> DeliveryStatus:
    data = _data(app)
    runner = data.runner
    ready: Digest | None = None
    turn: float | None = None
    if data.send_budget is not None:
        # A worker computes first (reads only), waits for its send turn, then claims and sends at once: one killed
        # before its claim has claimed nothing, and its sends keep to the shared pace. A chat another worker
        # claimed meanwhile is left to it.
        ready = await runner.read_background(Service.preview_digest, chat_id, fired_at)
        if ready is None:
            return "already"
        turn = await data.send_budget(1)
    elif attempt == 0:
        await wave.prepared(data.waves, runner, fired_at, chat_id)
    # The wave's work waits for any command's (runner.run_background): a person asking never waits for the wave.
    claim = await runner.run_background(runner.service.claim_digest, chat_id, fired_at)
    if claim is None:
        return "already"
    status: SendStatus = "failed"
    digest: Digest | None = None
    try:
        if ready is not None and ready.slot == claim.slot:
            digest = ready
        else:
            digest = await runner.read_background(Service.compute_digest, claim)  # beside the writer
        status = await send_digest(app, digest, turn)
    finally:
        # Only a sent digest is recorded as seen: one that failed to compute or send is tried again, never lost.
        await runner.run_background(runner.service.close_digest, digest or claim, status)
    # One line per run, whatever it ended in (a failure's reason was logged by send_digest).
    log.info("digest for chat %s slot %s: %s", chat_id, claim.slot, status)
    if status == "forbidden":
        schedule(app, replace(claim.chat, active=False))
        log.info("chat %s blocked the bot; marked inactive", chat_id)
    # A worker schedules no retry: its next pass takes a failed slot again while it is inside the grace window.
    elif status == "failed" and app.job_queue is not None and data.send_budget is None:
        delay = RETRY_FIRST_SECONDS * (2**attempt)
        grace = timedelta(minutes=data.settings.digest_grace_minutes)
        if data.clock() + timedelta(seconds=delay) - claim.scheduled <= grace:
            app.job_queue.run_once(
                _retry_job, delay, data=(chat_id, claim.scheduled, attempt + 1), name=f"{job_name(chat_id)}:retry"
            )
    return status


async def deactivate(app: Application, chat_id: int) -> None:
    """A chat that blocked or removed the bot: inactive, no jobs, until it sends /start again."""
    runner = _data(app).runner
    chat = await runner.run(runner.service.update_chat, chat_id, active=0)
    schedule(app, chat)
    log.info("chat %s blocked the bot; marked inactive", chat_id)


async def restore(app: Application) -> None:
    """At start-up: rebuild every digest job and deliver, once, a slot missed within the grace window."""
    data = _data(app)
    if data.settings.digest_workers:
        return  # the workers deliver every due slot, missed ones included
    now = data.clock()
    grace = timedelta(minutes=data.settings.digest_grace_minutes)
    chats, missed = await data.runner.run(data.runner.service.digest_chats, now, grace)
    for chat in chats:
        schedule(app, chat)
    for chat in missed:
        await deliver(app, chat.id, now)
