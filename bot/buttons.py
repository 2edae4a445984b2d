"""Inline buttons: each carries 'a:<id>' for an action stored by the service, never a topic that might not fit."""

from __future__ import annotations

import re
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.runner import BlockingRunner
from service.app import Entity

WHO, CHANGES, TIMELINE, TREND, UNSUBSCRIBE, SUBSCRIBE, MORE = (
    "who", "changes", "timeline", "trend", "unsubscribe", "subscribe", "more")
PAYLOAD = re.compile(r"^a:([0-9]{1,19})$")
MAX_LABEL = 60


def payload(action_id: int) -> str:
    """The callback data of a stored action: at most 21 bytes."""
    return f"a:{action_id}"


def action_id(data: str | None) -> int | None:
    """The action id in a button's data; None for data we never issued."""
    match = PAYLOAD.match(data or "")
    return int(match.group(1)) if match else None


def who_label(entity: Entity) -> str:
    """'Who is X?' for people, 'What is X?' for the rest, cut to fit a button."""
    text = f"Who is {entity.name}?" if entity.label == "PERSON" else f"What is {entity.name}?"
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 2] + "…?"


async def topic_keyboard(runner: BlockingRunner, entities: Sequence[Entity], topic: str, subscribed: bool,
                         changes: bool = True, more_from: int | None = None) -> InlineKeyboardMarkup:
    """'Who is X?' for up to three people and organisations, then 'More' (the rest of a shortened diff),
    'What changed', 'Timeline', 'Trend', and 'Unsubscribe' or 'Subscribe'."""
    people = [e for e in entities if e.label in {"PERSON", "ORG"}][:3]
    actions: list[tuple[str, tuple[str, str]]] = [(who_label(e), (WHO, str(e.id))) for e in people]
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
    ids = await runner.run(runner.service.button_ids, [action for _, action in actions])
    buttons = [InlineKeyboardButton(label, callback_data=payload(i)) for (label, _), i in zip(actions, ids)]
    rows = [[b] for b in buttons[: len(people)]]
    rows.append(buttons[len(people):])
    return InlineKeyboardMarkup(rows)
