"""/who: resolving a name to an entity and building its profile (roles, conflicts, co-mentions, key sentences)."""

from __future__ import annotations

import difflib
from collections import defaultdict
from dataclasses import dataclass, field

import sqlite_utils

from service.briefing import Citation, rank_for_entity
from storage import entities as entity_store
from storage.records import Entity, Role
from summarizer.entities import alias_key
from summarizer.roles import is_unique_office

MAX_NAME = 200


@dataclass
class RoleClaim:
    """A role as written, with every source that gave it."""

    role: str
    office: str
    sources: list[Citation]


@dataclass
class Conflict:
    """Sources disagreeing on who holds an office, or on what office one person holds."""

    kind: str  # "same-office" | "different-offices"
    office: str
    claims: list[tuple[str, str, Citation]]  # (person, role as written, where)


@dataclass
class Profile:
    """An entity profile."""

    entity: Entity
    aliases: list[str]
    roles: list[RoleClaim]
    conflicts: list[Conflict]
    mentions: int
    articles: int
    first_seen: str | None
    last_seen: str | None
    related: list[tuple[Entity, int]]
    sentences: list[tuple[str, Citation]]

    def as_dict(self) -> dict:
        """Machine-readable form for --json."""
        return {
            "id": self.entity.id, "name": self.entity.name, "label": self.entity.label, "aliases": self.aliases,
            "roles": [{"role": r.role, "sources": [c.__dict__ for c in r.sources]} for r in self.roles],
            "conflicts": [
                {"kind": c.kind, "office": c.office,
                 "claims": [{"person": p, "role": r, "source": s.__dict__} for p, r, s in c.claims]}
                for c in self.conflicts
            ],
            "mentions": self.mentions, "articles": self.articles,
            "first_seen": self.first_seen, "last_seen": self.last_seen,
            "related": [{"name": e.name, "label": e.label, "together": n} for e, n in self.related],
            "sentences": [{"text": t, "source": c.__dict__} for t, c in self.sentences],
        }


@dataclass
class Lookup:
    """The outcome of resolving a name: one entity, candidates to choose from, or a reason."""

    entity: Entity | None = None
    candidates: list[Entity] = field(default_factory=list)
    suggestions: list[Entity] = field(default_factory=list)
    message: str = ""


def resolve_name(db: sqlite_utils.Database, name: str) -> Lookup:
    """Case-insensitive lookup by canonical name, alias, surname or close spelling."""
    name = " ".join((name or "").split())
    if not name:
        return Lookup(message="Give a name, for example: /who Blinken")
    if len(name) > MAX_NAME:
        return Lookup(message=f"That name is too long ({len(name)} characters; names are at most {MAX_NAME}).")
    key = alias_key(name)
    if not key or not any(c.isalnum() for c in key):
        return Lookup(message="That is not a name: it has no letters or digits.")
    exact = entity_store.entities_by_key(db, key)
    if len(exact) == 1:
        return Lookup(entity=exact[0])
    weak = entity_store.entities_by_key(db, key, "weak")
    found = {e.id: e for e in exact + weak}
    if len(found) == 1:
        return Lookup(entity=next(iter(found.values())))
    if len(found) > 1:
        return Lookup(candidates=list(found.values()), message=f"“{name}” could be several entities:")
    vocabulary = entity_store.all_alias_keys(db)
    keys = sorted({k for k, _, _ in vocabulary})
    close = difflib.get_close_matches(key, keys, n=5, cutoff=0.8)
    ids = []
    for k in close:
        ids.extend(e for kk, e, _ in vocabulary if kk == k and e not in ids)
    entities = [e for e in (entity_store.get_entity(db, i) for i in ids) if e]
    if len(entities) == 1 and difflib.SequenceMatcher(None, key, close[0]).ratio() >= 0.85:
        return Lookup(entity=entities[0])
    if not entities:
        # Partial names: 'hoch' -> Amos Hochstein.
        partial = [i for k, i, _ in vocabulary if key in k or (len(k) > 3 and k in key)]
        entities = [e for e in (entity_store.get_entity(db, i) for i in dict.fromkeys(partial)) if e]
    suggestions = entities
    message = f"I know nobody called “{name}”."
    if suggestions:
        message += " Did you mean:"
    return Lookup(suggestions=suggestions[:5], message=message)


def _cite(role: Role) -> Citation:
    return Citation(role.source, role.published_at, None, role.article_id, "")


def build_profile(db: sqlite_utils.Database, entity: Entity) -> Profile:
    """The profile of an entity: roles with sources, conflicts, counts, companions, key sentences."""
    roles = entity_store.roles_of(db, entity.id)
    claims: dict[str, RoleClaim] = {}
    for role in roles:
        claim = claims.setdefault(role.role.casefold(), RoleClaim(role.role, role.office, []))
        if role.source not in {c.source for c in claim.sources}:
            claim.sources.append(_cite(role))
    stats = entity_store.mention_stats(db, entity.id)
    return Profile(
        entity=entity,
        aliases=[a for a in entity_store.aliases_of(db, entity.id) if a != entity.name],
        roles=sorted(claims.values(), key=lambda c: -len(c.sources)),
        conflicts=conflicts_for(db, entity, roles),
        mentions=stats["mentions"], articles=stats["articles"],
        first_seen=stats["first_seen"], last_seen=stats["last_seen"],
        related=entity_store.co_mentioned(db, entity.id, 5),
        sentences=rank_for_entity(db, entity.id, 3),
    )


def conflicts_for(db: sqlite_utils.Database, entity: Entity, roles: list[Role]) -> list[Conflict]:
    """Offices this entity holds that sources also give to someone else, and offices it holds that differ."""
    conflicts = []
    unique = sorted({r.office for r in roles if is_unique_office(r.office)})
    holders: dict[str, list[Role]] = defaultdict(list)
    for role in entity_store.roles_with_offices(db, unique):
        holders[role.office].append(role)
    names: dict[int, str] = {}
    for office in unique:
        mine = [r for r in holders[office] if r.entity_id == entity.id]
        countries = {r.country for r in mine if r.country}
        others = [
            r for r in holders[office]
            if r.entity_id != entity.id and (not r.country or not countries or r.country in countries)
        ]
        if not others:
            continue
        claims = []
        for role in _distinct_sources(mine, 2) + _distinct_sources(others, 3):
            if role.entity_id not in names:
                names[role.entity_id] = (entity_store.get_entity(db, role.entity_id) or entity).name
            claims.append((names[role.entity_id], role.role, _cite(role)))
        conflicts.append(Conflict("same-office", office, claims))
    if len(unique) > 1:
        distinct = {}
        for role in roles:
            if role.office in unique and role.office not in distinct:
                distinct[role.office] = role
        if len(distinct) > 1:
            conflicts.append(
                Conflict("different-offices", " / ".join(distinct),
                         [(entity.name, r.role, _cite(r)) for r in distinct.values()])
            )
    return conflicts


def _distinct_sources(roles: list[Role], per_entity: int) -> list[Role]:
    """Up to ``per_entity`` roles for each holder, each from a different source."""
    seen: set[tuple[int, str]] = set()
    counts: dict[int, int] = defaultdict(int)
    out = []
    for role in roles:
        if (role.entity_id, role.source) in seen or counts[role.entity_id] >= per_entity:
            continue
        seen.add((role.entity_id, role.source))
        counts[role.entity_id] += 1
        out.append(role)
    return out
