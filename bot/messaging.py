"""Sending to Telegram: split HTML, flood control, plain-text fallback, replies in groups, 'typing…', alerts."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram import Bot, InlineKeyboardMarkup, InputFile, Message, ReplyParameters, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import BadRequest, RetryAfter, TelegramError

from bot import render

log = logging.getLogger(__name__)
FLOOD_RETRIES = 5


def _is_markup_error(exc: BadRequest) -> bool:
    text = str(exc).lower()
    return any(word in text for word in ("parse", "entit", "tag"))


async def send(
    bot: Bot, chat_id: int, html_text: str, markup: InlineKeyboardMarkup | None = None, reply_to: int | None = None
) -> list[Message]:
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
                    sent.append(
                        await bot.send_message(
                            chat_id,
                            render.to_plain(part),
                            reply_markup=keyboard,
                            reply_parameters=reply,
                            parse_mode=None,
                        )
                    )
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
    reply = _reply_to(update)  # None for button presses: their answers stand alone
    await send(bot, chat.id, html_text, markup, reply.message_id if reply else None)


def _reply_to(update: Update) -> ReplyParameters | None:
    chat, message = update.effective_chat, update.message
    if chat is None or message is None or chat.type == ChatType.PRIVATE:
        return None
    return ReplyParameters(message.message_id, allow_sending_without_reply=True)


async def send_photo(update: Update, bot: Bot, png: bytes, caption: str, filename: str = "trend.png") -> None:
    """Send a PNG as a photo with a one-line caption (escaped here), a reply in groups."""
    if update.effective_chat is not None:
        await bot.send_photo(
            update.effective_chat.id,
            InputFile(io.BytesIO(png), filename=filename),
            caption=render.esc(caption[:1000]),
            reply_parameters=_reply_to(update),
        )


async def send_document(update: Update, bot: Bot, data: bytes, filename: str, caption: str) -> None:
    """Send a file as a document with a one-line caption (escaped here), a reply in groups."""
    if update.effective_chat is not None:
        await bot.send_document(
            update.effective_chat.id,
            InputFile(io.BytesIO(data), filename=filename),
            caption=render.esc(caption[:1000]),
            reply_parameters=_reply_to(update),
        )


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
