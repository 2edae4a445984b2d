"""Sending to Telegram: split HTML, flood control, plain-text fallback, replies in groups, 'typing…', alerts."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram import Bot, InlineKeyboardMarkup, Message, ReplyParameters, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import BadRequest, RetryAfter, TelegramError

from bot import render

log = logging.getLogger(__name__)
FLOOD_RETRIES = 5


def _is_markup_error(exc: BadRequest) -> bool:
    text = str(exc).lower()
    return any(word in text for word in ("parse", "entit", "tag"))


async def send(bot: Bot, chat_id: int, html_text: str, markup: InlineKeyboardMarkup | None = None,
               reply_to: int | None = None) -> list[Message]:
    """Send HTML split at Telegram's limit, buttons on the last part, honouring flood control; plain text when
    Telegram rejects the HTML. Only the first part replies to ``reply_to``."""
    parts = render.split_message(html_text)
    sent: list[Message] = []
    for index, part in enumerate(parts):
        keyboard = markup if index == len(parts) - 1 else None
        reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to and index == 0 else None
        for _attempt in range(FLOOD_RETRIES):
            try:
                try:
                    sent.append(await bot.send_message(chat_id, part, reply_markup=keyboard, reply_parameters=reply))
                except BadRequest as exc:
                    if not _is_markup_error(exc):
                        raise
                    log.warning("HTML rejected (%s); sending plain text", exc)
                    sent.append(await bot.send_message(chat_id, render.to_plain(part), reply_markup=keyboard,
                                                       reply_parameters=reply, parse_mode=None))
                break
            except RetryAfter as exc:
                # Honour flood control: wait as told, then send the same part again.
                delay = exc.retry_after
                await asyncio.sleep(delay.total_seconds() if hasattr(delay, "total_seconds") else float(delay))
        else:
            raise TelegramError("gave up after repeated flood-control waits")
    return sent


async def reply(update: Update, bot: Bot, html_text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Answer in the update's chat; in groups, as a reply to the command it answers."""
    chat = update.effective_chat
    if chat is None:
        return
    message = update.message  # None for button presses: their answers stand alone
    reply_to = message.message_id if message is not None and chat.type != ChatType.PRIVATE else None
    await send(bot, chat.id, html_text, markup, reply_to)


async def alert(update: Update, text: str) -> None:
    """Answer a button press with a pop-up only the presser sees."""
    if update.callback_query is not None:
        await update.callback_query.answer(text[:200], show_alert=True)


@asynccontextmanager
async def typing(update: Update, bot: Bot, after: float = 1.0) -> AsyncIterator[None]:
    """Show 'typing…' if the work takes longer than ``after`` seconds."""
    chat = update.effective_chat

    async def later() -> None:
        await asyncio.sleep(after)
        try:
            if chat is not None:
                await bot.send_chat_action(chat.id, ChatAction.TYPING)
        except TelegramError:
            pass

    task = asyncio.create_task(later())
    try:
        yield
    finally:
        task.cancel()
