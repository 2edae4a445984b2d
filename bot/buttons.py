"""Inline buttons: each carries 'a:<token>' for an action the service stored for that chat (a random token that
expires), never a topic that might not fit."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.runner import BlockingRunner

if TYPE_CHECKING:
    from service.app import ButtonKind, Digest, Entity, TopicAnswer

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


LABELS = {
    MORE: "More",
    CHANGES: "What changed",
    TIMELINE: "Timeline",
    TREND: "Trend",
    UNSUBSCRIBE: "Unsubscribe",
    SUBSCRIBE: "Subscribe",
}


def keyboard(answer: TopicAnswer) -> InlineKeyboardMarkup | None:
    """A topic answer's buttons: one row per 'Who is X?', then the topic's actions in one row."""
    if not answer.buttons:
        return None
    people = iter(answer.people)
    rows: list[list[InlineKeyboardButton]] = []
    actions = []
    for button in answer.buttons:
        if button.kind == WHO:
            rows.append([InlineKeyboardButton(who_label(next(people)), callback_data=payload(button.token))])
        else:
            actions.append(InlineKeyboardButton(LABELS[button.kind], callback_data=payload(button.token)))
    return InlineKeyboardMarkup([*rows, actions])


def _label(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


async def digest_keyboard(runner: BlockingRunner, digest: Digest) -> InlineKeyboardMarkup | None:
    """A digest's buttons: a single topic's keyboard when one topic has news; with several, one row per topic,
    'More on X' for a shortened diff, 'Timeline of X' otherwise."""
    news = digest.news
    if not news:
        return None
    if len(news) == 1:
        _, changes = news[0]
        answer = await runner.run_background(
            runner.service.answer_for,
            digest.chat.id,
            changes,
            [t for t, _ in digest.topics],
            changes=False,
            more_from=changes.base if changes.left_out else None,
        )
        return keyboard(answer)
    actions: list[tuple[str, tuple[ButtonKind, str]]] = [
        (_label(f"More on {topic}"), (MORE, f"{changes.base}:{topic}"))
        if changes.left_out
        else (_label(f"Timeline of {topic}"), (TIMELINE, topic))
        for topic, changes in news[:MAX_DIGEST_ROWS]
    ]
    tokens = await runner.run_background(
        runner.service.button_tokens, digest.chat.id, [action for _, action in actions]
    )
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=payload(token))] for (label, _), token in zip(actions, tokens)]
    )
