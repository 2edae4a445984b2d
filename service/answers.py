"""What a chat's /brief and /changes answer, topic by topic, with the buttons under each: one call per use case."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, TypeVar

from storage.records import ButtonKind, Chat, Entity

if TYPE_CHECKING:
    from service.changes import Changes
    from service.results import Briefing

R = TypeVar("R", "Briefing", "Changes")
# Without a topic, /brief and /changes answer for the chat's first few subscriptions.
MAX_TOPICS_PER_ANSWER = 3
# 'Who is X?' buttons under a topic's answer.
MAX_WHO_BUTTONS = 3


@dataclass(frozen=True)
class Button:
    """An inline button: what it does (kind and value) and the token it carries."""

    kind: ButtonKind
    value: str
    token: str


@dataclass
class TopicAnswer(Generic[R]):
    """One topic's briefing or diff, and its buttons (people first)."""

    result: R
    buttons: list[Button] = field(default_factory=list)
    people: list[Entity] = field(default_factory=list)  # whom the 'who' buttons are about, in their order


@dataclass
class ChatAnswer(Generic[R]):
    """A chat's answer to /brief or /changes: its settings (for the time zone) and one answer per topic."""

    chat: Chat
    topics: list[TopicAnswer[R]]


def topics_for(topic: str, subscriptions: list[str]) -> list[str]:
    """The topic asked for, or the chat's first subscriptions, or the top stories ('')."""
    return [topic] if topic else subscriptions[:MAX_TOPICS_PER_ANSWER] or [""]


def topic_actions(
    people: list[Entity], topic: str, subscribed: bool, changes: bool = True, more_from: int | None = None
) -> list[tuple[ButtonKind, str]]:
    """A topic's buttons: 'Who is X?' for each person or organisation given, 'More' (the rest of a shortened diff),
    'What changed', 'Timeline', 'Trend', and 'Unsubscribe' or 'Subscribe'."""
    actions: list[tuple[ButtonKind, str]] = [("who", str(e.id)) for e in people]
    if more_from is not None and topic:
        actions.append(("more", f"{more_from}:{topic}"))
    if changes:
        actions.append(("changes", topic))
    actions += [("timeline", topic), ("trend", topic)]
    if subscribed:
        actions.append(("unsubscribe", topic))
    elif topic:
        actions.append(("subscribe", topic))
    return actions


def who_buttons_for(entities: list[Entity]) -> list[Entity]:
    """The people and organisations a topic's answer offers to look up."""
    return [e for e in entities if e.label in {"PERSON", "ORG"}][:MAX_WHO_BUTTONS]
