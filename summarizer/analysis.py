"""One pass of spaCy over clean articles: sentences, word tokens, entity mentions, roles and facts."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from spacy.attrs import IDX, LENGTH
from spacy.language import Language
from spacy.tokens import Doc, Span

from summarizer.entities import ENTITY_LABELS, clean_surface, is_plausible
from summarizer.facts import Fact, count_facts, trip_facts
from summarizer.nlp import stemmer, words
from summarizer.roles import TITLE_WORDS, apposition_after, office_of, title_before

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
    """An entity mention: sentence position, cleaned surface form, spaCy label, offsets in the sentence."""

    sentence: int
    surface: str
    label: str
    start: int
    end: int


@dataclass
class RoleInfo:
    """A title or role given to a mentioned person in a sentence."""

    mention: int
    role: str
    office: str
    country: str


@dataclass
class FactInfo:
    """A fact stated in a sentence (subject is a mention index)."""

    sentence: int
    fact: Fact


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
    stem = stemmer("english")
    for doc in docs:
        index, offset = contexts.popleft()
        while index > current:
            yield analysis
            analysis = Analysis()
            current += 1
        _add_doc(analysis, doc, offset, stem)
    while current < len(bodies):
        yield analysis
        analysis = Analysis()
        current += 1


def _add_doc(analysis: Analysis, doc: Doc, offset: int, stem) -> None:
    sentences = list(doc.sents)
    ents = list(doc.ents)
    # Entities per sentence in one merge pass (Span.sent walks the tree for every entity).
    ents_by_sentence: dict[int, list[Span]] = {}
    k = 0
    for sent in sentences:
        while k < len(ents) and ents[k].start < sent.end:
            ents_by_sentence.setdefault(sent.start, []).append(ents[k])
            k += 1
    place_words = frozenset(e.text.casefold().replace(".", "") for e in ents if e.label_ in {"NORP", "GPE"})
    doc_text = doc.text
    # Token texts by slicing the doc's text at token offsets: no Token objects are created.
    bounds = doc.to_array([IDX, LENGTH]).tolist()
    token_texts = [doc_text[i : i + n] for i, n in bounds]
    for sent in sentences:
        # Slicing the doc's text is far cheaper than Span.text, which walks every token.
        raw = doc_text[sent.start_char : sent.end_char]
        text = raw.strip()
        if not text or not LETTER.search(text):
            continue
        position = len(analysis.sentences)
        start = offset + sent.start_char + (len(raw) - len(raw.lstrip()))
        analysis.sentences.append(
            SentenceInfo(position, text, start, start + len(text), words(token_texts[sent.start : sent.end]))
        )
        sentence_ents = ents_by_sentence.get(sent.start, [])
        mentioned: list[tuple[int, Span]] = []
        for ent in sentence_ents:
            if ent.label_ not in ENTITY_LABELS or not is_plausible(ent.text) or is_title_fragment(ent):
                continue
            mention_index = len(analysis.mentions)
            rel = ent.start_char - sent.start_char
            analysis.mentions.append(
                MentionInfo(position, clean_surface(ent.text), ent.label_, rel, rel + len(ent.text))
            )
            mentioned.append((mention_index, ent))
            if ent.label_ == "PERSON":
                for role in (title_before(sent, ent), apposition_after(sent, ent)):
                    if role:
                        office, country = office_of(role, place_words)
                        if office:
                            analysis.roles.append(RoleInfo(mention_index, role, office, country))
        for fact in trip_facts(sent, text, sentence_ents, mentioned) + count_facts(sent, text, sentence_ents, stem):
            analysis.facts.append(FactInfo(position, fact))


def is_title_fragment(ent: Span) -> bool:
    """A one-word 'entity' that is part of a title: 'State' in 'Secretary of State', 'Defense' in 'Defense Minister'."""
    if len(ent) != 1 or ent.label_ != "ORG":
        return False
    doc = ent.doc
    after = doc[ent.end].lower_ if ent.end < len(doc) else ""
    before = doc[ent.start - 2 : ent.start].text.casefold() if ent.start >= 2 else ""
    return after in TITLE_WORDS or before.endswith("of") and doc[ent.start - 2].lower_ in TITLE_WORDS
