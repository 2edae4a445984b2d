"""What a topic's stored articles hold for a diff, read once per store state for every mark a digest wave meets.

A mark's arrivals and covered articles are parts of the topic's articles: each is taken from these reads by
filtering, which keeps every read's order, so a diff is the same as one that queried its articles alone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence, Set
from dataclasses import dataclass

from service.credits import ACTOR_LABELS
from storage import articles as store
from storage import entities as entity_store
from storage.db import Database
from storage.records import Entity, FactRow, Mention, Role


@dataclass(frozen=True)
class TopicReads:
    """Every mention, actor, role and fact of a topic's articles, and every entity they name."""

    mentions: list[Mention]  # by article, sentence and place in it
    roles: list[Role]  # oldest first
    facts: list[FactRow]  # oldest publication first
    entities: dict[int, Entity]

    def mentions_in(self, article_ids: Set[int]) -> list[Mention]:
        """``entity_store.mentions_in`` for some of the articles."""
        return [m for m in self.mentions if m.article_id in article_ids]

    def actors_by_article(self, article_ids: Set[int]) -> dict[int, dict[int, set[int]]]:
        """``entity_store.actors_by_article`` for some of the articles, with ``ACTOR_LABELS``."""
        found: dict[int, dict[int, set[int]]] = {}
        for m in self.mentions:
            if m.article_id in article_ids and self.entities[m.entity_id].label in ACTOR_LABELS:
                found.setdefault(m.article_id, {}).setdefault(m.sentence_id, set()).add(m.entity_id)
        return found

    def article_counts(self, article_ids: Set[int]) -> dict[int, int]:
        """For each entity some of the articles name, how many of them name it."""
        naming: dict[int, set[int]] = defaultdict(set)
        for m in self.mentions:
            if m.article_id in article_ids:
                naming[m.entity_id].add(m.article_id)
        return {entity_id: len(articles) for entity_id, articles in naming.items()}

    def roles_in(self, article_ids: Set[int]) -> list[Role]:
        """``entity_store.roles_in`` for some of the articles."""
        return [r for r in self.roles if r.article_id in article_ids]

    def facts_of(self, article_ids: Set[int]) -> list[FactRow]:
        """``store.facts_of`` for some of the articles."""
        return [f for f in self.facts if f.article_id in article_ids]


def topic_reads(db: Database, article_ids: Sequence[int]) -> TopicReads:
    """Read what these articles hold (one query of each kind)."""
    ids = sorted(article_ids)
    # A wave keeps a topic's reads while it lasts: each id, name and label is held once, not once per mention.
    ints: dict[int, int] = {}
    texts: dict[str, str] = {}
    number, text = ints.setdefault, texts.setdefault
    mentions = [
        Mention(
            number(m.entity_id, m.entity_id),
            number(m.sentence_id, m.sentence_id),
            number(m.article_id, m.article_id),
            text(m.surface, m.surface),
            text(m.label, m.label),
        )
        for m in entity_store.mentions_in(db, ids)
    ]
    named = sorted({m.entity_id for m in mentions})
    return TopicReads(
        mentions=mentions,
        roles=entity_store.roles_in(db, ids),
        facts=store.facts_of(db, ids),
        entities={e.id: e for e, _ in entity_store.entities_with_counts(db, named)},
    )
