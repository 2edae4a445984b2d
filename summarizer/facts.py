"""Facts that change over a story: counts of trips and visits, tolls of killed, wounded, displaced."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from spacy.tokens import Span

ORDINAL_WORDS = {
    w: i
    for i, w in enumerate(
        "zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
        "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth".split()
    )
}
TRIP_WORDS = frozenset({"trip", "trips", "visit", "visits", "tour", "tours", "journey", "mission"})
TRIP_TEXT = re.compile(r"\b(?:" + "|".join(sorted(TRIP_WORDS)) + r")\b", re.IGNORECASE)
# Verbs whose object counts are tracked: tolls, captives, displacement.
COUNT_VERBS = {
    "kill": "killed",
    "wound": "wounded",
    "injur": "injured",
    "displac": "displaced",
    "captur": "captured",
    "abduct": "abducted",
    "kidnap": "kidnapped",
    "releas": "released",
    "free": "freed",
    "arrest": "arrested",
    "detain": "detained",
    "evacu": "evacuated",
    "rescu": "rescued",
    "die": "died",
    "infect": "infected",
    "hospitalis": "hospitalised",
    "hospitaliz": "hospitalised",
    "dead": "dead",
}
NUMBER = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*(million|billion|thousand)?", re.IGNORECASE)
WORD_NUMBERS = {"dozen": 12, "dozens": 24, "hundred": 100, "hundreds": 200, "thousand": 1000, "thousands": 2000}
SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9}


@dataclass(frozen=True)
class Fact:
    """A value stated in a sentence; its subject is the first of ``subject_candidates`` that is a person.

    ``scope`` is where the value holds: the character offset of a place named with it in the sentence
    ('100 cases in the UK'), ``WORLD`` for 'worldwide', or None when the sentence does not say.
    """

    attribute: str
    value: str
    number: float
    subject_candidates: tuple[int, ...] = ()
    scope: int | str | None = None


WORLD = "world"
WORLD_WORDS = frozenset({"worldwide", "globally", "global", "world", "world-wide"})
PLACE_LABELS = frozenset({"GPE", "LOC", "NORP"})
MEASURE_NOUNS = {"cases": "cases", "case": "cases", "deaths": "deaths", "dead": "deaths", "infections": "cases"}
RANGE = r"[\d][\d,.]*(?:\s*(?:million|thousand))?"
FLOW = re.compile(
    rf"(?:(between|from|up to|more than|as many as|about|some|at least|around|nearly|almost)\s+)?({RANGE})"
    rf"(?:\s*(?:to|and|-|–)\s*({RANGE}))?\s+barrels\s+(?:of\s+oil\s+)?(?:a|per|each)\s+day",
    re.IGNORECASE,
)


def _scope_of(sentence: Span, token_i: int, ents: list[Span]) -> int | str | None:
    """Where a count holds: a place in a phrase hanging off the counted noun, 'worldwide' near it, or the one place
    named."""
    doc = sentence.doc
    noun = doc[token_i]
    for t in noun.subtree:
        if t.lower_ in WORLD_WORDS:
            return WORLD
    window = doc[max(sentence.start, token_i - 1) : min(sentence.end, token_i + 5)]
    if any(t.lower_ in WORLD_WORDS for t in window) or "around the world" in window.text.casefold():
        return WORLD
    places = [e for e in ents if e.label_ in PLACE_LABELS]
    subtree = {t.i for t in noun.subtree} | {t.i for t in noun.head.subtree if t.dep_ == "prep" for t in t.subtree}
    # The counted people themselves ('27,000 Palestinians') are not where the count holds.
    places = [e for e in places if not (e.start <= token_i < e.end)]
    local = [e for e in places if e.root.i in subtree]
    if local:
        return local[0].start_char - sentence.start_char
    # The sentence's only place, unless it lists many numbers (a table of countries is not one place's count).
    if len({e.text for e in places}) == 1 and sum(e.label_ == "CARDINAL" for e in ents) <= 2:
        return places[0].start_char - sentence.start_char
    return None


def ordinal_value(text: str) -> int | None:
    """'fourth' -> 4, '11th' -> 11."""
    text = text.strip().casefold()
    if text in ORDINAL_WORDS:
        return ORDINAL_WORDS[text]
    match = re.fullmatch(r"(\d+)(st|nd|rd|th)", text)
    return int(match.group(1)) if match else None


def cardinal_value(text: str) -> float | None:
    """'more than 42,600' -> 42600.0, '2 million' -> 2e6; None when there is no number."""
    match = NUMBER.search(text)
    if not match:
        return None
    value = float(match.group(1).replace(",", ""))
    return value * SCALE.get((match.group(2) or "").casefold(), 1)


def _is_magnitude(ent: Span) -> bool:
    """'the 7.0 magnitude earthquake', 'a magnitude 7 quake', '7.0-magnitude': a size, not a count."""
    doc = ent.doc
    near = doc[max(0, ent.start - 2) : min(len(doc), ent.end + 4)].text.casefold()
    return "magnitude" in near or "richter" in near


def _verb_key(stem: str) -> str | None:
    for prefix, past in COUNT_VERBS.items():
        if stem.startswith(prefix):
            return past
    return None


def trip_facts(sentence: Span, text: str, ents: list[Span], mentions: list[tuple[int, Span]]) -> list[Fact]:
    """'his 11th visit to the region' -> Fact('trips to the region', '11th', 11, <mentions, nearest first>)."""
    facts: list[Fact] = []
    if not TRIP_TEXT.search(text) or not mentions:
        return facts
    for token in sentence:
        # The model tags '11th' as ORDINAL in one sentence and as part of a DATE ('his 12th') in the next.
        if (value := ordinal_value(token.text)) is None or value < 1:
            continue
        window = sentence.doc[max(sentence.start, token.i - 6) : min(sentence.end, token.i + 7)]
        if not any(t.lower_ in TRIP_WORDS for t in window):
            continue
        # Whose trip: the nearest name before the ordinal, then the names after it.
        before = [m for m, span in reversed(mentions) if span.start < token.i]
        after = [m for m, span in mentions if span.start >= token.i]
        facts.append(Fact("trips to the region", token.text, float(value), tuple(before + after)))
    return facts


def count_facts(sentence: Span, text: str, ents: list[Span], stem: Callable[[str], str]) -> list[Fact]:
    """Counts that change over a story, each with where it holds.

    'has killed more than 42,600 Palestinians' -> ('Palestinians killed', 'more than 42,600');
    '100 cases in the UK' -> ('cases', '100', scope UK); 'between 35,000 and 60,000 barrels a day' ->
    ('oil flow, barrels a day', '35,000 to 60,000', 60000); 'the death toll has risen to 150,000' -> ('death toll', …).
    """
    facts: list[Fact] = []
    cardinals = [e for e in ents if e.label_ == "CARDINAL"]
    taken: set[int] = set()
    for ent in cardinals:
        if (number := cardinal_value(ent.text)) is None or number < 2:
            continue
        head = ent.root
        noun = head.head if head.dep_ in {"nummod", "quantmod", "amod", "compound"} else None
        if noun is None or noun.pos_ not in {"NOUN", "PROPN"}:
            continue
        if noun.lower_ in MEASURE_NOUNS:
            facts.append(Fact(MEASURE_NOUNS[noun.lower_], ent.text, number, (), _scope_of(sentence, noun.i, ents)))
            taken.add(ent.start)
            continue
        verb = noun.head
        if noun.dep_ in {"dobj", "nsubjpass", "nsubj"} and verb.pos_ in {"VERB", "AUX"}:
            past = _verb_key(stem(verb.text.casefold()))
            if past is None:
                continue
            noun_text = noun.text if noun.text[:1].isupper() else noun.text.casefold()
            facts.append(Fact(f"{noun_text} {past}", ent.text, number, (), _scope_of(sentence, noun.i, ents)))
            taken.add(ent.start)
    folded = text.casefold()
    if cardinals and "death toll" in folded:
        at = folded.index("death toll")
        numbers = [e for e in cardinals if cardinal_value(e.text) and e.start not in taken and not _is_magnitude(e)]
        # The number after 'death toll' ('has risen to 150,000'), else the first one.
        after = [e for e in numbers if e.start_char - sentence.start_char > at]
        chosen = (after or numbers)[:1]
        for e in chosen:
            toll = sentence.doc[e.root.i]
            facts.append(
                Fact("death toll", e.text, cardinal_value(e.text) or 0.0, (), _scope_of(sentence, toll.i, ents))
            )
    for match in FLOW.finditer(text):
        low, high = match.group(2), match.group(3)
        values = [v for v in (cardinal_value(low), cardinal_value(high) if high else None) if v is not None]
        if not values:
            continue
        value = f"{low} to {high}" if high else (f"{match.group(1)} {low}" if match.group(1) else low)
        facts.append(Fact("oil flow, barrels a day", value, max(values)))
    return facts
