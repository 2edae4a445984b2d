"""Entity resolution at ingest: each mention to a stored entity, by its full name, or as a short form ('Blinken',
'IAEA', 'the Pentagon') of one the article or the store already has; short forms merged into the long name when the
evidence across the store says they are one."""

from __future__ import annotations

from collections import Counter

from storage import entities as entity_store
from storage.db import Database
from storage.records import Entity
from summarizer.analysis import MentionInfo
from summarizer.entities import (
    PLACE_LABELS,
    alias_key,
    display_name,
    initials_key,
    is_acronym,
    is_short_form,
    names_compatible,
    suffix_keys,
    surname_key,
)


def _final(merged: dict[int, int], entity_id: int) -> int:
    while entity_id in merged:
        entity_id = merged[entity_id]
    return entity_id


def mostly_person(counts: dict[str, int]) -> bool:
    """Tagged as a person in at least a tenth of its mentions, or called one by a title ('Dr', 'President')."""
    mentions = sum(n for label, n in counts.items() if not label.startswith("hint:"))
    return counts.get("hint:PERSON", 0) > 0 or counts.get("PERSON", 0) * 10 >= max(mentions, 1)


def _is_person(mention: MentionInfo) -> bool:
    return mention.label == "PERSON" or "PERSON" in mention.hints


def resolve_mentions(db: Database, mentions: list[MentionInfo], merged: dict[int, int]) -> list[int]:
    """The entity of each mention of one article: full names first, then short forms with the article as evidence.

    A short form ('Blinken', 'WHO', 'Brotherhood') joins a longer name written in the same article; otherwise an
    entity it already names, or the only person with that surname; otherwise it stands alone. Merges are recorded
    in ``merged`` (dropped id -> kept id).
    """
    ids: list[int] = [0] * len(mentions)
    short = [is_short_form(m.surface) for m in mentions]
    # Short keys the article's full names offer, by kind: 'surname', 'initials' or 'suffix'.
    in_article: dict[tuple[str, str], Counter[int]] = {}
    for i, mention in enumerate(mentions):
        if short[i]:
            continue
        ids[i] = resolve_full_name(db, mention.surface, mention.label, _is_person(mention))
        if _is_person(mention):
            keys = [("surname", surname_key(mention.surface))]
        else:
            keys = [("initials", initials_key(mention.surface))]
            if mention.label == "ORG":
                keys += [("suffix", k) for k in suffix_keys(mention.surface)]
        for kind, key in keys:
            if key:
                in_article.setdefault((kind, key), Counter())[ids[i]] += 1
    weighed: set[tuple[int, int]] = set()
    for i, mention in enumerate(mentions):
        if short[i]:
            ids[i] = resolve_short_form(db, mention, in_article, merged, weighed)
    ids = [_final(merged, e) for e in ids]
    people = {e for e, m in zip(ids, mentions) if _is_person(m)}
    for entity_id in set(ids):
        entity = entity_store.get_entity(db, entity_id)
        full = entity_id in people or (entity is not None and entity.label in {"PERSON", "GPE", "LOC"})
        name = display_name(entity_store.alias_counts(db, entity_id), full)
        if entity is not None and name and name != entity.name:
            entity_store.rename_entity(db, entity_id, name)
    return ids


def resolve_full_name(db: Database, surface: str, label: str, person: bool) -> int:
    """The entity of a multi-word name: one already known by this name or a spelling of it, or a new one."""
    key = alias_key(surface)
    exact = entity_store.entities_with_key_counts(db, key)
    entity: Entity | None
    if exact:
        entity = exact[0][0]
    elif person and (surname := surname_key(surface)):
        # 'Mohammed Elbaradei' is 'Mohamed ElBaradei'; 'Hussein Tantawi' is 'Mohamed Hussein Tantawi'.
        fits = [e for e in entity_store.entities_by_key(db, surname, "weak") if names_compatible(e.name, surface)]
        entity = fits[0] if len(fits) == 1 else None
    else:
        entity = None
    if entity is None:
        entity_id = entity_store.create_entity(db, surface, label)
        entity_store.add_alias(db, entity_id, key, surface)
        weak = [surname_key(surface)] if person else [initials_key(surface)]
        if label == "ORG" and not person:
            weak += suffix_keys(surface)
        for weak_key in filter(None, weak):
            if weak_key != key:
                entity_store.add_alias(db, entity_id, weak_key, surface, "weak")
        return entity_id
    entity_store.add_alias(db, entity.id, key, surface)
    return entity.id


def resolve_short_form(
    db: Database,
    mention: MentionInfo,
    in_article: dict[tuple[str, str], Counter[int]],
    merged: dict[int, int],
    weighed: set[tuple[int, int]],
) -> int:
    """The entity of a one-word name or an acronym, joining a longer name only on evidence."""
    key = alias_key(mention.surface)
    exact = entity_store.entities_with_key_counts(db, key)
    known = exact[0][0] if exact else None
    if is_acronym(mention.surface):
        local = in_article.get(("initials", key))
    else:
        # The model calls 'Sinwar' an organisation and 'Blinken' a place: a surname of a person named in the
        # article comes first; then 'Brotherhood' for 'Muslim Brotherhood', never for a place or a person.
        local = in_article.get(("surname", key))
        if not local and mention.label in {"ORG", "NORP"} and (known is None or known.label == "ORG"):
            local = in_article.get(("suffix", key))
    if local:
        target = _final(merged, local.most_common(1)[0][0])
        target_entity = entity_store.get_entity(db, target)
        # A single-word place never becomes part of a longer name ('Jordan' is not 'Kevin Jordan').
        # (A place is known by being written as one: 'in Jordan'; the model calls 'Blinken' a place too.)
        place = (
            known is not None
            and known.id != target
            and known.label in PLACE_LABELS
            and bool(entity_store.label_counts(db, known.id).get("hint:PLACE"))
        )
        if target_entity is not None and not place and "PLACE" not in mention.hints:
            entity_store.add_alias(db, target, key, mention.surface)
            for short, _ in exact:
                if short.id != target and is_short_form(short.name) and (short.id, target) not in weighed:
                    weighed.add((short.id, target))
                    _weigh_merge(db, short.id, target, merged)
            return target
    if known is not None:
        entity_store.add_alias(db, known.id, key, mention.surface)
        return known.id
    if not is_acronym(mention.surface) and _is_person(mention):
        # 'Blinken' in an article that gives no first name: the only person of that surname.
        people = [e for e in entity_store.entities_by_key(db, key, "weak") if e.label == "PERSON"]
        if len(people) == 1:
            entity_store.add_alias(db, people[0].id, key, mention.surface)
            return people[0].id
    entity_id = entity_store.create_entity(db, mention.surface, mention.label)
    entity_store.add_alias(db, entity_id, key, mention.surface)
    return entity_id


def _weigh_merge(db: Database, short: int, long: int, merged: dict[int, int]) -> None:
    """A short-form entity seen beside a longer name joins it after two such articles, or if it was never seen apart."""
    seen_together = entity_store.add_evidence(db, short, long)
    if seen_together >= 2 or entity_store.article_count(db, short, 3) <= seen_together:
        entity_store.merge_entities(db, long, short)
        merged[short] = long
