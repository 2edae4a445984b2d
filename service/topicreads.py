"""What a topic's stored articles hold for a diff, read once per store state for every mark a digest wave meets.

A mark's arrivals and covered articles are parts of the topic's articles: each is taken from these reads by
filtering, which keeps every read's order, so a diff is the same as one that queried its articles alone.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Sequence, Set
from dataclasses import dataclass
from functools import cached_property
from operator import attrgetter

import numpy as np

from service.credits import ACTOR_LABELS
from storage import articles as store
from storage import entities as entity_store
from storage.db import Database
from storage.records import Entity, FactRow, Mention, Role

_SENTENCE = attrgetter("sentence_id")


@dataclass(frozen=True)
class TopicReads:
    """Every mention, actor, role and fact of a topic's articles, and every entity they name."""

    mentions: list[Mention]  # by article, sentence and place in it
    roles: list[Role]  # oldest first
    facts: list[FactRow]  # oldest publication first
    entities: dict[int, Entity]

    @cached_property
    def _by_article(self) -> dict[int, tuple[int, int]]:
        """Where each article's mentions lie in ``mentions`` (they are read by article)."""
        spans: dict[int, tuple[int, int]] = {}
        start = 0
        for i in range(1, len(self.mentions) + 1):
            if i == len(self.mentions) or self.mentions[i].article_id != self.mentions[start].article_id:
                spans[self.mentions[start].article_id] = (start, i)
                start = i
        return spans

    @cached_property
    def _pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Each article's entities in order of first mention and how often it names each, as arrays (article id,
        entity index, mentions), and the entity id of each index: what a mark's counts are summed from."""
        index: dict[int, int] = {}
        articles: list[int] = []
        entities: list[int] = []
        counts: list[int] = []
        for article_id, (i, j) in self._by_article.items():
            here: Counter[int] = Counter(m.entity_id for m in self.mentions[i:j])  # keeps first-mention order
            for entity_id, n in here.items():
                articles.append(article_id)
                entities.append(index.setdefault(entity_id, len(index)))
                counts.append(n)
        return (
            np.array(articles, dtype=np.int64),
            np.array(entities, dtype=np.int64),
            np.array(counts, dtype=np.int64),
            np.array(list(index), dtype=np.int64),
        )

    def named_in(self, article_ids: Set[int]) -> list[tuple[int, int, int]]:
        """Every entity some of the articles name, in order of first mention: (entity id, articles naming it,
        mentions)."""
        articles, entities, counts, ids = self._pairs
        asked = _among(articles, article_ids)
        named, counts = entities[asked], counts[asked]
        found, first = np.unique(named, return_index=True)
        order = found[np.argsort(first, kind="stable")]
        in_articles = np.bincount(named, minlength=len(ids))
        mentions = np.bincount(named, weights=counts, minlength=len(ids))
        return [(int(ids[e]), int(in_articles[e]), int(mentions[e])) for e in order]

    def mentions_of_sentence(self, article_id: int, sentence_id: int) -> list[tuple[int, str]]:
        """A sentence's mentions in reading order: (entity id, surface as written)."""
        start, end = self._by_article.get(article_id, (0, 0))
        # An article's mentions are read by sentence: the sentence's are a run of them.
        first = bisect_left(self.mentions, sentence_id, start, end, key=_SENTENCE)
        last = bisect_right(self.mentions, sentence_id, first, end, key=_SENTENCE)
        return [(m.entity_id, m.surface) for m in self.mentions[first:last]]

    @cached_property
    def _actors(self) -> dict[int, dict[int, set[int]]]:
        """The actors of every article, sentence by sentence (worked out once for every mark)."""
        actors = {e for e, entity in self.entities.items() if entity.label in ACTOR_LABELS}
        found: dict[int, dict[int, set[int]]] = {}
        for m in self.mentions:
            if m.entity_id in actors:
                found.setdefault(m.article_id, {}).setdefault(m.sentence_id, set()).add(m.entity_id)
        return found

    def actors_by_article(self, article_ids: Set[int]) -> dict[int, dict[int, set[int]]]:
        """``entity_store.actors_by_article`` for some of the articles, with ``ACTOR_LABELS`` (not to be changed:
        shared by every mark)."""
        actors = self._actors
        return {a: actors[a] for a in sorted(article_ids & actors.keys())}

    def article_counts(self, article_ids: Set[int]) -> dict[int, int]:
        """For each entity some of the articles name, how many of them name it."""
        articles, entities, _, ids = self._pairs
        counts = np.bincount(entities[_among(articles, article_ids)], minlength=len(ids))
        return {int(ids[e]): int(counts[e]) for e in np.flatnonzero(counts)}

    def roles_in(self, article_ids: Set[int]) -> list[Role]:
        """``entity_store.roles_in`` for some of the articles."""
        return [r for r in self.roles if r.article_id in article_ids]

    def facts_of(self, article_ids: Set[int]) -> list[FactRow]:
        """``store.facts_of`` for some of the articles."""
        return [f for f in self.facts if f.article_id in article_ids]


def _among(articles: np.ndarray, article_ids: Set[int]) -> np.ndarray:
    """Which of ``articles`` are in ``article_ids``."""
    return np.isin(articles, np.fromiter(article_ids, dtype=np.int64, count=len(article_ids)))


def topic_reads(db: Database, article_ids: Sequence[int]) -> TopicReads:
    """Read what these articles hold (one query of each kind)."""
    ids = sorted(article_ids)
    mentions = entity_store.mentions_in(db, ids)
    named = sorted({m.entity_id for m in mentions})
    return TopicReads(
        mentions=mentions,
        roles=entity_store.roles_in(db, ids),
        facts=store.facts_of(db, ids),
        entities={e.id: e for e, _ in entity_store.entities_with_counts(db, named)},
    )
