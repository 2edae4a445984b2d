"""Building the python-telegram-bot Application: handlers, HTML defaults, rate limiter, start-up and shutdown."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from telegram import BotCommand, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot import digests, handlers, polling
from bot.context import CONTEXT_TYPES, BotData, Context
from bot.runner import BlockingRunner
from bot.settings import Settings
from bot.updates import PerChatUpdateProcessor
from service.app import FetchPolicy, Service

if TYPE_CHECKING:
    from service.app import Language

log = logging.getLogger(__name__)
CONSOLE_TOKEN = "0:console"


def build_application(
    settings: Settings, db_path: str | None = None, request: BaseRequest | None = None, nlp: Language | None = None
) -> Application:
    """The Application with every handler, HTML defaults, the rate limiter and start-up/shutdown hooks.

    ``nlp`` lets tests share one loaded spaCy pipeline; otherwise it is loaded once in ``post_init``.
    """
    policy = FetchPolicy(settings.fetch_timeout, settings.fetch_max_bytes, settings.allow_private_urls)
    path = db_path or settings.db_path
    runner = BlockingRunner(lambda: Service.open(path, settings.spacy_model, policy, nlp), reader_path=path)
    processor = PerChatUpdateProcessor()
    builder = (
        ApplicationBuilder()
        .token(settings.token or CONSOLE_TOKEN)
        .base_url(settings.bot_api_url)
        .base_file_url(file_url(settings.bot_api_url))
        .context_types(CONTEXT_TYPES)
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .rate_limiter(AIORateLimiter(max_retries=3))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .concurrent_updates(processor)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    app = builder.build()
    processor.on_overflow = lambda update: handlers.too_busy(update, app.bot)
    data: BotData = app.bot_data
    data.configure(runner, settings)
    add_handlers(app)
    return app


def file_url(api_url: str) -> str:
    """Where the Bot API serves files: https://api.telegram.org/bot -> https://api.telegram.org/file/bot."""
    base, _, last = api_url.rstrip("/").rpartition("/")
    return f"{base}/file/{last}"


def add_handlers(app: Application) -> None:
    """Register every command, button and message handler, and the error handler."""
    commands = {
        "start": handlers.start,
        "help": handlers.help_command,
        "brief": handlers.brief,
        "who": handlers.who,
        "timeline": handlers.timeline,
        "trend": handlers.trend,
        "changes": handlers.changes,
        "subscribe": handlers.subscribe,
        "unsubscribe": handlers.unsubscribe,
        "topics": handlers.topics,
        "digest": handlers.digest,
        "length": handlers.length,
        "ingest": handlers.ingest,
        "feeds": handlers.feeds,
        "stats": handlers.stats,
    }
    # Only new messages: edited messages and channel posts are ignored, not answered twice.
    messages = filters.UpdateType.MESSAGE
    for name, callback in commands.items():
        app.add_handler(CommandHandler(name, callback, filters=messages))
    app.add_handler(CallbackQueryHandler(handlers.button))
    app.add_handler(MessageHandler(messages & filters.COMMAND, handlers.unknown))
    app.add_handler(MessageHandler(messages & filters.TEXT & ~filters.COMMAND, handlers.text))
    app.add_handler(MessageHandler(messages & filters.Document.ALL, handlers.document))
    app.add_error_handler(handlers.on_error)


async def post_init(app: Application) -> None:
    """Open the database, load spaCy once, publish the command menu, restore digest and feed jobs."""
    data: BotData = app.bot_data
    await data.runner.start()
    await app.bot.set_my_commands([BotCommand(n, d) for n, d in handlers.COMMANDS])
    await digests.restore(app)
    if app.job_queue is not None:
        app.job_queue.run_repeating(
            poll_feeds_job, interval=data.settings.feed_poll_minutes * 60, first=10, name="feeds"
        )


async def post_shutdown(app: Application) -> None:
    """Close the database and the runner's threads."""
    data: BotData = app.bot_data
    await data.runner.stop()


async def poll_feeds_job(context: Context) -> None:
    """The repeating feed-polling job (see bot/polling.py)."""
    await polling.poll_all(context.bot_data.runner)
