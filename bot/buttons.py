"""Inline buttons: each carries 'a:<token>' for an action the service stored for that chat (a random token that
expires), never a topic that might not fit."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.runner import BlockingRunner
from service.app import topic_key

if TYPE_CHECKING:
    from service.app import ButtonKind, Digest, Entity

WHO: Final = "who"
CHANGES: Final = "changes"
MORE: Final = "more"
TIMELINE: Final = "timeline"
TREND: Final = "trend"
SUBSCRIBE: Final = "subscribe"
UNSUBSCRIBE: Final = "unsubscribe"
PAYLOAD = re.compile(r"^a:([A-Za-z0-9_-]{16,43})$")
MAX_LABEL = 60
MAX_DIGEST_ROWS = 8


def payload(token: str) -> str:
    """The callback data of a stored action: at most 45 bytes (Telegram allows 64)."""
    return f"a:{token}"


def action_token(data: str | None) -> str | None:
    """The action token in a button's data; None for data we never issued."""
    match = PAYLOAD.match(data or "")
    return match.group(1) if match else None


def who_label(entity: Entity) -> str:
    """'Who is X?' for people, 'What is X?' for the rest, cut to fit a button."""
    text = f"Who is {entity.name}?" if entity.label == "PERSON" else f"What is {entity.name}?"
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 2] + "…?"


async def topic_keyboard(
    runner: BlockingRunner,
    chat_id: int,
    entities: Sequence[Entity],
    topic: str,
    subscribed: bool,
    changes: bool = True,
    more_from: int | None = None,
) -> InlineKeyboardMarkup:
    """'Who is X?' for up to three people and organisations, then 'More' (the rest of a shortened diff),
    'What changed', 'Timeline', 'Trend', and 'Unsubscribe' or 'Subscribe'."""
    people = [e for e in entities if e.label in {"PERSON", "ORG"}][:3]
    actions: list[tuple[str, tuple[ButtonKind, str]]] = [(who_label(e), (WHO, str(e.id))) for e in people]
    if more_from is not None and topic:
        actions.append(("More", (MORE, f"{more_from}:{topic}")))
    if changes:
        actions.append(("What changed", (CHANGES, topic)))
    actions.append(("Timeline", (TIMELINE, topic)))
    actions.append(("Trend", (TREND, topic)))
    if subscribed:
        actions.append(("Unsubscribe", (UNSUBSCRIBE, topic)))
    elif topic:
        actions.append(("Subscribe", (SUBSCRIBE, topic)))
    tokens = await runner.run(runner.service.button_tokens, chat_id, [action for _, action in actions])
    buttons = [InlineKeyboardButton(label, callback_data=payload(t)) for (label, _), t in zip(actions, tokens)]
    rows = [[b] for b in buttons[: len(people)]]
    rows.append(buttons[len(people) :])
    return InlineKeyboardMarkup(rows)


def _label(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


async def digest_keyboard(runner: BlockingRunner, digest: Digest) -> InlineKeyboardMarkup | None:
    """A digest's buttons: a single topic's keyboard when one topic has news; with several, one row per topic,
    'More on X' for a shortened diff, 'Timeline of X' otherwise."""
    news = digest.news
    if not news:
        return None
    if len(news) == 1:
        topic, changes = news[0]
        subscribed = topic_key(topic) in {topic_key(t) for t, _ in digest.topics}
        return await topic_keyboard(
            runner,
            digest.chat.id,
            changes.entities,
            topic,
            subscribed,
            changes=False,
            more_from=changes.base if changes.left_out else None,
        )
    actions: list[tuple[str, tuple[ButtonKind, str]]] = [
        (_label(f"More on {topic}"), (MORE, f"{changes.base}:{topic}"))
        if changes.left_out
        else (_label(f"Timeline of {topic}"), (TIMELINE, topic))
        for topic, changes in news[:MAX_DIGEST_ROWS]
    ]
    tokens = await runner.run(runner.service.button_tokens, digest.chat.id, [action for _, action in actions])
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=payload(token))] for (label, _), token in zip(actions, tokens)]
    )
