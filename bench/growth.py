"""A bench store that real ingest accepts, grown from recorded analyses of the Timeline17 dev topics.

spaCy runs once, on the base articles; what it found is kept sentence by sentence. Each grown article recombines a
base article with sentences of another article on the same topic, gives the people outside the most famous a new
cast (one per topic every few generations, so stories continue and then move on), and moves every figure. Its text
goes through the real ingest path (cleaning, content hash, near-duplicate bands, entity resolution, facts, dates),
with the recorded analysis, re-aligned to the new text, standing in for spaCy.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import json
import pickle
import random
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

from service.ingest import _prepare, ingest
from service.sources.raw import RawArticle
from storage.db import Database
from summarizer.analysis import (
    Analysis,
    FactInfo,
    MentionInfo,
    RoleInfo,
    SentenceInfo,
    analyse_many,
    repeated_names,
)
from summarizer.facts import Fact

# The people who stay in the news whatever the generation (the famous get famous); everyone else is recast.
FAMOUS = 25
# A recast person keeps a topic's new name for this many generations.
CAST_GENERATIONS = 3
# Share of a grown article's sentences taken from another article on the same topic.
RECOMBINED = 0.3
SYLLABLES = "ka ri mo len dor vi sa tu bel an or mi ze lo nar pe ga sul ten ho ra fin de wu jo ba".split()
FIGURE = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?![\w])")
PATTERN = re.compile(rf"\b[A-Z][\w'-]+\b|{FIGURE.pattern}")  # a capitalised word (maybe a name) or a figure


@dataclass
class Piece:
    """One sentence and what the analysis found in it (mention indices local to the sentence)."""

    text: str
    tokens: list[str]
    mentions: list[MentionInfo]
    roles: list[RoleInfo]
    facts: list[tuple[Fact, int | str | None]]


@dataclass
class Template:
    """A base article: its outlet, date and paragraphs of analysed sentences."""

    topic: str
    source: str
    published: str
    paragraphs: list[list[Piece]]


@dataclass
class Grown:
    """Grown articles and their analyses, keyed by their paragraphs as ingest will see them."""

    items: list[RawArticle] = field(default_factory=list)
    analyses: dict[str, Analysis] = field(default_factory=dict)
    unmatched: int = 0

    def add(self, raw: RawArticle, analysis: Analysis) -> None:
        """Keep an article and its analysis."""
        self.items.append(raw)
        self.analyses[self.key(raw.text)] = analysis

    @staticmethod
    def key(body: str) -> str:
        # The opening, not the whole body: cleaning may still mend spacing or strip stray marks further on (the
        # analysis's sentences are kept as they are; only their offsets in the body may then be a little off).
        return " ".join(body.split())[:160]

    def analyse(self, bodies: Sequence[Sequence[str]]) -> Iterator[Analysis]:
        """The recorded analysis of each body (the ingest ``analyse`` seam)."""
        for paragraphs in bodies:
            found = self.analyses.get(self.key(" ".join(paragraphs)))
            if found is None and paragraphs:
                self.unmatched += 1
            yield repeated_names(found) if found else Analysis()


def record(corpus: Path, size: int, cache: Path, nlp_loader) -> list[Template]:
    """The first ``size`` Timeline17 articles (shuffled, then in date order) analysed once and cached."""
    path = cache / f"t17-recorded-{size}.pickle"
    if path.exists():
        return pickle.loads(path.read_bytes())
    raws = []
    for line in corpus.read_text("utf-8").splitlines():
        topic = json.loads(line)
        outlet = topic["id"].rsplit("_", 1)[-1].upper()
        for doc_id, text, day in zip(topic["document_ids"], topic["documents"], topic["document_dates"]):
            raws.append(RawArticle(text, f"{topic['id']}/{doc_id}", published=day, source=outlet))
    random.Random(7).shuffle(raws)
    raws = sorted(raws[:size], key=lambda a: a.published or "")
    prepared = [(raw, _prepare(raw)) for raw in raws]
    kept = [(raw, p.clean.paragraphs) for raw, p in prepared if not isinstance(p, str)]
    analyses = analyse_many(nlp_loader(), [paragraphs for _, paragraphs in kept])
    templates = [
        Template(raw.origin.split("/")[0], raw.source or "", raw.published or "", _pieces(paragraphs, analysis))
        for (raw, paragraphs), analysis in zip(kept, analyses)
    ]
    cache.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(templates))
    return templates


def _pieces(paragraphs: list[str], analysis: Analysis) -> list[list[Piece]]:
    """Split an analysis into paragraphs of sentences, each carrying its own mentions, roles and facts."""
    starts, offset = [], 0
    for paragraph in paragraphs:
        starts.append(offset)
        offset += len(paragraph) + 1
    out: list[list[Piece]] = [[] for _ in paragraphs]
    local: dict[int, int] = {}
    by_sentence: dict[int, Piece] = {}
    for s in analysis.sentences:
        piece = Piece(s.text, s.tokens, [], [], [])
        by_sentence[s.position] = piece
        out[bisect.bisect_right(starts, s.start) - 1].append(piece)
    for index, m in enumerate(analysis.mentions):
        piece = by_sentence[m.sentence]
        local[index] = len(piece.mentions)
        piece.mentions.append(replace(m, sentence=0))
    for r in analysis.roles:
        by_sentence[analysis.mentions[r.mention].sentence].roles.append(replace(r, mention=local[r.mention]))
    for f in analysis.facts:
        piece = by_sentence[f.sentence]
        own = {i for i, m in enumerate(analysis.mentions) if m.sentence == f.sentence}
        subjects = tuple(local[m] for m in f.fact.subject_candidates if m in own)
        scope = f.scope
        if isinstance(scope, int):
            scope = local[scope] if scope in own else None
        piece.facts.append((replace(f.fact, subject_candidates=subjects), scope))
    return [p for p in out if p]


def famous_people(templates: Sequence[Template], count: int = FAMOUS) -> set[str]:
    """Name words of the ``count`` most-mentioned people of the base: they are never recast."""
    counts: Counter[str] = Counter(
        m.surface for t in templates for para in t.paragraphs for p in para for m in p.mentions if m.label == "PERSON"
    )
    return {word for name, _ in counts.most_common(count) for word in name.split()}


def _name_word(word: str, topic: str, cast: int) -> str:
    digest = hashlib.blake2b(f"{word}|{topic}|{cast}".encode(), digest_size=8).digest()
    syllables = [SYLLABLES[b % len(SYLLABLES)] for b in digest[: 2 + digest[7] % 2]]
    return "".join(syllables).capitalize()


class Substitution:
    """Renames people's name words and scales every figure in a text, mapping old character offsets to new."""

    def __init__(self, names: dict[str, str], factor: float) -> None:
        self.names = names
        self.factor = factor

    def figure(self, whole: str, decimals: str | None) -> str:
        value = float(whole.replace(",", "") + (decimals or ""))
        if not decimals and 1900 <= value <= 2100 and "," not in whole:
            return whole + (decimals or "")  # a year
        scaled = value * self.factor
        if decimals:
            return f"{scaled:,.{len(decimals) - 1}f}" if "," in whole else f"{scaled:.{len(decimals) - 1}f}"
        return f"{round(scaled):,}" if "," in whole else str(round(scaled))

    def apply(self, text: str) -> tuple[str, list[tuple[int, int]]]:
        """The new text and its breakpoints (old end of a replacement, total shift so far)."""
        out, shifts, last, shift = [], [], 0, 0
        for match in PATTERN.finditer(text):
            token = match.group(0)
            new = self.names.get(token) or (self.figure(match.group(1), match.group(2)) if match.group(1) else token)
            out.append(text[last : match.start()] + new)
            shift += len(new) - len(token)
            shifts.append((match.end(), shift))
            last = match.end()
        out.append(text[last:])
        return "".join(out), shifts

    @staticmethod
    def moved(offset: int, shifts: list[tuple[int, int]]) -> int:
        """Where an old offset lies in the new text."""
        at = bisect.bisect_right(shifts, (offset, float("inf"))) - 1
        return offset + (shifts[at][1] if at >= 0 else 0)


def articles(
    templates: Sequence[Template], count: int, until: date, seed: int = 11
) -> Iterator[tuple[RawArticle, Analysis]]:
    """``count`` grown articles: generation after generation of every template, spread in time up to ``until``."""
    rng = random.Random(seed)
    famous = famous_people(templates)
    by_topic: dict[str, list[Template]] = {}
    for t in templates:
        by_topic.setdefault(t.topic, []).append(t)
    generations = -(-count // len(templates))
    last = max(date.fromisoformat(t.published[:10]) for t in templates)
    step = max(1, (until - last).days // generations)
    made = 0
    for generation in range(1, generations + 1):
        for template in templates:
            if made >= count:
                return
            other = rng.choice(by_topic[template.topic])
            day = min(until, date.fromisoformat(template.published[:10]) + timedelta(days=generation * step))
            yield _article(template, other, generation, day, famous, rng)
            made += 1


def build(db: Database, templates: Sequence[Template], count: int, until: date, chunk: int = 1000) -> str:
    """Ingest ``count`` grown articles through the real ingest path, ``chunk`` at a time; a one-line report."""
    totals: Counter[str] = Counter()
    unmatched = 0
    stream = articles(templates, count, until)
    while batch := list(itertools.islice(stream, chunk)):
        grown = Grown()
        for raw, analysis in batch:
            grown.add(raw, analysis)
        report = ingest(db, None, grown.items, analyse=grown.analyse)
        totals.update(item.status for item in report.items)
        unmatched += grown.unmatched
    return ", ".join(f"{n:,} {status}" for status, n in totals.most_common()) + f"; {unmatched} not re-aligned"


def _article(
    template: Template, other: Template, generation: int, day: date, famous: set[str], rng: random.Random
) -> tuple[RawArticle, Analysis]:
    spare = [p for para in other.paragraphs for p in para]
    cast = generation // CAST_GENERATIONS
    names = {
        word: _name_word(word, template.topic, cast)
        for para in template.paragraphs + other.paragraphs
        for piece in para
        for m in piece.mentions
        if m.label == "PERSON"
        for word in m.surface.split()
        if word not in famous and word[:1].isupper() and len(word) > 2
    }
    substitution = Substitution(names, 1 + 0.07 * (generation % 11) + rng.random() * 0.05)
    analysis = Analysis()
    paragraphs: list[str] = []
    offset = 0
    for para in template.paragraphs:
        texts = []
        start = offset
        for piece in para:
            if rng.random() < RECOMBINED:
                piece = rng.choice(spare)
            sentence = _substituted(piece, substitution, len(analysis.sentences), len(analysis.mentions))
            info, mentions, roles, facts = sentence
            analysis.sentences.append(replace(info, start=start, end=start + len(info.text)))
            analysis.mentions += mentions
            analysis.roles += roles
            analysis.facts += facts
            texts.append(info.text)
            start += len(info.text) + 1
        paragraphs.append(" ".join(texts))
        offset += len(paragraphs[-1]) + 1
    origin = f"grown/{generation}/{template.topic}/{len(analysis.sentences)}-{hash(paragraphs[0]) & 0xFFFFFF:x}"
    return RawArticle("\n\n".join(paragraphs), origin, published=day.isoformat(), source=template.source), analysis


def _substituted(
    piece: Piece, substitution: Substitution, position: int, base: int
) -> tuple[SentenceInfo, list[MentionInfo], list[RoleInfo], list[FactInfo]]:
    text, shifts = substitution.apply(piece.text)
    tokens = [substitution.names.get(t, t) for t in piece.tokens]
    mentions = []
    for m in piece.mentions:
        start, end = Substitution.moved(m.start, shifts), Substitution.moved(m.end, shifts)
        mentions.append(replace(m, sentence=position, surface=text[start:end], start=start, end=end))
    roles = [replace(r, mention=base + r.mention) for r in piece.roles]
    facts = []
    for fact, scope in piece.facts:
        value, _ = substitution.apply(fact.value)
        number = fact.number * substitution.factor if value != fact.value else fact.number
        moved = replace(
            fact,
            value=value,
            number=number,
            subject_candidates=tuple(base + m for m in fact.subject_candidates),
            scope=None,
        )
        facts.append(FactInfo(position, moved, base + scope if isinstance(scope, int) else scope))
    return SentenceInfo(position, text, 0, len(text), tokens), mentions, roles, facts
