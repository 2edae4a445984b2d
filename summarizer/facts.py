"""Facts that change over a story: counts of trips and visits, tolls of killed, wounded, displaced."""

from __future__ import annotations

import re
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
    "kill": "killed", "wound": "wounded", "injur": "injured", "displac": "displaced",
    "captur": "captured", "abduct": "abducted", "kidnap": "kidnapped", "releas": "released",
    "free": "freed", "arrest": "arrested", "detain": "detained", "evacu": "evacuated",
    "rescu": "rescued", "die": "died", "infect": "infected", "hospitalis": "hospitalised",
    "hospitaliz": "hospitalised", "dead": "dead",
}
NUMBER = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*(million|billion|thousand)?", re.IGNORECASE)
WORD_NUMBERS = {"dozen": 12, "dozens": 24, "hundred": 100, "hundreds": 200, "thousand": 1000, "thousands": 2000}
SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9}


@dataclass(frozen=True)
class Fact:
    """A value stated in a sentence; its subject is the first of ``subject_candidates`` that is a person."""

    attribute: str
    value: str
    number: float
    subject_candidates: tuple[int, ...] = ()


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


def _verb_key(stem: str) -> str | None:
    for prefix, past in COUNT_VERBS.items():
        if stem.startswith(prefix):
            return past
    return None


def trip_facts(sentence: Span, text: str, ents: list[Span], mentions: list[tuple[int, Span]]) -> list[Fact]:
    """'his 11th visit to the region' -> Fact('trips to the region', '11th', 11, <mentions, nearest first>)."""
    facts: list[Fact] = []
    if not any(e.label_ == "ORDINAL" for e in ents) or not TRIP_TEXT.search(text):
        return facts
    for ent in ents:
        if ent.label_ != "ORDINAL" or (value := ordinal_value(ent.text)) is None:
            continue
        window = sentence.doc[max(sentence.start, ent.start - 6) : min(sentence.end, ent.end + 6)]
        if not any(t.lower_ in TRIP_WORDS for t in window):
            continue
        if not mentions:
            continue
        # Whose trip: the nearest name before the ordinal, then the names after it.
        before = [m for m, span in reversed(mentions) if span.start < ent.start]
        after = [m for m, span in mentions if span.start >= ent.start]
        facts.append(Fact("trips to the region", ent.text, float(value), tuple(before + after)))
    return facts


def count_facts(sentence: Span, text: str, ents: list[Span], stem) -> list[Fact]:
    """'has killed more than 42,600 Palestinians' -> Fact('Palestinians killed', 'more than 42,600', 42600)."""
    facts: list[Fact] = []
    cardinals = [e for e in ents if e.label_ == "CARDINAL"]
    for ent in cardinals:
        if ent.label_ != "CARDINAL" or (number := cardinal_value(ent.text)) is None or number < 2:
            continue
        head = ent.root
        noun = head.head if head.dep_ in {"nummod", "quantmod", "amod", "compound"} else None
        if noun is None or noun.pos_ not in {"NOUN", "PROPN"}:
            continue
        verb = noun.head
        if noun.dep_ in {"dobj", "nsubjpass", "nsubj"} and verb.pos_ in {"VERB", "AUX"}:
            past = _verb_key(stem(verb.text.casefold()))
            if past is None:
                continue
            noun_text = noun.text if noun.text[:1].isupper() else noun.text.casefold()
            facts.append(Fact(f"{noun_text} {past}", ent.text, number))
    if cardinals and "death toll" in text.casefold():
        numbers = [e for e in cardinals if cardinal_value(e.text)]
        if numbers:
            facts.append(Fact("death toll", numbers[0].text, cardinal_value(numbers[0].text) or 0.0))
    return facts
