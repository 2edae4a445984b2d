"""One pass of spaCy over clean articles: sentences, word tokens, entity mentions, roles and facts."""

from __future__ import annotations

import functools
import re
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from spacy.attrs import IDX, LENGTH
from spacy.language import Language
from spacy.tokens import Doc, Span

from summarizer.entities import ENTITY_LABELS, HONORIFICS, clean_surface, is_plausible, strip_titles
from summarizer.facts import Fact, count_facts, trip_facts
from summarizer.nlp import words
from summarizer.roles import OFFICE_HEADS, OFFICE_MODIFIERS, RoleText, apposition, title_before
from summarizer.text import is_furniture_sentence
from summarizer.words import stem_with, stemmer

# Use both cores only when the batch is large enough to repay starting worker processes.
PARALLEL_MIN_PARAGRAPHS = 400
# Long paragraphs go to spaCy in pieces of about this many characters, cut at sentence-like
# boundaries: memory stays flat on 200 kB one-paragraph pages and batches spread over both cores.
CHUNK_CHARS = 2000
# Texts per spaCy batch: the parser's activations grow with the batch, and 16 chunks keep the peak
# well under 500 MB at no cost in speed.
BATCH_SIZE = 16
LETTER = re.compile(r"[^\W\d_]")
_BOUNDARY = re.compile(r"(?<=[.!?])[\"”’)\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])")


def chunks(paragraph: str, size: int = CHUNK_CHARS) -> Iterator[tuple[int, str]]:
    """(offset, text) pieces of a paragraph, each at most about ``size`` characters."""
    if len(paragraph) <= size:
        yield 0, paragraph
        return
    start = 0
    while start < len(paragraph):
        end = start + size
        if end >= len(paragraph):
            yield start, paragraph[start:]
            return
        cut = None
        for match in _BOUNDARY.finditer(paragraph, start + size // 2, end):
            cut = match.start()
        if cut is None:
            space = paragraph.rfind(" ", start + size // 2, end)
            cut = space if space > start else end
        yield start, paragraph[start:cut]
        start = cut
        while start < len(paragraph) and paragraph[start].isspace():
            start += 1


@dataclass
class SentenceInfo:
    """A sentence of the body: its text, character offsets in the body, and word tokens."""

    position: int
    text: str
    start: int
    end: int
    tokens: list[str]


@dataclass
class MentionInfo:
    """An entity mention: sentence position, cleaned surface form, spaCy label, offsets in the sentence.

    ``hints`` are kinds the words around the name point to ('PERSON' after 'Dr', 'ORG' in 'BP shares',
    'FAC' in 'the Deepwater Horizon rig', 'PLACE' after 'in'), weighed against the model's label store-wide.
    """

    sentence: int
    surface: str
    label: str
    start: int
    end: int
    hints: tuple[str, ...] = ()


@dataclass
class RoleInfo:
    """An office given to a mentioned person in a sentence: as written, the office, its scope, succession cue."""

    mention: int
    role: str
    office: str
    scope: str
    transitional: bool = False


@dataclass
class FactInfo:
    """A fact stated in a sentence; ``scope`` is the mention index of the place it holds for, or 'world', or None."""

    sentence: int
    fact: Fact
    scope: int | str | None = None


@dataclass
class Analysis:
    """Everything ingest stores about one article's body."""

    sentences: list[SentenceInfo] = field(default_factory=list)
    mentions: list[MentionInfo] = field(default_factory=list)
    roles: list[RoleInfo] = field(default_factory=list)
    facts: list[FactInfo] = field(default_factory=list)

    @property
    def token_count(self) -> int:
        """Number of word tokens in the article."""
        return sum(len(s.tokens) for s in self.sentences)


def analyse_many(nlp: Language, bodies: Sequence[Sequence[str]], batch_size: int = BATCH_SIZE) -> Iterator[Analysis]:
    """Analyse each article (given as its paragraphs) with ``nlp.pipe``, yielding one Analysis per article."""

    def stream() -> Iterator[tuple[str, tuple[int, int]]]:
        for index, paragraphs in enumerate(bodies):
            offset = 0
            for paragraph in paragraphs:
                for start, piece in chunks(paragraph):
                    yield piece, (index, offset + start)
                offset += len(paragraph) + 1

    total = sum(len(p) // CHUNK_CHARS + 1 for ps in bodies for p in ps)
    n_process = 2 if total >= PARALLEL_MIN_PARAGRAPHS else 1
    current = 0
    analysis = Analysis()
    # Plain strings, not (text, context) tuples: with as_tuples spaCy tokenizes and serialises every text
    # in this process before handing it to the workers; contexts are kept here in the same order instead.
    contexts: deque[tuple[int, int]] = deque()

    def texts() -> Iterator[str]:
        for text, context in stream():
            contexts.append(context)
            yield text

    docs = nlp.pipe(texts(), batch_size=batch_size, n_process=n_process)
    stem = functools.partial(stem_with, stemmer("english"))
    for doc in docs:
        index, offset = contexts.popleft()
        while index > current:
            yield repeated_names(analysis)
            analysis = Analysis()
            current += 1
        _add_doc(analysis, doc, offset, stem)
    while current < len(bodies):
        yield repeated_names(analysis)
        analysis = Analysis()
        current += 1


# Names carried from a tagged mention to the article's untagged uses of it: people, organisations, places.
REPEATED_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC"})


def repeated_names(analysis: Analysis) -> Analysis:
    """Add the uses of a name the model tagged elsewhere in the same article but missed here ('Safadi said …'
    after 'Foreign Minister Ayman Safadi warned …'): a name means one thing within one article. A person's surname
    counts as their name; a name tagged with two different labels is left alone."""
    labels: dict[str, set[str]] = {}
    for m in analysis.mentions:
        if m.label not in REPEATED_LABELS:
            continue
        labels.setdefault(m.surface, set()).add(m.label)
        parts = m.surface.split()
        if m.label == "PERSON" and len(parts) >= 2 and len(parts[-1]) > 2 and parts[-1][0].isupper():
            labels.setdefault(parts[-1], set()).add("PERSON")
    names = {name: next(iter(found)) for name, found in labels.items() if len(found) == 1}
    if not names:
        return analysis
    pattern = re.compile(
        r"(?<![\w'’-])(?:" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")(?![\w-])"
    )
    taken: dict[int, list[tuple[int, int]]] = {}
    for m in analysis.mentions:
        taken.setdefault(m.sentence, []).append((m.start, m.end))
    for sentence in analysis.sentences:
        spans = taken.get(sentence.position, [])
        for match in pattern.finditer(sentence.text):
            if any(match.start() < end and start < match.end() for start, end in spans):
                continue
            analysis.mentions.append(
                MentionInfo(sentence.position, match.group(), names[match.group()], match.start(), match.end())
            )
    return analysis


def _add_doc(analysis: Analysis, doc: Doc, offset: int, stem: Callable[[str], str]) -> None:
    sentences = list(doc.sents)
    ents = list(doc.ents)
    # Entities per sentence in one merge pass (Span.sent walks the tree for every entity).
    ents_by_sentence: dict[int, list[Span]] = {}
    k = 0
    for sent in sentences:
        while k < len(ents) and ents[k].start < sent.end:
            ents_by_sentence.setdefault(sent.start, []).append(ents[k])
            k += 1
    doc_text = doc.text
    # Token texts by slicing the doc's text at token offsets: no Token objects are created.
    bounds = doc.to_array([IDX, LENGTH]).tolist()
    token_texts = [doc_text[i : i + n] for i, n in bounds]
    for sent in sentences:
        # Slicing the doc's text is far cheaper than Span.text, which walks every token.
        raw = doc_text[sent.start_char : sent.end_char]
        text = raw.strip()
        if not text or not LETTER.search(text) or is_furniture_sentence(text):
            continue
        position = len(analysis.sentences)
        start = offset + sent.start_char + (len(raw) - len(raw.lstrip()))
        analysis.sentences.append(
            SentenceInfo(position, text, start, start + len(text), words(token_texts[sent.start : sent.end]))
        )
        sentence_ents = ents_by_sentence.get(sent.start, [])
        mentioned: list[tuple[int, Span]] = []
        roles: dict[int, RoleText] = {}
        for ent in sentence_ents:
            if ent.label_ not in ENTITY_LABELS or not is_plausible(ent.text) or is_title_fragment(ent):
                continue
            mention = _mention(position, sent, ent)
            if mention is None:
                continue
            mention_index = len(analysis.mentions)
            analysis.mentions.append(mention)
            mentioned.append((mention_index, ent))
            if ent.label_ in {"PERSON", "ORG", "GPE", "NORP"} and len(mention.surface.split()) <= 4:
                name_char = sent.start_char + mention.start
                name_start = next((t.i for t in ent if t.idx >= name_char), ent.start)
                for role in (title_before(sent, name_start), apposition(sent, ent)):
                    if role is not None and mention_index not in roles:
                        roles[mention_index] = role
        _inherit_scope(roles, mentioned)
        for mention_index, role in roles.items():
            mention = analysis.mentions[mention_index]
            if mention.label != "PERSON" and "PERSON" not in mention.hints:
                mention.hints = (*mention.hints, "PERSON")
            analysis.roles.append(RoleInfo(mention_index, role.role, role.office, role.scope, role.transitional))
        at = {span.start_char - sent.start_char: index for index, span in mentioned}
        for fact in trip_facts(sent, text, sentence_ents, mentioned) + count_facts(sent, text, sentence_ents, stem):
            scope = at.get(fact.scope) if isinstance(fact.scope, int) else fact.scope
            analysis.facts.append(FactInfo(position, fact, scope))


# Nouns that say the name before them is a company ('BP shares', 'Transocean staff') or a rig or site.
ORG_NOUNS = frozenset(
    """shares shareholders stock profits profit dividend dividends subsidiary boss bosses ceo executives employees
    engineers contractor contractors personnel chairman board headquarters""".split()
)
COMPANY_NOUNS = frozenset(
    """company firm contractor contractors operator owner giant group maker manufacturer subcontractor partner
    insurer corporation conglomerate companies firms""".split()
)
FAC_NOUNS = frozenset("rig rigs platform vessel ship tanker drillship refinery reactor".split())
LOCATIVE = frozenset("in into from across throughout near inside outside around via".split())


def _mention(position: int, sent: Span, ent: Span) -> MentionInfo | None:
    """A cleaned mention with titles split off its name and the kind cues around it."""
    cleaned = clean_surface(ent.text)
    title, name = strip_titles(cleaned, ent.label_ == "PERSON")
    if not name or not is_plausible(name):
        return None
    hints: list[str] = []
    if title:
        hints.append("PERSON")
    doc = sent.doc
    before = doc[ent.start - 1] if ent.start > sent.start else None
    if before is not None and before.lower_.rstrip(".") in HONORIFICS and "PERSON" not in hints:
        hints.append("PERSON")
    root = ent.root
    after = doc[ent.end] if ent.end < sent.end else None
    if after is not None and after.text in {"'s", "’s"} and ent.end + 1 < sent.end:
        after = doc[ent.end + 1]
    if after is not None and after.lower_ in ORG_NOUNS:
        hints.append("ORG")
    elif after is not None and after.lower_ in FAC_NOUNS:
        hints.append("FAC")
    if before is not None and before.lower_ in COMPANY_NOUNS:
        hints.append("ORG")
    if any(c.dep_ == "appos" and c.lower_ in COMPANY_NOUNS for c in root.children):
        hints.append("ORG")
    if before is not None and before.lower_ in LOCATIVE and before.dep_ == "prep":
        hints.append("PLACE")
    label = ent.label_
    # The small model tags names it does not know as nationalities; a real one is an adjective or a plural.
    if label == "NORP" and root.tag_ not in {"JJ", "NNPS", "NNS"} and not name.endswith("s"):
        label = "ORG"
    offset = ent.start_char - sent.start_char + max(ent.text.find(name), 0)
    return MentionInfo(position, name, label, offset, offset + len(name), tuple(hints))


def _inherit_scope(roles: dict[int, RoleText], mentioned: list[tuple[int, Span]]) -> None:
    """'Israeli Prime Minister A and Defense Minister B': B's office has A's scope."""
    ends = {span.end: index for index, span in mentioned}
    for index, role in list(roles.items()):
        if role.scope or role.start < 1:
            continue
        span = mentioned[0][1]
        doc = span.doc
        if doc[role.start - 1].lower_ not in {"and", ","}:
            continue
        other = ends.get(role.start - 1)
        if other is not None and other in roles and roles[other].scope:
            roles[index] = RoleText(role.role, role.office, roles[other].scope, role.transitional, role.start)


def is_title_fragment(ent: Span) -> bool:
    """A one-word 'entity' that is part of a title: 'State' in 'Secretary of State', 'Defense' in 'Defense Minister'."""
    if len(ent) != 1 or ent.label_ != "ORG":
        return False
    doc = ent.doc
    after = doc[ent.end].lower_ if ent.end < len(doc) else ""
    before = doc[ent.start - 2 : ent.start].text.casefold() if ent.start >= 2 else ""
    titles = OFFICE_HEADS | OFFICE_MODIFIERS
    return after in titles or (before.endswith("of") and doc[ent.start - 2].lower_ in titles)
