"""The typed callback context: handlers reach the runner, the service and the settings as attributes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from telegram.ext import CallbackContext, ContextTypes, ExtBot, Job

from bot.runner import BlockingRunner
from bot.settings import Settings
from bot.wave import Wave
from service.app import Service

DIGESTS_IN_FLIGHT = 16


def utc_now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


class BotData:
    """What every handler and job shares: created empty by python-telegram-bot, filled in by ``build_application``."""

    def __init__(self) -> None:
        self._runner: BlockingRunner | None = None
        self._settings: Settings | None = None
        self.clock: Callable[[], datetime] = utc_now  # tests move time instead of sleeping
        # Digests in flight at once: enough to keep Telegram's 30 messages/s busy, few enough that a command waits
        # behind at most this many digest steps on the writer thread, not behind a whole wave.
        self.digest_slots = asyncio.Semaphore(DIGESTS_IN_FLIGHT)
        # Each chat's scheduled digest job, found by chat id: looking one up by name in the job queue walks every
        # job, and a start-up that schedules 10,000 chats would walk 10,000 jobs 10,000 times.
        self.digest_jobs: dict[int, Job[Any]] = {}
        # In a digest worker: books and waits for a number of messages' turns in the send budget the workers share
        # (bot/digests.SendBudget).
        self.send_budget: Callable[[int], Awaitable[float]] | None = None
        # The digest waves being worked out ahead (bot/wave.py), by the minute they fired in.
        self.waves: dict[datetime, Wave] = {}

    def configure(self, runner: BlockingRunner, settings: Settings) -> None:
        """Attach the runner and settings (once, while building the application)."""
        self._runner, self._settings = runner, settings

    @property
    def runner(self) -> BlockingRunner:
        """The runner that takes blocking work off the event loop."""
        if self._runner is None:
            raise RuntimeError("the application was not built with build_application")
        return self._runner

    @property
    def settings(self) -> Settings:
        """The bot's settings."""
        if self._settings is None:
            raise RuntimeError("the application was not built with build_application")
        return self._settings

    @property
    def service(self) -> Service:
        """The open service (after ``post_init``)."""
        return self.runner.service


Context = CallbackContext[ExtBot[None], dict, dict, BotData]
CONTEXT_TYPES = ContextTypes(context=CallbackContext, bot_data=BotData)
