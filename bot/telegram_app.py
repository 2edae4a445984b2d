"""Building and running the python-telegram-bot Application (Telegram, webhook, or the offline console)."""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlsplit

from telegram import BotCommand, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter, Application, ApplicationBuilder, CallbackQueryHandler, CommandHandler, Defaults,
    MessageHandler, filters,
)

from bot import digests, handlers
from bot.runner import BlockingRunner
from bot.settings import Settings
from service.app import Service
from service.fetch import FetchPolicy

log = logging.getLogger(__name__)
CONSOLE_TOKEN = "0:console"


def build_application(settings: Settings, db_path: str | None = None, request=None, nlp=None) -> Application:
    """The Application with every handler, HTML defaults, the rate limiter and start-up/shutdown hooks.

    ``nlp`` lets tests share one loaded spaCy pipeline; otherwise it is loaded once in ``post_init``.
    """
    policy = FetchPolicy(settings.fetch_timeout, settings.fetch_max_bytes, settings.allow_private_urls)

    runner = BlockingRunner(lambda: Service.open(db_path or settings.db_path, settings.spacy_model, policy, nlp))
    builder = (
        ApplicationBuilder()
        .token(settings.token or CONSOLE_TOKEN)
        .base_url(settings.bot_api_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .rate_limiter(AIORateLimiter(max_retries=3))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .concurrent_updates(True)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    app = builder.build()
    app.bot_data["runner"] = runner
    app.bot_data["settings"] = settings
    add_handlers(app)
    return app


def add_handlers(app: Application) -> None:
    """Register every command, button and message handler, and the error handler."""
    commands = {
        "start": handlers.start, "help": handlers.help_command, "brief": handlers.brief, "who": handlers.who, "timeline": handlers.timeline,
        "changes": handlers.changes, "subscribe": handlers.subscribe, "unsubscribe": handlers.unsubscribe,
        "topics": handlers.topics, "digest": handlers.digest, "length": handlers.length,
        "ingest": handlers.ingest, "feeds": handlers.feeds, "stats": handlers.stats,
    }
    # Only new messages: edited messages and channel posts are ignored, not answered twice.
    messages = filters.UpdateType.MESSAGE
    for name, callback in commands.items():
        app.add_handler(CommandHandler(name, callback, filters=messages))
    app.add_handler(CallbackQueryHandler(handlers.button))
    app.add_handler(MessageHandler(messages & filters.COMMAND, handlers.unknown))
    app.add_handler(MessageHandler(messages & filters.TEXT & ~filters.COMMAND, handlers.admin_text))
    app.add_error_handler(handlers.on_error)


async def post_init(app: Application) -> None:
    """Open the database, load spaCy once, publish the command menu, restore digest and feed jobs."""
    runner: BlockingRunner = app.bot_data["runner"]
    settings: Settings = app.bot_data["settings"]
    await runner.start()
    await app.bot.set_my_commands([BotCommand(n, d) for n, d in handlers.COMMANDS])
    await digests.restore(app, settings.digest_grace_minutes)
    app.job_queue.run_repeating(poll_feeds_job, interval=settings.feed_poll_minutes * 60, first=10, name="feeds")


async def post_shutdown(app: Application) -> None:
    """Close the database and the worker thread."""
    await app.bot_data["runner"].stop()


async def poll_feeds_job(context) -> None:
    """The repeating feed-polling job."""
    runner: BlockingRunner = context.application.bot_data["runner"]
    service = runner.service
    try:
        for feed in await runner.call(service.feeds):
            fetched = await runner.fetch(service.fetch_feed, feed)  # off the thread that answers commands
            poll = await runner.call(service.store_feed, feed, fetched)
            log.info("feed %s: %s", poll.url, poll.status)
    finally:
        await runner.call(service.finish_feed_poll)


def run(settings: Settings, db_path: str | None = None, console: bool = False) -> int:
    """Run the bot until interrupted: the console without a token, polling or webhook with one."""
    if console:
        from bot.console import run_console

        return asyncio.run(run_console(settings, db_path))
    app = build_application(settings, db_path)
    if settings.webhook_url:
        app.run_webhook(
            listen="0.0.0.0", port=settings.webhook_port, url_path=urlsplit(settings.webhook_url).path.lstrip("/"),
            webhook_url=settings.webhook_url, secret_token=settings.webhook_secret,
            allowed_updates=["message", "callback_query"],
        )
    else:
        app.run_polling(allowed_updates=["message", "callback_query"])
    return 0
