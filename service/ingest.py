"""Ingestion: clean, deduplicate, analyse once with spaCy, resolve entities, store each article atomically."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import urlsplit

import sqlite_utils
from spacy.language import Language

from service.sources import MAX_ARTICLE_CHARS, Failure, RawArticle, canonical_url, html_article
from storage import articles as store
from storage import entities as entity_store
from storage.db import transaction, utcnow
from summarizer import dedup
from summarizer.analysis import Analysis, analyse_many
from summarizer.entities import alias_key, better_name, is_short_form, majority_label, weak_keys
from summarizer.text import CleanText, clean_article, headline_for

BATCH = 256
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
            "new": self.count("new"), "duplicate": self.count("duplicate"),
            "near_duplicate": self.count("near-duplicate"), "failed": self.failed,
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
    nlp: Language,
    items: Iterable[RawArticle | Failure],
    published: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> IngestReport:
    """Ingest raw articles in batches; every item gets a result, failures never stop the batch."""
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
            _ingest_batch(db, nlp, batch, published, report, progress)
            batch = []
    if batch:
        _ingest_batch(db, nlp, batch, published, report, progress)
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
    nlp: Language,
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
    seen: list[list[int]] = []
    texts = []
    for item, _ in prepared:
        twin = _near_duplicate(db, item.signature, dedup.bands(item.signature)) or any(
            dedup.similarity(item.signature, other) >= dedup.NEAR_DUPLICATE for other in seen
        )
        texts.append([] if twin else item.clean.paragraphs)
        seen.append(item.signature)
    analyses = analyse_many(nlp, texts)
    for (item, result), analysis in zip(prepared, analyses):
        try:
            _store(db, item, analysis, published, result)
            report.tokens += analysis.token_count
        except Exception as exc:  # one bad article must not lose the batch
            result.status, result.reason, result.article_id = "failed", f"could not store: {exc}", None
    if progress:
        progress(len(batch))


def _source_name(raw: RawArticle) -> str:
    if raw.source:
        return raw.source
    if raw.url:
        return urlsplit(raw.url).hostname or raw.url
    return raw.origin.rsplit("/", 1)[-1]


def _store(db: sqlite_utils.Database, item: _Prepared, analysis: Analysis, published: str | None, result: ItemResult) -> None:
    raw = item.raw
    bands = dedup.bands(item.signature)
    with transaction(db):
        twin = _near_duplicate(db, item.signature, bands)
        row = {
            "url": raw.url, "canonical_url": item.canonical, "title": item.clean.title or None,
            "source": _source_name(raw),
            "published_at": raw.published or published or datetime.now(timezone.utc).date().isoformat(),
            "ingested_at": utcnow(), "text": item.clean.body, "content_hash": item.content_hash,
            "signature": dedup.encode(item.signature), "duplicate_of": twin, "story_id": twin,
        }
        article_id = store.insert_article(db, row, bands if twin is None else [])
        result.article_id = article_id
        if twin is not None:
            # The same story text again: linked to the first, its sentences are not stored twice.
            result.status = "near-duplicate"
            return
        sentence_ids = store.insert_sentences(db, article_id, [s.__dict__ for s in analysis.sentences])
        merged: dict[int, int] = {}
        entity_ids = [resolve_entity(db, m.surface, m.label, merged) for m in analysis.mentions]
        entity_ids = [_final(merged, e) for e in entity_ids]
        store.insert_mentions(
            db,
            [
                (sentence_ids[m.sentence], article_id, entity_ids[i], m.surface, m.label, m.start, m.end)
                for i, m in enumerate(analysis.mentions)
            ],
        )
        entity_store.add_label_counts(db, Counter((e, m.label) for e, m in zip(entity_ids, analysis.mentions)))
        labels = {e: entity_store.label_counts(db, e) for e in set(entity_ids)}
        for entity_id, counts in labels.items():
            entity_store.set_label(db, entity_id, majority_label(Counter(counts).elements()))
        store.insert_roles(
            db,
            [
                (entity_ids[r.mention], sentence_ids[analysis.mentions[r.mention].sentence], article_id, r.role, r.office, r.country)
                for r in analysis.roles
            ],
        )
        # A fact's subject is a person: an entity spaCy has tagged PERSON at least once, anywhere
        # (the small model tags 'Blinken' as GPE in places, so one article's majority is not enough).
        people_ids = {e for e, counts in labels.items() if counts.get("PERSON")}
        facts = []
        for f in analysis.facts:
            subject = None
            if f.fact.subject_candidates:
                people = [entity_ids[m] for m in f.fact.subject_candidates if entity_ids[m] in people_ids]
                if not people:
                    continue
                subject = people[0]
            facts.append((sentence_ids[f.sentence], article_id, subject, f.fact.attribute, f.fact.value, f.fact.number))
        store.insert_facts(db, facts)


def _near_duplicate(db: sqlite_utils.Database, signature: list[int], bands: list[tuple[int, str]]) -> int | None:
    for article_id, other in store.band_candidates(db, bands):
        if dedup.similarity(signature, dedup.decode(other)) >= dedup.NEAR_DUPLICATE:
            return article_id
    return None


def _final(merged: dict[int, int], entity_id: int) -> int:
    while entity_id in merged:
        entity_id = merged[entity_id]
    return entity_id


def resolve_entity(db: sqlite_utils.Database, surface: str, label: str, merged: dict[int, int] | None = None) -> int:
    """The entity a mention refers to, creating it (and merging short forms into it) when new.

    Merges are recorded in ``merged`` (dropped id -> kept id) so earlier results can be followed.
    """
    merged = {} if merged is None else merged
    key = alias_key(surface)
    exact = entity_store.entities_by_key(db, key)
    if exact:
        entity = exact[0]
        name = better_name(entity.name, surface)
        if name != entity.name:
            entity_store.rename_entity(db, entity.id, name)
        return entity.id
    if is_short_form(surface):
        # 'Blinken' -> 'Antony Blinken', 'U.S.' -> 'United States' when exactly one entity fits.
        weak = entity_store.entities_by_key(db, key, "weak")
        if len(weak) == 1:
            entity_store.add_alias(db, weak[0].id, key, surface)
            return weak[0].id
    entity_id = entity_store.create_entity(db, surface, label)
    entity_store.add_alias(db, entity_id, key, surface)
    for weak_key in weak_keys(surface, label):
        entity_store.add_alias(db, entity_id, weak_key, surface, "weak")
        # A short form seen before its full name ('Sinwar' before 'Yahya Sinwar') joins it now.
        if len(entity_store.entities_by_key(db, weak_key, "weak")) != 1:
            continue  # the short form is ambiguous ('Smith'): leave it alone
        for short in entity_store.entities_by_key(db, weak_key):
            if short.id != entity_id:
                entity_store.merge_entities(db, entity_id, short.id)
                merged[short.id] = entity_id
    return entity_id
