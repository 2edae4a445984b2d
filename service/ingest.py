"""Ingestion: clean, deduplicate, analyse once with spaCy, resolve entities, store each article atomically."""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

from spacy.language import Language

from service.limits import in_date_range
from service.resolve import mostly_person, resolve_mentions
from service.sources.raw import MAX_ARTICLE_CHARS, Failure, RawArticle, canonical_url, html_article
from storage import articles as store
from storage import entities as entity_store
from storage.db import Database, transaction, utcnow
from summarizer import dedup
from summarizer.analysis import Analysis, MentionInfo, analyse_many
from summarizer.dates import mentioned_dates
from summarizer.entities import alias_key, majority_label
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
    db: Database,
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
    db: Database,
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
            # One line: PostgreSQL's messages go on with the statement and a caret.
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            result.status, result.reason, result.article_id = "failed", f"could not store: {reason}", None
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


def _store(db: Database, item: _Prepared, analysis: Analysis, published: str | None, result: ItemResult) -> None:
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
        labels = _vote_labels(db, analysis.mentions, entity_ids, own)
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
        store.insert_facts(db, _fact_rows(analysis, entity_ids, own, labels, sentence_ids, article_id))


def _vote_labels(
    db: Database, mentions: list[MentionInfo], entity_ids: list[int], own: set[int]
) -> dict[int, dict[str, int]]:
    """Add this article's votes (the model's tag and the cues around each name) to each entity's label counts and
    set its label to the majority; returns every named entity's counts."""
    votes: Counter[tuple[int, str]] = Counter()
    for i, (e, m) in enumerate(zip(entity_ids, mentions)):
        if i in own:
            continue
        votes[(e, m.label)] += 1
        for hint in m.hints:
            votes[(e, f"hint:{hint}")] += 1
    entity_store.add_label_counts(db, votes)
    labels = {e: entity_store.label_counts(db, e) for e in {e for i, e in enumerate(entity_ids) if i not in own}}
    for entity_id, counts in labels.items():
        entity_store.set_label(db, entity_id, majority_label(counts))
    return labels


def _fact_rows(
    analysis: Analysis,
    entity_ids: list[int],
    own: set[int],
    labels: dict[int, dict[str, int]],
    sentence_ids: list[int],
    article_id: int,
) -> list[tuple]:
    """The article's facts as rows to store: each with its subject (a person) or the place it holds for."""
    # A fact's subject is a person: an entity spaCy has tagged PERSON at least once, anywhere
    # (the small model tags 'Blinken' as GPE in places, so one article's majority is not enough).
    people_ids = {e for e, counts in labels.items() if mostly_person(counts)}
    # A count whose sentence names no place holds for the article's main place when one place has at least
    # half of the article's place mentions ('the death toll' in a story about Haiti); otherwise it has no
    # scope and is never compared with anything.
    places = Counter(
        e for i, (e, m) in enumerate(zip(entity_ids, analysis.mentions)) if m.label in {"GPE", "LOC"} and i not in own
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
    return facts


def _day(published: str) -> date | None:
    try:
        return date.fromisoformat(published[:10])
    except ValueError:
        return None


def _near_duplicate(db: Database, signature: list[int], bands: list[tuple[int, str]]) -> int | None:
    for article_id, other in store.band_candidates(db, bands):
        if dedup.similarity(signature, dedup.decode(other)) >= dedup.NEAR_DUPLICATE:
            return article_id
    return None
