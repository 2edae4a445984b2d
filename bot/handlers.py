"""Thin Telegram handlers: parse arguments, call the service off the loop, render, reply."""

from __future__ import annotations

import asyncio
import logging
import re
from contextlib import asynccontextmanager
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction, ChatMemberStatus, ChatType
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import ContextTypes

from bot import digests, render
from bot.runner import BlockingRunner
from bot.settings import Settings
from service.app import InputError
from service.changes import Changes
from summarizer.registry import UnknownMethod

log = logging.getLogger(__name__)

COMMANDS = [
    ("start", "Start, or come back after blocking the bot"),
    ("help", "What I can do"),
    ("brief", "A briefing: /brief [topic]"),
    ("who", "Who is someone: /who <name>"),
    ("timeline", "The key dates of a story: /timeline <topic> [number of dates]"),
    ("changes", "What changed since your last briefing: /changes [topic]"),
    ("subscribe", "Follow a topic: /subscribe <topic>"),
    ("unsubscribe", "Stop following a topic: /unsubscribe <topic>"),
    ("topics", "Your topics and digest settings"),
    ("digest", "Daily digest: /digest HH:MM [time zone] or /digest off"),
    ("length", "Briefing length: /length short|medium|long"),
    ("ingest", "Admins: ingest a URL: /ingest <url>"),
    ("feeds", "Admins: /feeds add|list|remove <url>"),
    ("stats", "Admins: store and bot statistics"),
]
MAX_ARGUMENT = 300
TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def runner(context: ContextTypes.DEFAULT_TYPE) -> BlockingRunner:
    """The application's blocking-work runner."""
    return context.application.bot_data["runner"]


def settings(context: ContextTypes.DEFAULT_TYPE) -> Settings:
    """The application's settings."""
    return context.application.bot_data["settings"]


async def call(context: ContextTypes.DEFAULT_TYPE, method: str, *args, **kwargs):
    """Call a Service method on the worker thread."""
    r = runner(context)
    return await r.call(getattr(r.service, method), *args, **kwargs)


@asynccontextmanager
async def typing(update: Update, context: ContextTypes.DEFAULT_TYPE):
    """Show 'typing…' if the work takes more than a second."""
    async def later() -> None:
        await asyncio.sleep(1.0)
        try:
            await context.bot.send_chat_action(update.effective_chat.id, ChatAction.TYPING)
        except TelegramError:
            pass

    task = asyncio.create_task(later())
    try:
        yield
    finally:
        task.cancel()


async def send(bot, chat_id: int, html_text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Send HTML split at 4,096 characters; buttons on the last part; plain text if Telegram rejects the HTML."""
    parts = render.split_message(html_text)
    for index, part in enumerate(parts):
        keyboard = markup if index == len(parts) - 1 else None
        for _attempt in range(5):
            try:
                try:
                    await bot.send_message(chat_id, part, reply_markup=keyboard, disable_web_page_preview=True)
                except BadRequest as exc:
                    if "parse" not in str(exc).lower() and "entit" not in str(exc).lower() and "tag" not in str(exc).lower():
                        raise
                    log.warning("HTML rejected (%s); sending plain text", exc)
                    await bot.send_message(chat_id, render.to_plain(part), reply_markup=keyboard, parse_mode=None)
                break
            except RetryAfter as exc:
                # Honour flood control: wait as told, then send the same part again.
                delay = exc.retry_after
                await asyncio.sleep(delay.total_seconds() if hasattr(delay, "total_seconds") else float(delay))
        else:
            raise TelegramError("gave up after repeated flood-control waits")


async def reply(update: Update, context: ContextTypes.DEFAULT_TYPE, html_text: str, markup=None) -> None:
    """Reply in the update's chat."""
    await send(context.bot, update.effective_chat.id, html_text, markup)


def _args(context: ContextTypes.DEFAULT_TYPE) -> str:
    return " ".join(context.args or [])


async def _too_long(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> bool:
    if len(text) > MAX_ARGUMENT:
        await reply(update, context, render.esc(f"That is too long ({len(text):,} characters; at most {MAX_ARGUMENT})."))
        return True
    return False


async def may_configure(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """In groups only chat administrators change subscriptions and digests; says so otherwise."""
    chat = update.effective_chat
    if chat.type == ChatType.PRIVATE:
        return True
    user = update.effective_user
    if user is None:
        return False
    member = await context.bot.get_chat_member(chat.id, user.id)
    if member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER):
        return True
    await reply(update, context, "Only this group's administrators can change its subscriptions and digests.")
    return False


async def is_admin(update: Update, context: ContextTypes.DEFAULT_TYPE, quiet: bool = False) -> bool:
    """Whether the user is a bot administrator (user ids from settings)."""
    user = update.effective_user
    if user is not None and user.id in settings(context).admin_ids:
        return True
    if not quiet:
        await reply(update, context, "That command is for the bot's administrators.")
    return False


def help_text() -> str:
    """/help: every command."""
    lines = ["<b>briefbot</b> — daily news briefings built only from real sentences of named sources.", ""]
    lines += [f"/{name} — {render.esc(text)}" for name, text in COMMANDS]
    return "\n".join(lines)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start: (re)activate the chat and show help."""
    chat = await call(context, "update_chat", update.effective_chat.id, active=1)
    digests.schedule(context.application, chat)
    await reply(update, context, help_text())


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help."""
    await reply(update, context, help_text())


def briefing_buttons(entities, topic: str, subscribed: bool) -> InlineKeyboardMarkup:
    """'Who is X?' for the top entities, 'What changed', 'Unsubscribe'."""
    rows = [[InlineKeyboardButton((f"Who is {e.name}?" if e.label == "PERSON" else f"What is {e.name}?")[:60],
                                  callback_data=f"who:{e.id}")]
            for e, _ in [p for p in entities if p[0].label in {"PERSON", "ORG"}][:3]]
    actions = [InlineKeyboardButton(label, callback_data=data) for label, data in (
        ("What changed", _payload("chg", topic)), ("Timeline", _payload("tml", topic)),
        ("Unsubscribe", _payload("uns", topic) if subscribed else None),
    ) if data]
    rows.append(actions)
    return InlineKeyboardMarkup(rows)


def _payload(kind: str, value: str) -> str | None:
    """Button data 'kind:value' when it fits Telegram's 64 bytes (UTF-8); a cut topic would search for the wrong thing."""
    data = f"{kind}:{value}"
    return data if len(data.encode("utf-8")) <= 64 else None


async def brief(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/brief [topic]: a briefing (the subscriptions, or the top stories, without a topic)."""
    topic = _args(context)
    if await _too_long(update, context, topic):
        return
    chat_id = update.effective_chat.id
    async with typing(update, context):
        chat = await call(context, "chat", chat_id)
        topics = [topic] if topic else (await call(context, "subscriptions", chat_id))[:3] or [""]
        subscribed = set(await call(context, "subscriptions", chat_id))
        for t in topics:
            try:
                b = await call(context, "brief", t, None, chat.length, "news", chat_id)
            except InputError as exc:
                await reply(update, context, render.esc(str(exc)))
                return
            markup = briefing_buttons(b.entities, t, t in subscribed) if b.items else None
            await reply(update, context, render.briefing(b), markup)


async def timeline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/timeline <topic> [N]: the N most important dates of a story."""
    text = _args(context)
    if await _too_long(update, context, text):
        return
    topic, _, last = text.rpartition(" ")
    topic, count = (topic, last) if last.isdigit() and topic else (text, None)
    await _send_timeline(update, context, topic, count)


async def _send_timeline(update: Update, context: ContextTypes.DEFAULT_TYPE, topic: str, count: str | None) -> None:
    async with typing(update, context):
        try:
            result = await call(context, "timeline", topic, count)
        except InputError as exc:
            await reply(update, context, render.esc(str(exc)))
            return
    await reply(update, context, render.timeline(result))


async def who(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/who <name>: an entity profile."""
    name = _args(context)
    if await _too_long(update, context, name):
        return
    async with typing(update, context):
        lookup, profile = await call(context, "who", name)
    await reply(update, context, render.profile(profile) if profile else render.lookup(lookup))


async def changes(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/changes [topic]: what changed since this chat's last briefing."""
    topic = _args(context)
    if await _too_long(update, context, topic):
        return
    await _send_changes(update, context, topic)


async def _send_changes(update: Update, context: ContextTypes.DEFAULT_TYPE, topic: str) -> None:
    chat_id = update.effective_chat.id
    async with typing(update, context):
        chat = await call(context, "chat", chat_id)
        try:
            result: Changes = await call(context, "changes", chat_id, topic, chat.length)
        except InputError as exc:
            await reply(update, context, render.esc(str(exc)))
            return
    await reply(update, context, render.changes(result))


async def subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/subscribe <topic>."""
    topic = _args(context)
    if await _too_long(update, context, topic) or not await may_configure(update, context):
        return
    try:
        new = await call(context, "subscribe", update.effective_chat.id, topic)
    except InputError as exc:
        await reply(update, context, render.esc(str(exc)))
        return
    text = f"Subscribed to “{topic}”." if new else f"You already follow “{topic}”."
    await reply(update, context, render.esc(text) + " See /topics; set a daily digest with /digest 08:00 Europe/London.")


async def unsubscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/unsubscribe <topic>."""
    topic = _args(context)
    if not topic:
        await reply(update, context, "Say which topic, for example: /unsubscribe Gaza")
        return
    if await _too_long(update, context, topic) or not await may_configure(update, context):
        return
    removed = await call(context, "unsubscribe", update.effective_chat.id, topic)
    await reply(update, context, render.esc(f"Unsubscribed from “{topic}”." if removed else f"You do not follow “{topic}”."))


async def topics(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/topics: subscriptions and digest settings."""
    chat_id = update.effective_chat.id
    chat = await call(context, "chat", chat_id)
    subs = await call(context, "subscriptions", chat_id)
    lines = ["<b>Your topics</b>"] + ([f"• {render.esc(t)}" for t in subs] or ["none yet — /subscribe Gaza"])
    digest = f"daily at {chat.digest_time} ({chat.timezone})" if chat.digest_time else "off"
    lines += ["", f"Digest: {render.esc(digest)}", f"Length: {render.esc(chat.length)}"]
    await reply(update, context, "\n".join(lines))


async def digest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/digest HH:MM [IANA time zone] | /digest off."""
    args = context.args or []
    if not args or len(args) > 2:
        await reply(update, context, "Use /digest HH:MM [time zone], e.g. /digest 07:30 Europe/Berlin, or /digest off.")
        return
    if not await may_configure(update, context):
        return
    chat_id = update.effective_chat.id
    if args[0].casefold() == "off":
        chat = await call(context, "update_chat", chat_id, digest_time=None)
        digests.schedule(context.application, chat)
        await reply(update, context, "Daily digest turned off.")
        return
    match = TIME.match(args[0])
    if not match:
        await reply(update, context, render.esc(f"“{args[0][:40]}” is not a time; use 24-hour HH:MM, e.g. 07:30."))
        return
    chat = await call(context, "chat", chat_id)
    zone = args[1] if len(args) == 2 else (chat.timezone if chat.digest_time else settings(context).default_timezone)
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        await reply(update, context, render.esc(f"“{zone[:60]}” is not an IANA time zone; try Europe/London or America/New_York."))
        return
    hhmm = f"{int(match.group(1)):02d}:{match.group(2)}"
    chat = await call(context, "update_chat", chat_id, digest_time=hhmm, timezone=zone)
    digests.schedule(context.application, chat)
    await reply(update, context, render.esc(f"Daily digest at {hhmm} ({zone})."))


async def length(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/length short|medium|long."""
    value = _args(context).casefold()
    if value not in {"short", "medium", "long"}:
        await reply(update, context, "Use /length short, /length medium or /length long.")
        return
    if not await may_configure(update, context):
        return
    await call(context, "update_chat", update.effective_chat.id, length=value)
    await reply(update, context, render.esc(f"Briefings will be {value}."))


async def ingest(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/ingest <url> (admins)."""
    if not await is_admin(update, context):
        return
    url = _args(context)
    if not re.match(r"^https?://\S+$", url):
        await reply(update, context, "Use /ingest https://example.com/article")
        return
    async with typing(update, context):
        items = await runner(context).fetch(runner(context).service.collect, [url])
        report = await call(context, "ingest_items", items)
    await reply(update, context, render.ingest_report(report))


async def feeds(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/feeds add|list|remove <url> (admins)."""
    if not await is_admin(update, context):
        return
    args = context.args or []
    action = args[0].casefold() if args else ""
    if action == "list":
        items = await call(context, "feeds")
        lines = [f"• {render.esc(f.url)} — {render.esc(f.last_status or 'not polled yet')}" for f in items]
        await reply(update, context, "\n".join(lines) or render.esc("No feeds. Add one with /feeds add <url>."))
        return
    if action not in {"add", "remove"} or len(args) != 2:
        await reply(update, context, render.esc("Use /feeds add <url>, /feeds list or /feeds remove <url>."))
        return
    try:
        if action == "add":
            feed, new = await call(context, "add_feed", args[1])
            text = f"Added feed {feed.url}." if new else f"Already polling {feed.url}."
        else:
            removed = await call(context, "remove_feed", args[1])
            text = f"Removed {args[1]}." if removed else f"Not polling {args[1]}."
    except InputError as exc:
        text = str(exc)
    await reply(update, context, render.esc(text))


async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stats (admins)."""
    if not await is_admin(update, context):
        return
    data = await call(context, "stats")
    await reply(update, context, "\n".join(f"{render.esc(k)}: {render.esc(v if v is not None else 'never')}" for k, v in data.items()))


async def admin_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A forwarded message or long pasted text from an admin is ingested as an article."""
    message = update.effective_message
    if message is None or not message.text or not await is_admin(update, context, quiet=True):
        return
    forwarded = message.forward_origin is not None
    if not forwarded and len(message.text) < 400:
        return
    origin = "forwarded message" if forwarded else "pasted text"
    async with typing(update, context):
        report = await call(context, "ingest_text", message.text, f"{origin} {message.message_id}", "", "Telegram")
    await reply(update, context, render.ingest_report(report))


async def unknown(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An unknown command (a command addressed to another bot in a group is not ours to answer)."""
    command = (update.effective_message.text or "").split()[0][:40]
    _, _, addressee = command.partition("@")
    if addressee and addressee.casefold() != (context.bot.username or "").casefold():
        return
    await reply(update, context, render.esc(f"I don't know {command}. /help lists what I can do."))


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Inline buttons: answered at once, then acted on."""
    query = update.callback_query
    await query.answer()
    kind, _, value = (query.data or "").partition(":")
    if kind == "who" and value.isdigit():
        async with typing(update, context):
            profile = await call(context, "profile_by_id", int(value))
        await reply(update, context, render.profile(profile) if profile else "That entity is no longer in the store.")
    elif kind == "chg":
        await _send_changes(update, context, value)
    elif kind == "tml":
        await _send_timeline(update, context, value, None)
    elif kind == "uns":
        if await may_configure(update, context):
            removed = await call(context, "unsubscribe", update.effective_chat.id, value)
            await reply(update, context, render.esc(f"Unsubscribed from “{value}”." if removed else f"You do not follow “{value}”."))


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log every unhandled error; tell the user briefly when there is a chat; keep running."""
    error = context.error
    if isinstance(error, Forbidden) and isinstance(update, Update) and update.effective_chat:
        await digests.deactivate(context.application, update.effective_chat.id)
        return
    log.error("unhandled error for update %r", update, exc_info=error)
    if isinstance(update, Update) and update.effective_chat and not isinstance(error, (UnknownMethod,)):
        try:
            await context.bot.send_message(update.effective_chat.id, "Sorry, something went wrong; it has been logged.")
        except TelegramError:
            pass
