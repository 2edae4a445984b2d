"""Polling feeds the bot's way, for the repeating job and for /feeds add alike: each feed fetched on the network
threads (a few at a time, each within its own deadline) and stored on the writer thread as soon as it arrives."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.runner import BlockingRunner
from service.app import FEEDS_AT_ONCE

if TYPE_CHECKING:
    from service.app import Feed, FeedPoll

log = logging.getLogger(__name__)


async def poll(runner: BlockingRunner, feeds: Sequence[Feed]) -> list[FeedPoll]:
    """Poll ``feeds`` side by side; every feed gets a result (a broken one records its error and holds up none)."""
    at_once = asyncio.Semaphore(FEEDS_AT_ONCE)

    async def one(feed: Feed) -> FeedPoll:
        async with at_once:
            fetched = await runner.fetch(runner.service.fetch_feed, feed)
        result = await runner.run(runner.service.store_feed, feed, fetched)
        log.info("feed %s: %s", result.url, result.status)
        return result

    return list(await asyncio.gather(*(one(feed) for feed in feeds)))


async def poll_all(runner: BlockingRunner) -> list[FeedPoll]:
    """Poll every feed once and record that the round ran."""
    try:
        return await poll(runner, await runner.run(runner.service.feeds))
    finally:
        await runner.run(runner.service.finish_feed_poll)
