"""What a briefing is: verbatim sentences with every outlet that reported them (the types every view returns)."""

from __future__ import annotations

from dataclasses import dataclass, field

from storage.records import Entity
from summarizer.registry import DEFAULT_METHOD


@dataclass(frozen=True)
class Citation:
    """Where a sentence was published."""

    source: str
    published_at: str
    url: str | None
    article_id: int
    title: str


@dataclass
class BriefItem:
    """One briefing sentence, verbatim, with every outlet that reported it."""

    sentence_id: int
    text: str
    citations: list[Citation]
    story_id: int
    score: float = 0.0


@dataclass
class Briefing:
    """A briefing, or an explanation of why there is none."""

    topic: str
    items: list[BriefItem] = field(default_factory=list)
    article_ids: list[int] = field(default_factory=list)
    entities: list[tuple[Entity, int]] = field(default_factory=list)
    message: str = ""
    since: str | None = None
    method: str = DEFAULT_METHOD
    # Earlier days, oldest first, one development each: (YYYY-MM-DD, items).
    background: list[tuple[str, list[BriefItem]]] = field(default_factory=list)

    @property
    def shown(self) -> list[BriefItem]:
        """Every item a reader sees: the latest developments, then the background."""
        return self.items + [i for _, items in self.background for i in items]

    def named_entities(self) -> list[Entity]:
        """The briefing's top entities that its shown sentences name (by full name or last word), in order."""
        text = " ".join(i.text for i in self.shown)
        return [e for e, _ in self.entities if e.name in text or e.name.split()[-1] in text.split()]

    def as_dict(self) -> dict:
        """Machine-readable form for --json."""

        def item(i: BriefItem) -> dict:
            return {
                "text": i.text,
                "sentence_id": i.sentence_id,
                "date": i.citations[0].published_at[:10],
                "sources": [c.__dict__ for c in i.citations],
            }

        return {
            "topic": self.topic,
            "since": self.since,
            "method": self.method,
            "message": self.message,
            "articles": len(self.article_ids),
            "sentences": [item(i) for i in self.items],
            "background": [{"date": day, "sentences": [item(i) for i in items]} for day, items in self.background],
            "entities": [{"id": e.id, "name": e.name, "label": e.label, "mentions": n} for e, n in self.entities],
        }
