"""/who: resolving a name to an entity and building its profile (roles, conflicts, co-mentions, key sentences)."""

from __future__ import annotations

import difflib
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from service.results import Citation
from service.selection import cite, rank
from storage import articles as store
from storage import entities as entity_store
from storage.db import Database
from storage.records import Entity, Role
from summarizer import ranking
from summarizer.entities import NEWS_LABELS, alias_key, clean_surface, strip_titles
from summarizer.roles import is_unique_office, same_scope
from summarizer.words import ranking_words

MAX_NAME = 200
# How many times more often the top reading of a name must be used than the next to be taken alone.
DOMINANT = 3

# A profile ranks this many of the entity's newest sentences: enough for its latest news, bounded for the famous.
PROFILE_CANDIDATES = 300
PROFILE_RECENCY_DAYS = 30.0


@dataclass
class RoleClaim:
    """An office with its scope ('President' of 'Syrian'), as most often written, with the sources that give it."""

    role: str
    office: str
    sources: list[Citation]
    scope: str = ""
    articles: int = 0


@dataclass
class Conflict:
    """Sources disagreeing on who holds one scoped office at the same time, with no succession to explain it."""

    kind: str  # "same-office"
    office: str
    claims: list[tuple[str, str, Citation]]  # (person, role as written, where)


@dataclass
class OfficeHistory:
    """The holders of a scoped office over time, earliest first: Egypt's prime minister, Nazif -> Shafik."""

    office: str
    scope: str
    holders: list[tuple[str, str, str]]  # (person, first date, last date)


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
    offices: list[OfficeHistory] = field(default_factory=list)

    def as_dict(self) -> dict:
        """Machine-readable form for --json."""
        return {
            "id": self.entity.id,
            "name": self.entity.name,
            "label": self.entity.label,
            "aliases": self.aliases,
            "roles": [
                {
                    "role": r.role,
                    "office": r.office,
                    "scope": r.scope,
                    "articles": r.articles,
                    "sources": [c.__dict__ for c in r.sources],
                }
                for r in self.roles
            ],
            "offices": [
                {
                    "office": o.office,
                    "scope": o.scope,
                    "holders": [{"name": n, "first": f, "last": last} for n, f, last in o.holders],
                }
                for o in self.offices
            ],
            "conflicts": [
                {
                    "kind": c.kind,
                    "office": c.office,
                    "claims": [{"person": p, "role": r, "source": s.__dict__} for p, r, s in c.claims],
                }
                for c in self.conflicts
            ],
            "mentions": self.mentions,
            "articles": self.articles,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
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


def resolve_name(db: Database, name: str) -> Lookup:
    """Case-insensitive lookup by canonical name, alias, surname or close spelling."""
    name = " ".join((name or "").split())
    if not name:
        return Lookup(message="Give a name to look up.")
    if len(name) > MAX_NAME:
        return Lookup(message=f"That name is too long ({len(name):,} characters; names are at most {MAX_NAME}).")
    key = alias_key(name)
    if not key or not any(c.isalnum() for c in key):
        return Lookup(message="That is not a name: it has no letters or digits.")
    exact = entity_store.entities_with_key_counts(db, key)
    if not exact:
        # 'President Mubarak', 'Dr Murray', 'Adm Allen': the name without its title.
        _, bare = strip_titles(clean_surface(name), person=True)
        if bare and alias_key(bare) != key:
            key = alias_key(bare)
            exact = entity_store.entities_with_key_counts(db, key)
    # One reading of the name when most mentions mean it ('Mubarak' is Hosni, not Gamal, in most articles).
    if exact and (len(exact) == 1 or exact[0][1] >= DOMINANT * exact[1][1]):
        return Lookup(entity=exact[0][0])
    found = {e.id: e for e in [e for e, _ in exact] + entity_store.entities_by_key(db, key, "weak")}
    if len(found) == 1:
        return Lookup(entity=next(iter(found.values())))
    if len(found) > 1:
        return Lookup(candidates=list(found.values()), message=f"“{name}” could be several entities:")
    vocabulary = entity_store.all_alias_keys(db)
    keys = sorted({k for k, _, _ in vocabulary})
    close = difflib.get_close_matches(key, keys, n=5, cutoff=0.8)
    ids: list[int] = []
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


def build_profile(db: Database, entity: Entity) -> Profile:
    """The profile of an entity: roles with sources, conflicts, counts, companions, key sentences."""
    roles = entity_store.roles_of(db, entity.id)
    stats = entity_store.mention_stats(db, entity.id)
    conflicts, offices = offices_for(db, entity, roles)
    return Profile(
        entity=entity,
        aliases=[
            a
            for a, _ in sorted(entity_store.alias_counts(db, entity.id).items(), key=lambda p: (-p[1], p[0]))
            if a != entity.name
        ],
        roles=role_claims(roles),
        conflicts=conflicts,
        mentions=stats["mentions"],
        articles=stats["articles"],
        first_seen=stats["first_seen"],
        last_seen=stats["last_seen"],
        # Companions are people, organisations and places: an adjective ('Israeli') keeps no company.
        related=entity_store.co_mentioned(db, entity.id, NEWS_LABELS, 5),
        sentences=rank_for_entity(db, entity, 3),
        offices=offices,
    )


def _scope_groups(roles: list[Role]) -> list[list[Role]]:
    """Roles grouped by office and scope: 'U.S. envoy' and 'US envoy' are one role.

    An office written without a scope ('chief executive') joins the most frequent scoped form of the same office
    ('BP chief executive') when there is one; otherwise it stands alone.
    """
    groups: list[list[Role]] = []
    unscoped: list[Role] = []
    for role in roles:
        if not role.scope:
            unscoped.append(role)
            continue
        for group in groups:
            head = group[0]
            if head.office == role.office and (head.scope == role.scope or same_scope(head.scope, role.scope)):
                group.append(role)
                break
        else:
            groups.append([role])
    for role in unscoped:
        same = [g for g in groups if g[0].office == role.office and g[0].scope]
        if same:
            max(same, key=len).append(role)
            continue
        for group in groups:
            if group[0].office == role.office and not group[0].scope:
                group.append(role)
                break
        else:
            groups.append([role])
    return groups


def role_claims(roles: list[Role]) -> list[RoleClaim]:
    """An entity's offices, each as most often written, ranked by how many sources and articles give it."""
    claims = []
    for group in _scope_groups(roles):
        written = Counter(r.role for r in group if r.scope) or Counter(r.role for r in group)
        sources: dict[str, Citation] = {}
        for role in group:
            sources.setdefault(role.source, _cite(role))
        claims.append(
            RoleClaim(
                written.most_common(1)[0][0],
                group[0].office,
                list(sources.values()),
                group[0].scope,
                len({r.article_id for r in group}),
            )
        )
    return sorted(claims, key=lambda c: (-len(c.sources), -c.articles, c.role))


def _out_of_order(first: list[str], second: list[str]) -> int:
    """How many claims must go for every date in ``first`` to come no later than every date in ``second``."""
    early, late = sorted(first), sorted(second)
    cuts = sorted(set(first) | set(second))
    return min(len(early) - bisect_right(early, t) + bisect_left(late, t) for t in cuts)


def offices_for(db: Database, entity: Entity, roles: list[Role]) -> tuple[list[Conflict], list[OfficeHistory]]:
    """Conflicts (two people said to hold one scoped office at once) and the holders of each office over time.

    A claim with a succession cue (former, new, acting, outgoing …) claims no conflict; an office without a
    scope (plain 'President') claims none either. Two holders conflict when their dated claims cannot be put
    one after the other without dropping more than a tenth of them.
    """
    mine = [r for r in roles if r.scope and is_unique_office(r.office) and not r.transitional]
    offices = sorted({r.office for r in mine})
    everyone = [r for r in entity_store.roles_with_offices(db, offices) if r.scope and not r.transitional]
    conflicts: list[Conflict] = []
    histories: list[OfficeHistory] = []
    names: dict[int, str] = {entity.id: entity.name}
    done: set[tuple[str, str]] = set()
    for mine_group in _scope_groups(mine):
        office, scope = mine_group[0].office, mine_group[0].scope
        if (office, scope) in done:
            continue
        done.add((office, scope))
        holders: dict[int, list[Role]] = defaultdict(list)
        for role in everyone:
            if role.office == office and (role.scope == scope or same_scope(role.scope, scope)):
                holders[role.entity_id].append(role)
        holders[entity.id] = holders.get(entity.id) or mine_group
        if len(holders) < 2:
            continue
        for holder in holders:
            if holder not in names:
                names[holder] = (entity_store.get_entity(db, holder) or entity).name
        my_dates = [r.published_at[:10] for r in _per_article(holders[entity.id])]
        rivals = []
        for holder, held in holders.items():
            if holder == entity.id:
                continue
            dates = [r.published_at[:10] for r in _per_article(held)]
            wrong = min(_out_of_order(my_dates, dates), _out_of_order(dates, my_dates))
            if wrong >= max(1, 0.1 * (len(my_dates) + len(dates))):
                rivals.append(holder)
        if rivals:
            claims: list[tuple[str, str, Citation]] = []
            for role in _distinct_sources(holders[entity.id], 2) + _distinct_sources(
                [r for h in rivals for r in holders[h]], 3
            ):
                claims.append((names[role.entity_id], role.role, _cite(role)))
            conflicts.append(Conflict("same-office", office, claims))
        else:
            order = sorted(holders, key=lambda h: sorted(r.published_at for r in holders[h])[len(holders[h]) // 2])
            histories.append(
                OfficeHistory(
                    office,
                    scope,
                    [
                        (
                            names[h],
                            min(r.published_at for r in holders[h])[:10],
                            max(r.published_at for r in holders[h])[:10],
                        )
                        for h in order
                    ],
                )
            )
    return conflicts, histories


def _per_article(roles: list[Role]) -> list[Role]:
    """One claim per article: an article that repeats a title says it once."""
    seen: set[int] = set()
    out = []
    for role in roles:
        if role.article_id not in seen:
            seen.add(role.article_id)
            out.append(role)
    return out


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


def rank_for_entity(db: Database, entity: Entity, count: int = 3) -> list[tuple[str, Citation]]:
    """The most informative recent sentences about an entity, without repeats, newest first.

    Bounded whatever the entity's fame: only its newest PROFILE_CANDIDATES sentences are ranked, compared without
    its own name (which every one of them shares), and selection stops once the picks are made.
    """
    rows = store.sentences_by_id(db, entity_store.recent_sentence_ids_mentioning(db, entity.id, PROFILE_CANDIDATES))
    if not rows:
        return []
    name_words = {
        w for alias in entity_store.alias_counts(db, entity.id) | {entity.name: 0} for w in ranking_words(alias.split())
    }
    # Every candidate shares the name: compared with it, all of them look alike (dense and slow) and repeat each other.
    scores, similarity = rank(rows, ignore=frozenset(name_words))
    # Newer counts more, gently: a month older is worth 0.5 + 0.5/e of the newest, never less than half.
    days = np.array([date.fromisoformat(r.published_at[:10]).toordinal() for r in rows], dtype=float)
    recency = 0.5 + 0.5 * np.exp(-(days.max() - days) / PROFILE_RECENCY_DAYS)
    picked = ranking.select(scores * recency, similarity, count, credit_rest=False)
    chosen = sorted((rows[p.index] for p in picked), key=lambda r: (r.published_at, -r.position), reverse=True)
    return [(r.text, cite(r)) for r in chosen]
