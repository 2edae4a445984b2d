"""Entity canonicalisation: alias keys, surname and acronym keys, canonical names, majority labels."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

# Entity labels worth a profile; dates, times, numbers, money and percentages are not entities.
ENTITY_LABELS = frozenset(
    {"PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE"}
)
# Labels shown as "people, organisations and places" in diffs and briefings.
NEWS_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "EVENT", "LAW"})
POSSESSIVE = re.compile(r"(?:['’]s|['’])$")
LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)
EDGE_PUNCT = re.compile(r"^[\W_]+|[\W_]+$")
FUNCTION_WORDS = frozenset({"of", "for", "the", "and", "de", "al", "bin", "in", "on", "at", "to"})


def clean_surface(surface: str) -> str:
    """A mention's text without a leading 'the', a possessive 's or stray edge punctuation."""
    text = " ".join(surface.split())
    text = LEADING_THE.sub("", text)
    text = POSSESSIVE.sub("", text)
    # Keep a final dot of an abbreviation ("U.S."), strip other edge punctuation.
    stripped = EDGE_PUNCT.sub("", text)
    if text.endswith(".") and re.search(r"\b\w\.\w\.$", text):
        stripped = stripped + "."
    return stripped


def alias_key(surface: str) -> str:
    """Case-, dot- and article-insensitive lookup key: 'the U.S.' -> 'us', 'Blinken’s' -> 'blinken'."""
    text = clean_surface(surface).replace(".", "")
    return " ".join(text.casefold().replace("’", "'").split())


def is_plausible(surface: str) -> bool:
    """Whether a cleaned mention looks like a name (has a capital letter, is not too long)."""
    text = clean_surface(surface)
    return bool(text) and len(text) <= 80 and text[0].isupper() and any(c.isalpha() for c in text)


def weak_keys(name: str, label: str) -> set[str]:
    """Keys a shorter mention may use for this entity: a person's surname, an organisation's initials."""
    tokens = clean_surface(name).replace(".", "").split()
    keys: set[str] = set()
    if len(tokens) >= 2 and label == "PERSON":
        keys.add(tokens[-1].casefold())
    content = [t for t in tokens if t.casefold() not in FUNCTION_WORDS]
    if len(content) >= 2 and label != "PERSON" and all(t[:1].isupper() for t in content):
        keys.add("".join(t[0] for t in content).casefold())
    keys.discard(alias_key(name))
    return keys


def is_short_form(surface: str) -> bool:
    """A one-word mention or an acronym: the kind that weak keys resolve."""
    text = clean_surface(surface)
    return len(text.replace(".", " ").split()) == 1 or (text.replace(".", "").isupper() and len(text) <= 8)


def better_name(current: str, candidate: str) -> str:
    """The more complete of two names for one entity: more words, then longer, then the earlier."""
    def score(name: str) -> tuple[int, int]:
        plain = clean_surface(name).replace(".", " ")
        return (len(plain.split()), len(plain))

    return candidate if score(candidate) > score(current) else current


def majority_label(labels: Iterable[str]) -> str:
    """The most frequent label (ties go to PERSON, then ORG, then GPE: the small model over-tags GPE)."""
    counts = Counter(labels)
    if not counts:
        return "MISC"
    preference = {"PERSON": 3, "ORG": 2, "GPE": 1}
    return max(counts, key=lambda label: (counts[label], preference.get(label, 0)))
