"""Ingestion: clean, deduplicate, analyse once with spaCy, resolve entities, store each article atomically."""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

import sqlite_utils
from spacy.language import Language

from service.limits import in_date_range
from service.sources import MAX_ARTICLE_CHARS, Failure, RawArticle, canonical_url, html_article
from storage import articles as store
from storage import entities as entity_store
from storage.db import transaction, utcnow
from storage.records import Entity
from summarizer import dedup
from summarizer.analysis import Analysis, MentionInfo, analyse_many
from summarizer.dates import mentioned_dates
from summarizer.entities import (
    PLACE_LABELS,
    alias_key,
    display_name,
    initials_key,
    is_acronym,
    is_short_form,
    majority_label,
    names_compatible,
    suffix_keys,
    surname_key,
)
from summarizer.roles import same_scope
from summarizer.text import CleanText, clean_article, clean_label, headline_for, sentence_quality

BATCH = 256
# What spaCy finds in each article, given as its paragraphs (an empty list: an article not to analyse).
Analyser = Callable[[Sequence[Sequence[str]]], Iterable[Analysis]]
LETTERS = re.compile(r"[^\W\d_]")


@dataclass
class ItemResult:
    """What happened to one input item."""

    origin: str
    status: str  # new | duplicate | near-duplicate | failed
    article_id: int | None = None
    title: str = ""
    reason: str = ""


@dataclass
class IngestReport:
    """Counts and per-item results of an ingest run."""

    items: list[ItemResult] = field(default_factory=list)
    tokens: int = 0

    def count(self, status: str) -> int:
        """How many items ended with this status."""
        return sum(1 for i in self.items if i.status == status)

    @property
    def failed(self) -> int:
        return self.count("failed")

    def summary(self) -> str:
        """The closing line: new, duplicate, near-duplicate and failed counts."""
        return (
            f"{self.count('new')} new, {self.count('duplicate')} duplicate, "
            f"{self.count('near-duplicate')} near-duplicate, {self.failed} failed"
        )

    def as_dict(self) -> dict:
        """Machine-readable form for --json."""
        return {
            "new": self.count("new"),
            "duplicate": self.count("duplicate"),
            "near_duplicate": self.count("near-duplicate"),
            "failed": self.failed,
            "items": [i.__dict__ for i in self.items],
        }


@dataclass
class _Prepared:
    raw: RawArticle
    clean: CleanText
    content_hash: str
    signature: list[int]
    canonical: str | None


def ingest(
    db: sqlite_utils.Database,
    nlp: Language | None,
    items: Iterable[RawArticle | Failure],
    published: str | None = None,
    progress: Callable[[int], None] | None = None,
    analyse: Analyser | None = None,
) -> IngestReport:
    """Ingest raw articles in batches; every item gets a result, failures never stop the batch.

    ``analyse`` replaces spaCy (each article given as its paragraphs) where the analyses are already known: the
    scale bench grows its store through this same path from analyses it recorded once.
    """
    if analyse is None:
        if nlp is None:
            raise ValueError("ingest needs a spaCy pipeline or the articles' analyses")
        analyse = functools.partial(analyse_many, nlp)
    report = IngestReport()
    batch: list[tuple[RawArticle, ItemResult]] = []
    for item in items:
        if isinstance(item, Failure):
            report.items.append(ItemResult(item.origin, "failed", reason=item.reason))
            if progress:
                progress(1)
            continue
        # Results keep the input order; the batch fills them in.
        result = ItemResult(item.origin, "pending")
        report.items.append(result)
        batch.append((item, result))
        if len(batch) >= BATCH:
            _ingest_batch(db, analyse, batch, published, report, progress)
            batch = []
    if batch:
        _ingest_batch(db, analyse, batch, published, report, progress)
    return report


def _prepare(raw: RawArticle) -> _Prepared | str:
    if raw.is_html:
        page = html_article(raw.text, raw.origin, raw.url)
        if isinstance(page, Failure):
            return page.reason
        raw = page
    if not raw.text.strip():
        return "empty article"
    if len(raw.text) > MAX_ARTICLE_CHARS:
        return f"article too long ({len(raw.text):,} characters; the limit is {MAX_ARTICLE_CHARS:,})"
    clean = clean_article(raw.text, raw.title)
    if not clean.paragraphs:
        return "no article text after removing headings and site furniture"
    body = clean.body
    if len(LETTERS.findall(body, 0, 400)) < 20:
        return "too little text to be an article"
    return _Prepared(raw, clean, dedup.content_hash(body), dedup.signature(body), canonical_url(raw.url))


def _ingest_batch(
    db: sqlite_utils.Database,
    analyse: Analyser,
    batch: Sequence[tuple[RawArticle, ItemResult]],
    published: str | None,
    report: IngestReport,
    progress: Callable[[int], None] | None,
) -> None:
    prepared: list[tuple[_Prepared, ItemResult]] = []
    batch_hashes: set[str] = set()
    for raw, result in batch:
        item = _prepare(raw)
        if isinstance(item, str):
            result.status, result.reason = "failed", item
            continue
        result.title = headline_for(item.clean)
        existing = store.find_existing(db, item.canonical, item.content_hash)
        if existing is not None or item.content_hash in batch_hashes:
            result.status, result.article_id = "duplicate", existing
            continue
        batch_hashes.add(item.content_hash)
        result.status = "new"
        prepared.append((item, result))
    # Near-duplicates of stored articles, or of one earlier in this batch, are linked, not analysed:
    # spaCy runs only on text that will be stored.
    # Earlier articles of this batch by band, as the store keeps them: compared only when they share one.
    seen: dict[tuple[int, str], list[list[int]]] = defaultdict(list)
    texts = []
    for item, _ in prepared:
        bands = dedup.bands(item.signature)
        twin = _near_duplicate(db, item.signature, bands) or any(
            dedup.similarity(item.signature, other) >= dedup.NEAR_DUPLICATE for band in bands for other in seen[band]
        )
        texts.append([] if twin else item.clean.paragraphs)
        for band in bands:
            seen[band].append(item.signature)
    analyses = analyse(texts)
    for (item, result), analysis in zip(prepared, analyses):
        try:
            _store(db, item, analysis, published, result)
            report.tokens += analysis.token_count
        except Exception as exc:  # one bad article must not lose the batch
            result.status, result.reason, result.article_id = "failed", f"could not store: {exc}", None
    if progress:
        progress(len(batch))


def _source_name(raw: RawArticle) -> str:
    name = clean_label(raw.source or "")
    if name:
        return name
    if raw.url:
        return clean_label(urlsplit(raw.url).hostname or raw.url)
    return clean_label(raw.origin.rsplit("/", 1)[-1]) or "unnamed source"


def _published_at(stated: str | None, result: ItemResult) -> str:
    """The stated date when plausible; otherwise the day the article arrived (a feed dated 9999 or 0001 must not
    pin its item as the latest news, or the oldest, of every briefing)."""
    now = datetime.now(UTC)
    if stated and in_date_range(stated, now):
        return stated
    if stated:
        result.reason = f"its date {stated[:25]} is out of range, so it is dated on arrival"
    return now.date().isoformat()


def _store(
    db: sqlite_utils.Database, item: _Prepared, analysis: Analysis, published: str | None, result: ItemResult
) -> None:
    raw = item.raw
    bands = dedup.bands(item.signature)
    with transaction(db):
        twin = _near_duplicate(db, item.signature, bands)
        row = {
            "url": raw.url,
            "canonical_url": item.canonical,
            "title": item.clean.title or None,
            "source": _source_name(raw),
            "published_at": _published_at(raw.published or published, result),
            "ingested_at": utcnow(),
            "text": item.clean.body,
            "content_hash": item.content_hash,
            "signature": dedup.encode(item.signature),
            "duplicate_of": twin,
            "story_id": twin,
        }
        article_id = store.insert_article(db, row, bands if twin is None else [])
        result.article_id = article_id
        if twin is not None:
            # The same story text again: linked to the first, its sentences are not stored twice.
            result.status = "near-duplicate"
            return
        sentence_ids = store.insert_sentences(
            db, article_id, [{**s.__dict__, "quality": sentence_quality(s.text)} for s in analysis.sentences]
        )
        published_day = _day(str(row["published_at"]))
        if published_day is not None:
            store.insert_sentence_dates(
                db,
                [
                    (sentence_ids[s.position], article_id, day.isoformat())
                    for s in analysis.sentences
                    for day in mentioned_dates(s.text, published_day)
                ],
            )
        merged: dict[int, int] = {}
        entity_ids = resolve_mentions(db, analysis.mentions, merged)
        # The article's own outlet ('(Reuters)', 'told VOA' in VOA's copy) is its publisher, not its news.
        outlet = alias_key(str(row["source"]))
        own = {i for i, m in enumerate(analysis.mentions) if alias_key(m.surface) == outlet}
        store.insert_mentions(
            db,
            [
                (sentence_ids[m.sentence], article_id, entity_ids[i], m.surface, m.label, m.start, m.end)
                for i, m in enumerate(analysis.mentions)
                if i not in own
            ],
        )
        votes: Counter[tuple[int, str]] = Counter()
        for i, (e, m) in enumerate(zip(entity_ids, analysis.mentions)):
            if i in own:
                continue
            votes[(e, m.label)] += 1
            for hint in m.hints:
                votes[(e, f"hint:{hint}")] += 1
        entity_store.add_label_counts(db, votes)
        labels = {e: entity_store.label_counts(db, e) for e in {e for i, e in enumerate(entity_ids) if i not in own}}
        for entity_id, counts in labels.items():
            entity_store.set_label(db, entity_id, majority_label(counts))
        store.insert_roles(
            db,
            [
                (
                    entity_ids[r.mention],
                    sentence_ids[analysis.mentions[r.mention].sentence],
                    article_id,
                    r.role,
                    r.office,
                    r.scope,
                    int(r.transitional),
                )
                for r in analysis.roles
                if r.mention not in own
            ],
        )
        # A fact's subject is a person: an entity spaCy has tagged PERSON at least once, anywhere
        # (the small model tags 'Blinken' as GPE in places, so one article's majority is not enough).
        people_ids = {e for e, counts in labels.items() if _mostly_person(counts)}
        # A count whose sentence names no place holds for the article's main place when one place has at least
        # half of the article's place mentions ('the death toll' in a story about Haiti); otherwise it has no
        # scope and is never compared with anything.
        places = Counter(
            e
            for i, (e, m) in enumerate(zip(entity_ids, analysis.mentions))
            if m.label in {"GPE", "LOC"} and i not in own
        )
        top = places.most_common(2)
        home = str(top[0][0]) if top and top[0][1] >= 3 and 2 * top[0][1] >= sum(places.values()) else ""
        place_names = {e: m.surface for e, m in zip(entity_ids, analysis.mentions) if m.label in {"GPE", "LOC"}}
        facts = []
        for f in analysis.facts:
            subject = None
            if f.fact.subject_candidates:
                people = [
                    entity_ids[m]
                    for m in f.fact.subject_candidates
                    if m not in own and (entity_ids[m] in people_ids or analysis.mentions[m].label == "PERSON")
                ]
                if not people:
                    continue
                subject = people[0]
            scope = f.scope or ""
            if isinstance(f.scope, int) and f.scope in own:
                scope = ""
            elif isinstance(f.scope, int):
                mention = analysis.mentions[f.scope]
                scope_id = entity_ids[f.scope]
                if mention.label == "NORP":
                    # 'Haitian officials say the toll …': the country the nationality names, if the article has it.
                    country = [e for e, name in place_names.items() if same_scope(name, mention.surface)]
                    scope_id = country[0] if country else scope_id
                scope = str(scope_id)
            if subject is None and not scope:
                scope = home
            facts.append(
                (sentence_ids[f.sentence], article_id, subject, f.fact.attribute, f.fact.value, f.fact.number, scope)
            )
        store.insert_facts(db, facts)


def _day(published: str) -> date | None:
    try:
        return date.fromisoformat(published[:10])
    except ValueError:
        return None


def _near_duplicate(db: sqlite_utils.Database, signature: list[int], bands: list[tuple[int, str]]) -> int | None:
    for article_id, other in store.band_candidates(db, bands):
        if dedup.similarity(signature, dedup.decode(other)) >= dedup.NEAR_DUPLICATE:
            return article_id
    return None


def _final(merged: dict[int, int], entity_id: int) -> int:
    while entity_id in merged:
        entity_id = merged[entity_id]
    return entity_id


def _mostly_person(counts: dict[str, int]) -> bool:
    """Tagged as a person in at least a tenth of its mentions, or called one by a title ('Dr', 'President')."""
    mentions = sum(n for label, n in counts.items() if not label.startswith("hint:"))
    return counts.get("hint:PERSON", 0) > 0 or counts.get("PERSON", 0) * 10 >= max(mentions, 1)


def _is_person(mention: MentionInfo) -> bool:
    return mention.label == "PERSON" or "PERSON" in mention.hints


def resolve_mentions(db: sqlite_utils.Database, mentions: list[MentionInfo], merged: dict[int, int]) -> list[int]:
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


def resolve_full_name(db: sqlite_utils.Database, surface: str, label: str, person: bool) -> int:
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
    db: sqlite_utils.Database,
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


def _weigh_merge(db: sqlite_utils.Database, short: int, long: int, merged: dict[int, int]) -> None:
    """A short-form entity seen beside a longer name joins it after two such articles, or if it was never seen apart."""
    seen_together = entity_store.add_evidence(db, short, long)
    if seen_together >= 2 or entity_store.article_count(db, short, 3) <= seen_together:
        entity_store.merge_entities(db, long, short)
        merged[short] = long
