"""Thin Telegram handlers: parse arguments, call the service off the loop, render, reply."""

from __future__ import annotations

import logging
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from telegram import (
    Bot,
    Message,
    MessageEntity,
    MessageOriginChannel,
    MessageOriginChat,
    MessageOriginHiddenUser,
    MessageOriginUser,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import Forbidden, TelegramError

from bot import buttons, chart, digests, polling, render
from bot.context import Context
from bot.messaging import alert, reply, send_document, send_photo, typing
from service.app import InputError, Service

log = logging.getLogger(__name__)

COMMANDS = [
    ("start", "Start, or come back after blocking the bot"),
    ("help", "What I can do"),
    ("brief", "A briefing: /brief [topic]"),
    ("who", "Who is someone: /who <name>"),
    ("timeline", "The key dates of a story: /timeline <topic> [number of dates]"),
    ("trend", "A chart of a story day by day: /trend <topic> [days]"),
    ("changes", "What changed since your last briefing: /changes [topic]"),
    ("subscribe", "Follow a topic: /subscribe <topic>"),
    ("unsubscribe", "Stop following a topic: /unsubscribe <topic>"),
    ("topics", "Your topics and digest settings"),
    ("digest", "Daily digest: /digest HH:MM [time zone], /digest off, /digest quiet on|off"),
    ("length", "Briefing length: /length short|medium|long"),
    ("ingest", "Admins: ingest a URL: /ingest <url>"),
    ("feeds", "Admins: /feeds add|remove <url>, /feeds list [page], /feeds import|export (OPML)"),
    ("stats", "Admins: store and bot statistics"),
]
LENGTH_NAMES = ("short", "medium", "long")
PASTE_MIN_CHARS = 400
TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
OPML_TYPES = {"text/x-opml", "text/xml", "application/xml", "text/x-opml+xml"}
MAX_OPML_FILE = 2_000_000


def chat_id(update: Update) -> int:
    """The id of the chat an update came from (every update we handle has one)."""
    if update.effective_chat is None:
        raise ValueError("update without a chat")
    return update.effective_chat.id


def _args(context: Context) -> str:
    return " ".join(context.args or [])


def _topic_and_number(text: str) -> tuple[str, str | None]:
    """'gaza ceasefire 5' -> ('gaza ceasefire', '5'); a lone number is a topic."""
    topic, _, last = text.rpartition(" ")
    return (topic, last) if last.isdigit() and topic else (text, None)


async def answer(update: Update, context: Context, html_text: str, markup=None) -> None:
    """Reply with HTML in the update's chat (a reply to the command in groups)."""
    await reply(update, context.bot, html_text, markup)


TOO_BUSY = "You sent more at once than I queue; I dropped the rest. Send it again when the answers are in."


async def too_busy(update: Update, bot: Bot) -> None:
    """Tell a chat, once per burst, that its updates beyond the queue were dropped (a pop-up for a button)."""
    try:
        if update.callback_query is not None:
            await alert(update, TOO_BUSY)
        else:
            await reply(update, bot, render.esc(TOO_BUSY))
    except TelegramError as exc:
        log.warning("could not tell chat %s it was dropped: %s", update.effective_chat, exc)


async def may_configure(update: Update, context: Context) -> bool:
    """In groups only chat administrators change subscriptions and digests; says so otherwise (as a pop-up to
    whoever pressed a button)."""
    chat = update.effective_chat
    if chat is None:
        return False
    if chat.type == ChatType.PRIVATE:
        return True
    user = update.effective_user
    if user is not None:
        member = await context.bot.get_chat_member(chat.id, user.id)
        if member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER):
            return True
    refusal = "Only this group's administrators can change its subscriptions and digests."
    if update.callback_query is not None:
        await alert(update, refusal)
    else:
        await answer(update, context, render.esc(refusal))
    return False


async def is_admin(update: Update, context: Context, quiet: bool = False) -> bool:
    """Whether the user is a bot administrator (user ids from settings)."""
    user = update.effective_user
    if user is not None and user.id in context.bot_data.settings.admin_ids:
        return True
    if not quiet:
        await answer(update, context, "That command is for the bot's administrators.")
    return False


def help_text() -> str:
    """/help: every command."""
    lines = ["<b>briefbot</b> — daily news briefings built only from real sentences of named sources.", ""]
    lines += [f"/{name} — {render.esc(text)}" for name, text in COMMANDS]
    return "\n".join(lines)


async def start(update: Update, context: Context) -> None:
    """/start: (re)activate the chat and show help."""
    service = context.bot_data.service
    chat = await context.bot_data.runner.run(service.update_chat, chat_id(update), active=1)
    digests.schedule(context.application, chat)
    await answer(update, context, help_text())


async def help_command(update: Update, context: Context) -> None:
    """/help."""
    await answer(update, context, help_text())


async def brief(update: Update, context: Context) -> None:
    """/brief [topic]: a briefing (the subscriptions, or the top stories, without a topic)."""
    runner = context.bot_data.runner
    async with typing(update, context.bot):
        result = await runner.run(runner.service.brief_chat, chat_id(update), _args(context))
    for topic in result.topics:
        await answer(update, context, render.briefing(topic.result), buttons.keyboard(topic))


async def timeline(update: Update, context: Context) -> None:
    """/timeline <topic> [N]: the N most important dates of a story."""
    await _send_timeline(update, context, *_topic_and_number(_args(context)))


async def _send_timeline(update: Update, context: Context, topic: str, count: str | None) -> None:
    async with typing(update, context.bot):
        result = await context.bot_data.runner.read(Service.timeline, topic=topic, count=count)
    await answer(update, context, render.timeline(result))


async def trend(update: Update, context: Context) -> None:
    """/trend <topic> [days]: a chart of the story's coverage and its five most-named entities, day by day."""
    await _send_trend(update, context, *_topic_and_number(_args(context)))


async def _send_trend(update: Update, context: Context, topic: str, days: str | None) -> None:
    runner = context.bot_data.runner
    async with typing(update, context.bot):
        result = await runner.read(Service.trend, topic=topic, days=days)
        if not result.days:
            await answer(update, context, render.esc(result.message))
            return
        png = await runner.fetch(chart.trend_png, result)  # drawing needs no database: off the writer and readers
    await send_photo(update, context.bot, png, chart.trend_caption(result))


async def who(update: Update, context: Context) -> None:
    """/who <name>: an entity profile."""
    name = _args(context)
    if not name.strip():
        await answer(update, context, "Give a name, for example: /who Blinken")
        return
    async with typing(update, context.bot):
        lookup, profile = await context.bot_data.runner.read(Service.who, name)
    await answer(update, context, render.profile(profile) if profile else render.lookup(lookup))


async def changes(update: Update, context: Context) -> None:
    """/changes [topic] [short|medium|long]: what changed since this chat's last briefing (the subscriptions
    without a topic), at the chat's length unless one is given."""
    await _send_changes(update, context, *_topic_and_length(_args(context)))


def _topic_and_length(text: str) -> tuple[str, str | None]:
    """'gaza long' -> ('gaza', 'long'); a topic without a length name keeps all its words."""
    words = text.split()
    if words and words[-1].casefold() in LENGTH_NAMES:
        return " ".join(words[:-1]), words[-1].casefold()
    return text, None


async def _send_changes(
    update: Update, context: Context, topic: str, size: str | None = None, more_from: int | None = None
) -> None:
    runner = context.bot_data.runner
    async with typing(update, context.bot):
        result = await runner.run(runner.service.changes_chat, chat_id(update), topic, size, more_from)
    for each in result.topics:
        await answer(update, context, render.changes(each.result, result.chat.timezone), buttons.keyboard(each))


async def subscribe(update: Update, context: Context) -> None:
    """/subscribe <topic>."""
    topic = _args(context)
    if not topic.strip():
        await answer(update, context, "Say what to subscribe to, for example: /subscribe Gaza")
        return
    if not await may_configure(update, context):
        return
    new = await context.bot_data.runner.run(context.bot_data.service.subscribe, chat_id(update), topic)
    text = f"Subscribed to “{topic}”." if new else f"You already follow “{topic}”."
    await answer(
        update, context, render.esc(text) + " See /topics; set a daily digest with /digest 08:00 Europe/London."
    )


async def unsubscribe(update: Update, context: Context) -> None:
    """/unsubscribe <topic>."""
    topic = _args(context)
    if not topic:
        await answer(update, context, "Say which topic, for example: /unsubscribe Gaza")
        return
    if not await may_configure(update, context):
        return
    await answer(update, context, await _unsubscribe(context, chat_id(update), topic))


async def _unsubscribe(context: Context, chat: int, topic: str) -> str:
    removed = await context.bot_data.runner.run(context.bot_data.service.unsubscribe, chat, topic)
    return render.esc(f"Unsubscribed from “{topic}”." if removed else f"You do not follow “{topic}”.")


async def topics(update: Update, context: Context) -> None:
    """/topics: subscriptions and digest settings."""
    runner, service, chat = context.bot_data.runner, context.bot_data.service, chat_id(update)
    settings = await runner.run(service.chat, chat)
    subs = await runner.run(service.subscriptions, chat)
    await answer(update, context, render.topics(settings, subs))


async def digest(update: Update, context: Context) -> None:
    """/digest HH:MM [IANA time zone] | /digest off | /digest quiet on|off."""
    args = context.args or []
    usage = "Use /digest HH:MM [time zone], e.g. /digest 07:30 Europe/Berlin, /digest off, or /digest quiet on|off."
    if not args or len(args) > 2:
        await answer(update, context, usage)
        return
    if args[0].casefold() == "quiet" and (len(args) != 2 or args[1].casefold() not in {"on", "off"}):
        await answer(update, context, "Use /digest quiet on (say nothing about quiet topics) or /digest quiet off.")
        return
    if not await may_configure(update, context):
        return
    runner, service, chat = context.bot_data.runner, context.bot_data.service, chat_id(update)
    if args[0].casefold() == "quiet":
        quiet = args[1].casefold() == "on"
        await runner.run(service.update_chat, chat, digest_quiet=int(quiet))
        await answer(
            update,
            context,
            "Digests will leave out topics with nothing new."
            if quiet
            else "Digests will say which topics have nothing new.",
        )
        return
    if args[0].casefold() == "off":
        settings = await runner.run(service.update_chat, chat, digest_time=None)
        digests.schedule(context.application, settings)
        await answer(update, context, "Daily digest turned off.")
        return
    match = TIME.match(args[0])
    if not match:
        await answer(update, context, render.esc(f"“{args[0][:40]}” is not a time; use 24-hour HH:MM, e.g. 07:30."))
        return
    current = await runner.run(service.chat, chat)
    zone = (
        args[1]
        if len(args) == 2
        else (current.timezone if current.digest_time else context.bot_data.settings.default_timezone)
    )
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # 'Europe' is a folder of zones: IsADirectoryError
        await answer(
            update,
            context,
            render.esc(f"“{zone[:60]}” is not an IANA time zone; try Europe/London or America/New_York."),
        )
        return
    hhmm = f"{int(match.group(1)):02d}:{match.group(2)}"
    settings = await runner.run(service.update_chat, chat, digest_time=hhmm, timezone=zone)
    digests.schedule(context.application, settings)
    await answer(update, context, render.esc(f"Daily digest at {hhmm} ({zone})."))


async def length(update: Update, context: Context) -> None:
    """/length short|medium|long."""
    value = _args(context).casefold()
    if value not in {"short", "medium", "long"}:
        await answer(update, context, "Use /length short, /length medium or /length long.")
        return
    if not await may_configure(update, context):
        return
    await context.bot_data.runner.run(context.bot_data.service.update_chat, chat_id(update), length=value)
    await answer(update, context, render.esc(f"Briefings will be {value}."))


async def ingest(update: Update, context: Context) -> None:
    """/ingest <url> (admins)."""
    if not await is_admin(update, context):
        return
    url = _args(context)
    if not re.match(r"^https?://\S+$", url):
        await answer(update, context, "Use /ingest https://example.com/article")
        return
    runner, service = context.bot_data.runner, context.bot_data.service
    async with typing(update, context.bot):
        items = await runner.fetch(service.collect, [url])  # the network, off the thread that answers commands
        report = await runner.run(service.ingest_items, items)
    await answer(update, context, render.ingest_report(report))


async def feeds(update: Update, context: Context) -> None:
    """/feeds add|list|remove <url> (admins)."""
    if not await is_admin(update, context):
        return
    args = context.args or []
    action = args[0].casefold() if args else ""
    runner, service = context.bot_data.runner, context.bot_data.service
    if action == "list":
        page = await runner.read(Service.feed_page, args[1] if len(args) > 1 else None)
        await answer(update, context, render.feeds(page))
        return
    if action == "export":
        data = await runner.run(service.export_feeds)
        count = len(await runner.run(service.feeds))
        await send_document(
            update,
            context.bot,
            data,
            "briefbot-feeds.opml",
            f"{count} feeds as OPML 2.0 (Feedly, Thunderbird, NewsBlur and others import it)",
        )
        return
    if action == "import":
        await answer(update, context, "Send the .opml file here as a document; I will add every feed it lists.")
        return
    if action not in {"add", "remove"} or len(args) != 2:
        await answer(
            update,
            context,
            render.esc(
                "Use /feeds add <url>, /feeds list [page], /feeds remove <url>, /feeds import or /feeds export."
            ),
        )
        return
    if action == "add":
        # The host is resolved and vetted on a fetch thread; the writer only writes.
        checked = await runner.fetch(service.check_feed, args[1])
        report = await runner.run(service.save_feeds, checked)
        if report.added:
            # Polled at once, on the fetch threads, and stored: the admin sees what the feed gave now.
            feed = await runner.run(service.feed, report.added[0])
            if feed is not None:
                [poll] = await polling.poll(runner, [feed])
                text = f"Added feed {feed.url}. First poll: {poll.status}."
            else:
                text = f"Added feed {report.added[0]}."
        elif report.already:
            text = f"Already polling {report.already[0]}."
        else:
            text = f"Not added: {report.refused[0][1]}."
    else:
        removed = await runner.run(service.remove_feed, args[1])
        text = f"Removed {args[1]}." if removed else f"Not polling {args[1]}."
    await answer(update, context, render.esc(text))


async def stats(update: Update, context: Context) -> None:
    """/stats (admins)."""
    if not await is_admin(update, context):
        return
    data = await context.bot_data.runner.run(context.bot_data.service.stats)
    await answer(update, context, render.stats(data))


def forward_credit(message: Message) -> tuple[str, str, str | None]:
    """Who a forwarded or pasted article is credited to, its date, and a link to it when there is one.

    A channel post is credited to the channel (linked when the channel is public), a forwarded message to its
    sender, and a pasted text to whoever pasted it; the date is the original's.
    """
    origin = message.forward_origin
    links = [e.url or text for e, text in message.parse_entities([MessageEntity.TEXT_LINK, MessageEntity.URL]).items()]
    link = next((u for u in links if re.match(r"^https?://", u or "")), None)
    if isinstance(origin, MessageOriginChannel):
        username = origin.chat.username
        url = f"https://t.me/{username}/{origin.message_id}" if username else link
        return origin.chat.title or username or "Telegram channel", origin.date.date().isoformat(), url
    if isinstance(origin, MessageOriginChat):
        return origin.sender_chat.title or "Telegram chat", origin.date.date().isoformat(), link
    if isinstance(origin, MessageOriginUser):
        return origin.sender_user.full_name, origin.date.date().isoformat(), link
    if isinstance(origin, MessageOriginHiddenUser):
        return origin.sender_user_name, origin.date.date().isoformat(), link
    sender = message.from_user.full_name if message.from_user else "Telegram"
    return sender, message.date.date().isoformat(), link


async def text(update: Update, context: Context) -> None:
    """Plain text: an admin's forwarded message or long paste is ingested; in private chats anyone else gets a
    short pointer to /help (groups hear nothing)."""
    message = update.effective_message
    if message is None or not message.text or update.effective_chat is None:
        return
    forwarded = message.forward_origin is not None
    if await is_admin(update, context, quiet=True) and (forwarded or len(message.text) >= PASTE_MIN_CHARS):
        source, published, url = forward_credit(message)
        origin = f"{'forwarded' if forwarded else 'pasted'} message {message.message_id}"
        runner, service = context.bot_data.runner, context.bot_data.service
        async with typing(update, context.bot):
            report = await runner.run(
                service.ingest_text, message.text, origin, source=source, published=published, url=url
            )
        await answer(update, context, render.ingest_report(report))
        return
    if update.effective_chat.type == ChatType.PRIVATE:
        await answer(
            update, context, "I answer commands: try /brief, /who Blinken or /subscribe Gaza. /help lists them all."
        )


async def document(update: Update, context: Context) -> None:
    """A document: an admin's .opml file is imported as feeds; anything else gets one line (private chats)."""
    message = update.effective_message
    if message is None or message.document is None or update.effective_chat is None:
        return
    doc = message.document
    is_opml = (doc.file_name or "").casefold().endswith((".opml", ".xml")) or doc.mime_type in OPML_TYPES
    if not await is_admin(update, context, quiet=True) or not is_opml:
        if update.effective_chat.type == ChatType.PRIVATE:
            await answer(update, context, "I read one kind of file: an .opml list of feeds, sent by an administrator.")
        return
    if (doc.file_size or 0) > MAX_OPML_FILE:
        await answer(
            update, context, render.esc(f"That file is too large for a list of feeds ({doc.file_size:,} bytes).")
        )
        return
    async with typing(update, context.bot):
        data = bytes(await (await doc.get_file()).download_as_bytearray())
        runner, service = context.bot_data.runner, context.bot_data.service
        checked = await runner.fetch(service.check_feed_list, data)  # hosts resolved off the writer
        report = await runner.run(service.save_feeds, checked)
    await answer(update, context, render.feed_import(report))


async def unknown(update: Update, context: Context) -> None:
    """An unknown command (a command addressed to another bot in a group is not ours to answer)."""
    command = ((update.effective_message.text if update.effective_message else None) or "/").split()[0][:40]
    _, _, addressee = command.partition("@")
    if addressee and addressee.casefold() != (context.bot.username or "").casefold():
        return
    await answer(update, context, render.esc(f"I don't know {command}. /help lists what I can do."))


async def button(update: Update, context: Context) -> None:
    """Inline buttons: the stored action is looked up, the press answered at once (or refused as a pop-up), then
    acted on."""
    query = update.callback_query
    if query is None:
        return
    runner, service = context.bot_data.runner, context.bot_data.service
    token = buttons.action_token(query.data)
    action = await runner.run(service.button_action, chat_id(update), token) if token is not None else None
    if action is None:
        await alert(update, "That button has expired or belongs to another chat; send the command again.")
        return
    if action.kind == buttons.UNSUBSCRIBE:
        if not await may_configure(update, context):
            return
        await query.answer()
        await answer(update, context, await _unsubscribe(context, chat_id(update), action.value))
        return
    if action.kind == buttons.SUBSCRIBE:
        if not await may_configure(update, context):
            return
        await query.answer()
        new = await runner.run(service.subscribe, chat_id(update), action.value)
        text = f"Subscribed to “{action.value}”." if new else f"You already follow “{action.value}”."
        await answer(update, context, render.esc(text))
        return
    await query.answer()
    if action.kind == buttons.WHO:
        async with typing(update, context.bot):
            profile = await runner.read(Service.profile_by_id, int(action.value))
        await answer(update, context, render.profile(profile) if profile else "That entity is no longer in the store.")
    elif action.kind == buttons.CHANGES:
        await _send_changes(update, context, action.value)
    elif action.kind == buttons.MORE:
        base, _, topic = action.value.partition(":")
        await _send_changes(update, context, topic, more_from=int(base))
    elif action.kind == buttons.TIMELINE:
        await _send_timeline(update, context, action.value, None)
    elif action.kind == buttons.TREND:
        await _send_trend(update, context, action.value, None)


async def on_error(update: object, context: Context) -> None:
    """Log every unhandled error; tell the user briefly when there is a chat; never raise."""
    error = context.error
    try:
        chat = update.effective_chat if isinstance(update, Update) else None
        if isinstance(error, InputError) and isinstance(update, Update):
            # Bad input from the world, from any handler: its one-line reason, as a pop-up for a button.
            if update.callback_query is not None:
                await alert(update, str(error))
            else:
                await reply(update, context.bot, render.esc(str(error)))
            return
        if isinstance(error, Forbidden) and chat is not None:
            await digests.deactivate(context.application, chat.id)
            return
        log.error("unhandled error for update %r", update, exc_info=error)
        if chat is not None:
            await context.bot.send_message(chat.id, "Sorry, something went wrong; it has been logged.")
    except TelegramError as exc:
        log.warning("could not report the error to the chat: %s", exc)
    except Exception:  # the error handler must never fail itself
        log.exception("the error handler failed")
