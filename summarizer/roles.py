"""Roles of people as scoped offices: 'Egyptian President' -> office 'president', scope 'Egyptian'.

A role is an office noun phrase written right before a name ('BP chief executive Tony Hayward') or in
apposition to it ('Nabih Berri, the speaker of Lebanon's parliament'; 'his doctor, Conrad Murray'),
never arbitrary capitalised words in front of a name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from spacy.tokens import Span, Token

from summarizer.entities import HONORIFICS

# Nouns that name an office, a rank or a calling: the head of a role phrase.
OFFICE_HEADS = frozenset(
    """president minister secretary secretary-general premier chancellor speaker leader envoy ambassador
    spokesman spokeswoman spokesperson chief executive ceo director director-general chairman chairwoman chair
    commander commandant general admiral governor mayor king queen prince emir sheikh senator congressman
    congresswoman judge prosecutor attorney head officer adviser advisor coordinator negotiator founder boss
    marshal doctor physician cardiologist surgeon singer star entertainer actor actress lawyer diplomat
    official commissioner administrator representative mp lawmaker laureate activist campaigner chief-executive
    manager president-elect vice-president mogul""".split()
)
# Words that build an office phrase around its head ('managing director', 'chief medical officer').
OFFICE_MODIFIERS = frozenset(
    """senior deputy vice prime foreign interior defense defence health home state chief executive managing
    press field rear medical national incident general top personal pop acting interim former outgoing
    incoming new late then ex ex- current caretaker military council armed forces intelligence finance
    justice energy trade economy education environment transport labour labor security homeland nuclear
    atomic energy agency international world peace nobel special un u.n. assistant principal
    executive-director opposition""".split()
)
# Institutions an office belongs to ('speaker of Lebanon's parliament', 'head of the armed forces').
INSTITUTIONS = frozenset(
    """parliament assembly senate congress army council government party agency organization organisation
    commission bank committee forces guard police service ministry department cabinet navy court
    corporation company""".split()
)
# Words that say the office changed hands: no conflict is claimed from such a phrase.
SUCCESSION_CUES = frozenset(
    """former ex ex- outgoing incoming new acting interim late then caretaker designate elect
    president-elect predecessor successor""".split()
)
SUCCESSION_VERBS = re.compile(
    r"\b(?:replac|succeed|resign|step(?:ped|s)? down|ousted|oust|deposed|sacked|fired|dismissed|appointed|"
    r"named|sworn in|took over|take over|taking over|quit|stood down|toppled|to become|will become)",
    re.IGNORECASE,
)
# Offices one person holds at a time: the same office given to two people at once is a conflict worth showing.
UNIQUE_HEADS = frozenset(
    """minister secretary president premier chancellor speaker king queen governor mayor emir
    secretary-general chairman chairwoman commandant""".split()
)
SPELLING = {
    "defence": "defense",
    "organisation": "organization",
    "vice-president": "vice president",
    "secretary general": "secretary-general",
    "director general": "director-general",
    "chief-executive": "chief executive",
    "ceo": "chief executive",
    "premier": "prime minister",
}
STOP_POS = frozenset({"DET", "PRON", "VERB", "AUX", "CCONJ", "SCONJ", "NUM", "PUNCT", "SPACE"})
SCOPE_LABELS = frozenset({"GPE", "NORP", "ORG"})
# Irregular demonyms and the common short names of a few states and bodies.
SCOPE_ALIASES = {
    "us": "united states",
    "u.s.": "united states",
    "usa": "united states",
    "american": "united states",
    "america": "united states",
    "uk": "united kingdom",
    "british": "united kingdom",
    "britain": "united kingdom",
    "un": "united nations",
    "u.n.": "united nations",
    "french": "france",
    "dutch": "netherlands",
    "swiss": "switzerland",
    "greek": "greece",
    "german": "germany",
    "welsh": "wales",
    "scottish": "scotland",
    "irish": "ireland",
    "english": "england",
    "spanish": "spain",
    "turkish": "turkey",
    "danish": "denmark",
    "swedish": "sweden",
    "polish": "poland",
    "finnish": "finland",
    "norwegian": "norway",
    "filipino": "philippines",
}
DEMONYM_ENDINGS = frozenset({"", "n", "an", "ian", "i", "ese", "ish", "ean", "ic", "a", "o", "e", "on", "y", "ia"})


@dataclass(frozen=True)
class RoleText:
    """A role as written, its office (lower case, spelling normalised, no scope) and its scope as written."""

    role: str
    office: str
    scope: str
    transitional: bool
    start: int = -1  # token index where the phrase starts in its doc


def _office_word(token: Token) -> bool:
    return token.lower_ in OFFICE_HEADS or token.lower_ in OFFICE_MODIFIERS or token.lower_ in INSTITUTIONS


def _scope_token(token: Token) -> bool:
    return token.ent_type_ in SCOPE_LABELS or token.text in {"'s", "’s"}


def title_before(sentence: Span, start: int) -> RoleText | None:
    """The office phrase written right before a name starting at token ``start``: 'Egyptian President'."""
    doc = sentence.doc
    tokens: list[Token] = []
    i = start - 1
    # 'Chief Medical Officer Sir Liam Donaldson': the honorific sits between the office and the name.
    while i >= sentence.start and doc[i].lower_.rstrip(".") in HONORIFICS:
        i -= 1
    # 'chief executive of Anadarko': the phrase is about whoever comes before, not about this name.
    if i >= sentence.start and doc[i].text in {"of", "-", "for", "at"}:
        return None
    while i >= sentence.start:
        token = doc[i]
        if token.text in {"of", "-"} or _office_word(token) or _scope_token(token):
            tokens.insert(0, token)
            i -= 1
            continue
        if token.pos_ in STOP_POS or token.is_punct:
            break
        break
    # 'of' and '-' only inside a phrase ('Secretary of State'), never at its edges.
    while tokens and (tokens[0].text in {"of", "-", "'s", "’s"}):
        tokens.pop(0)
    while tokens and tokens[-1].text in {"of", "-"}:
        tokens.pop()
    if (
        not tokens
        or tokens[-1].lower_ not in OFFICE_HEADS | OFFICE_MODIFIERS
        or not any(t.lower_ in OFFICE_HEADS for t in tokens)
    ):
        return None
    if len(tokens) > 8:
        return None
    return describe(doc[tokens[0].i : tokens[-1].i + 1])


def apposition(sentence: Span, person: Span) -> RoleText | None:
    """An office in apposition: 'Nabih Berri, the speaker of Lebanon's parliament' or 'his doctor, Conrad Murray'."""
    doc = sentence.doc
    root = person.root
    # 'ROLE, NAME': the name is in apposition to an office noun before it.
    if root.dep_ == "appos" and root.head.i < person.start and root.head.lower_ in OFFICE_HEADS:
        return _phrase_of(root.head, person.start)
    # 'NAME, the ROLE …'
    if person.end < sentence.end and doc[person.end].text == ",":
        for child in root.children:
            if child.dep_ == "appos" and child.i > person.end and child.lower_ in OFFICE_HEADS:
                return _phrase_of(child, sentence.end)
    return None


def _phrase_of(head: Token, limit: int) -> RoleText | None:
    """The office noun phrase headed by ``head``: its modifiers and an 'of …' complement, nothing else."""
    doc = head.doc
    left = head.left_edge.i
    right = head.i
    for child in head.rights:
        if child.dep_ == "prep" and child.lower_ == "of" and child.i == right + 1:
            right = child.right_edge.i
            break
    right = min(right, limit - 1)
    # Stop at the first comma, bracket or clause inside.
    for j in range(head.i + 1, right + 1):
        if doc[j].text in {",", ";", "(", ")"} or doc[j].pos_ in {"VERB", "AUX"}:
            right = j - 1
            break
    if right - left > 10:
        return None
    return describe(doc[left : right + 1])


def _role_token(token: Token) -> bool:
    return _office_word(token) or token.ent_type_ in SCOPE_LABELS


def describe(span: Span) -> RoleText | None:
    """Office and scope of a role phrase: 'Egypt's Prime Minister' -> office 'prime minister', scope 'Egypt'."""
    tokens = list(span)
    # Trim words that are neither office nor scope off both edges ('his', 'Michael's', 'the').
    while tokens and not _role_token(tokens[0]):
        tokens.pop(0)
    while tokens and not _role_token(tokens[-1]):
        tokens.pop()
    if not tokens:
        return None
    scope_tokens = [t for t in tokens if t.ent_type_ in SCOPE_LABELS and not _office_word(t)]
    office_tokens = [
        t
        for t in tokens
        if t not in scope_tokens and (_office_word(t) or t.text in {"of", "-"}) and t.lower_ not in SUCCESSION_CUES
    ]
    while office_tokens and office_tokens[0].text in {"of", "-"}:
        office_tokens.pop(0)
    while office_tokens and office_tokens[-1].text in {"of", "-"}:
        office_tokens.pop()
    office = normalise_office(" ".join(t.text for t in office_tokens))
    if not any(w in OFFICE_HEADS for w in office.split()):
        return None
    scope = " ".join(t.text for t in scope_tokens)
    transitional = any(t.lower_ in SUCCESSION_CUES for t in span)
    text = span.doc[tokens[0].i : tokens[-1].i + 1].text.strip()
    return RoleText(text, office, scope, transitional, tokens[0].i)


def normalise_office(office: str) -> str:
    """Lower case, British and hyphen spellings folded: 'Vice-President' -> 'vice president'."""
    text = " ".join(office.casefold().replace("’", "'").split())
    for old, new in SPELLING.items():
        text = re.sub(rf"\b{re.escape(old)}\b", new, text)
    return text


@lru_cache(maxsize=4096)
def scope_key(scope: str) -> str:
    """A comparable form of a scope: 'U.S.' and 'American' -> 'united states'; 'Egypt's' -> 'egypt'."""
    text = " ".join(scope.casefold().replace("’s", "").replace("'s", "").split())
    text = re.sub(r"^the\s+", "", text)
    return SCOPE_ALIASES.get(text, SCOPE_ALIASES.get(text.replace(".", ""), text.replace(".", "")))


@lru_cache(maxsize=16384)
def same_scope(a: str, b: str) -> bool:
    """Whether two scopes name the same country or body: 'Egypt' ~ 'Egyptian', 'Syria' ~ 'Syrian', 'US' ~ 'American'."""
    ka, kb = scope_key(a), scope_key(b)
    if not ka or not kb:
        return False
    if ka == kb:
        return True
    n = 0
    while n < min(len(ka), len(kb)) and ka[n] == kb[n]:
        n += 1
    return n >= 4 and ka[n:] in DEMONYM_ENDINGS and kb[n:] in DEMONYM_ENDINGS


def is_unique_office(office: str) -> bool:
    """Whether one person holds this office at a time (minister, president, speaker, chief executive …)."""
    words = office.split()
    if not words or "deputy" in words or "assistant" in words or "former" in words:
        return False
    return words[-1] in UNIQUE_HEADS or office.endswith("secretary-general") or office == "chief executive"


def mentions_succession(text: str) -> bool:
    """Whether a sentence speaks of an office changing hands ('replaced', 'resigned', 'took over')."""
    return bool(SUCCESSION_VERBS.search(text))
