"""Entity names: cleaning, titles stripped, lookup keys, name compatibility, display names, majority labels."""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import lru_cache

# Entity labels worth a profile; dates, times, numbers, money and percentages are not entities.
ENTITY_LABELS = frozenset(
    {"PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE"}
)
# Labels shown as "people, organisations and places" in diffs and briefings.
NEWS_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "EVENT", "LAW"})
PLACE_LABELS = frozenset({"GPE", "LOC", "NORP"})
POSSESSIVE = re.compile(r"(?:['’]s|['’])$")
LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)
EDGE_PUNCT = re.compile(r"^[\W_]+|[\W_]+$")
FUNCTION_WORDS = frozenset({"of", "for", "the", "and", "de", "al", "bin", "in", "on", "at", "to", "el", "von", "van"})
# Honorifics say "this is a person" and are never part of the name.
HONORIFICS = frozenset("mr mrs ms miss mx dr prof professor sir dame rev reverend fr lord lady".split())
# Titles and ranks written before a person's name: stripped before keys are made.
NAME_TITLES = frozenset(
    """president pres vice prime minister secretary chancellor premier adm admiral gen general lt lieutenant
    col colonel capt captain maj major sgt sergeant cmdr commander marshal field sen senator rep gov governor
    judge justice sheikh king queen prince princess ambassador envoy mayor rear chief deputy interior
    foreign health defence defense state home attorney""".split()
)
# Arabic articles written before a name ("al-Assad", "el-Sisi"): 'Bashar Assad' and 'Bashar al-Assad' meet.
PARTICLE = re.compile(r"(?<![\w-])(?:al|el|ad|as|ash|an|ar|az)[-‑ ](?=\w)", re.IGNORECASE)
ACRONYM = re.compile(r"^(?:[A-Z]\.){2,}$|^[A-Z][A-Z0-9&]{1,7}$")


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


def strip_titles(name: str, person: bool) -> tuple[str, str]:
    """Split leading honorifics (always) and office titles (for people) off a name: ('Dr', 'Conrad Murray').

    Returns (title, name); the name keeps at least one capitalised word.
    """
    words = name.split()
    cut = 0
    while cut < len(words) - 1:
        word = words[cut].rstrip(".").casefold()
        if word in HONORIFICS or (person and word in NAME_TITLES) or (cut > 0 and word in {"of", "the"}):
            cut += 1
            continue
        break
    # Never leave a dangling 'of' or a lower-case word as the name.
    while 0 < cut < len(words) and not words[cut][:1].isupper():
        cut -= 1
    return " ".join(words[:cut]), " ".join(words[cut:])


ADJECTIVE_ENDINGS = ("ish", "ese", "ern")


def looks_like_adjective(name: str) -> bool:
    """A nationality or direction tagged as a place ('Scottish', 'Chinese', 'Middle Eastern', 'Egyptian'): an
    adjective, never news of its own."""
    words = name.split()
    last = words[-1].casefold() if words else ""
    return last.endswith(ADJECTIVE_ENDINGS) or (len(words) == 1 and last.endswith("ian"))


@lru_cache(maxsize=1 << 16)  # names recur: a diff keys every entity an arrival names, for every mark
def alias_key(surface: str) -> str:
    """Case-, dot-, hyphen-, particle- and article-insensitive lookup key: 'the U.S.' -> 'us', 'al-Assad' -> 'assad'."""
    text = clean_surface(surface).replace(".", "")
    text = PARTICLE.sub("", text)
    text = re.sub(r"[-‑–]", " ", text.casefold().replace("’", "'"))
    text = re.sub(r"(?<=\w)isation\b", "ization", text)  # 'Organisation' and 'Organization' meet
    return " ".join(text.split())


def is_plausible(surface: str) -> bool:
    """Whether a cleaned mention looks like a name (has a capital letter, is not too long)."""
    text = clean_surface(surface)
    return bool(text) and len(text) <= 80 and text[0].isupper() and any(c.isalpha() for c in text)


def is_acronym(surface: str) -> bool:
    """'U.S.', 'WHO', 'BP', 'W.H.O.': initials written as one token."""
    return bool(ACRONYM.match(clean_surface(surface).replace(" ", "")))


def is_short_form(surface: str) -> bool:
    """A one-word mention or an acronym: the kind that only evidence may join to a longer name."""
    return len(alias_key(surface).split()) == 1 or is_acronym(surface)


def surname_key(name: str) -> str:
    """A person's family name as a key: 'Yahya Sinwar' -> 'sinwar', 'Bashar al-Assad' -> 'assad'."""
    tokens = alias_key(name).split()
    return tokens[-1] if len(tokens) >= 2 else ""


def initials_key(name: str) -> str:
    """Initials of a multi-word name of ordinary words: 'World Health Organization' -> 'who'.

    Names that already contain an acronym ('U.S. Senate') have none: their letters are not initials.
    """
    tokens = clean_surface(name).split()
    content = [t for t in tokens if t.casefold() not in FUNCTION_WORDS]
    if len(content) < 2 or not all(t[:1].isupper() for t in content) or any(is_acronym(t) for t in content):
        return ""
    return "".join(t[0] for t in content).casefold()


def suffix_keys(name: str) -> list[str]:
    """Shorter names an organisation is called by: 'Muslim Brotherhood' -> ['brotherhood'],
    'US Coast Guard' -> ['coast guard', 'guard']."""
    tokens = alias_key(name).split()
    if " of " in f" {' '.join(tokens)} ":
        return []
    keys = []
    for i in range(1, len(tokens)):
        if tokens[i] not in FUNCTION_WORDS:
            keys.append(" ".join(tokens[i:]))
    return keys


def _given_match(a: str, b: str) -> bool:
    return (
        a == b
        or (len(a) == 1 and b.startswith(a))
        or (len(b) == 1 and a.startswith(b))
        or (min(len(a), len(b)) >= 4 and difflib.SequenceMatcher(None, a, b).ratio() >= 0.8)
    )


def names_compatible(a: str, b: str) -> bool:
    """Two full names of one person: same family name, and the shorter's given names found in order in the longer.

    'Mohamed ElBaradei' ~ 'Mohammed Elbaradei', 'Hussein Tantawi' ~ 'Mohamed Hussein Tantawi';
    'Janet Jackson' !~ 'Michael Jackson'.
    """
    ta, tb = alias_key(a).split(), alias_key(b).split()
    if len(ta) < 2 or len(tb) < 2 or ta[-1] != tb[-1]:
        return False
    short, long = sorted((ta[:-1], tb[:-1]), key=len)
    j = 0
    for word in short:
        while j < len(long) and not _given_match(word, long[j]):
            j += 1
        if j == len(long):
            return False
        j += 1
    return True


def _is_shouted(name: str) -> bool:
    letters = [c for c in name if c.isalpha()]
    return len(letters) > 4 and all(c.isupper() for c in letters)


def display_name(aliases: Mapping[str, int], prefer_full: bool) -> str:
    """The name to show, from how often each form was used: a person's or place's most used full name ('United
    States' over 'U.S.'); otherwise the most used form, or a full name used at least a quarter as often.

    Mixed case beats SHOUTING; a one-off long form ('Without Hosni Mubarak') never beats a recurring one.
    """
    forms = {a: n for a, n in aliases.items() if a and not _is_shouted(a)} or dict(aliases)
    if not forms:
        return ""
    top = max(forms, key=lambda a: (forms[a], len(a.split()), a))
    full = [a for a in forms if len(alias_key(a).split()) >= 2 and not is_acronym(a)]
    if not full:
        return top
    best_full = max(full, key=lambda a: (forms[a], -len(a.split()), a))
    if prefer_full or forms[best_full] * 4 >= forms[top]:
        return best_full
    return top


# Cues about what kind of thing a name is, from the words around it, and how much a cue outweighs the model.
HINT_WEIGHT = 4
# Mentions after which a "place" that is never written as one ('in X') is taken for something else.
PLACE_EVIDENCE_MIN = 8


def majority_label(labels: Iterable[str] | Mapping[str, int]) -> str:
    """The label most mentions carry; kind cues ('hint:ORG' from 'shares of X', 'the X rig') outweigh the model.

    Ties go to PERSON, then ORG, then GPE: the small model over-tags GPE.
    """
    counts = Counter(labels) if not isinstance(labels, Mapping) else Counter(dict(labels))
    votes: Counter[str] = Counter()
    for label, n in counts.items():
        if label == "hint:PLACE":
            continue  # evidence that a place is written as one ('in Egypt'), not a vote
        if label.startswith("hint:"):
            votes[label[5:]] += HINT_WEIGHT * n
        else:
            votes[label] += n
    if not votes:
        return "MISC"
    preference = {"PERSON": 3, "ORG": 2, "GPE": 1}
    best = max(votes, key=lambda label: (votes[label], preference.get(label, 0)))
    mentions = sum(n for label, n in counts.items() if not label.startswith("hint:"))
    if (
        best in {"GPE", "LOC"}
        and mentions >= PLACE_EVIDENCE_MIN
        and counts.get("hint:PLACE", 0) < 0.03 * mentions
        and counts.get("hint:ORG", 0) >= 2
    ):
        # Written as a company ('X shares', 'contractor X') and never as a place ('in X') in many mentions.
        others = {label: n for label, n in votes.items() if label not in PLACE_LABELS}
        return max(others, key=lambda label: (others[label], preference.get(label, 0))) if others else "ORG"
    return best
