"""Titles and roles of people, from title-before-name patterns and appositions."""

from __future__ import annotations

import re

from spacy.tokens import Span, Token

TITLE_WORDS = frozenset(
    """minister secretary president premier chancellor speaker leader envoy ambassador spokesperson
    spokesman spokeswoman chief head commander general fellow director official king queen prince
    senator governor mayor chairman chairwoman chair ceo founder negotiator adviser advisor analyst
    correspondent nominee candidate representative emir sheikh judge prosecutor attorney diplomat
    coordinator lawmaker mp officer deputy secretary-general""".split()
)
# Offices one person holds at a time: the same office given to two people is a conflict worth showing.
UNIQUE_OFFICES = frozenset(
    """minister secretary president premier chancellor speaker king queen governor mayor emir
    secretary-general chairman chairwoman""".split()
)
MODIFIERS = frozenset(
    "senior deputy veteran former top acting interim chief foreign defense defence prime vice foreign".split()
)
STOP_TOKENS = frozenset({"and", "or", "with", "by", "from", "to", "for", "as", "said", "told"})


def _title_token(token: Token) -> bool:
    text = token.text
    if text in {"-", "of"}:
        return True
    if token.is_punct or token.is_space or token.lower_ in STOP_TOKENS:
        return False
    if token.pos_ in {"DET", "PRON", "VERB", "AUX", "ADP", "CCONJ", "SCONJ", "NUM"}:
        return False
    return text[:1].isupper() or token.lower_ in TITLE_WORDS or token.lower_ in MODIFIERS


def title_before(sentence: Span, person: Span) -> str:
    """The title written right before a name: 'U.S. Secretary of State' in '… State Antony Blinken'."""
    tokens: list[Token] = []
    i = person.start - 1
    while i >= sentence.start and _title_token(sentence.doc[i]):
        tokens.insert(0, sentence.doc[i])
        i -= 1
    # 'of' and '-' only inside a title: 'Secretary of State', 'secretary-general'.
    while tokens and tokens[0].text in {"of", "-"}:
        tokens.pop(0)
    while tokens and tokens[-1].text in {"of", "-"}:
        tokens.pop()
    if not tokens or not any(t.lower_ in TITLE_WORDS for t in tokens):
        return ""
    text = sentence.doc[tokens[0].i : tokens[-1].i + 1].text
    return text if len(tokens) <= 10 else ""


def apposition_after(sentence: Span, person: Span) -> str:
    """An apposition after a name: 'the speaker of Lebanon’s parliament' in 'Nabih Berri, the speaker …'."""
    end = person.end
    doc = sentence.doc
    if end >= sentence.end or doc[end].text != ",":
        return ""
    for token in person:
        for child in token.children:
            if child.dep_ == "appos" and child.i > end and child.lower_ in TITLE_WORDS:
                left = child.left_edge.i
                right = child.right_edge.i
                # Stop at the closing comma of the apposition.
                for j in range(child.i, right + 1):
                    if doc[j].text in {",", ";", "("}:
                        right = j - 1
                        break
                phrase = doc[max(left, end + 1) : right + 1].text
                phrase = re.sub(r"^(the|a|an)\s+", "", phrase, flags=re.IGNORECASE)
                if 1 <= len(phrase.split()) <= 14:
                    return phrase
    return ""


def office_of(role: str, place_words: frozenset[str]) -> tuple[str, str]:
    """Split a role into (office, country): 'Israeli Defense Minister' -> ('defense minister', 'israeli')."""
    words = role.replace("’s", "").replace("'s", "").split()
    country = [w for w in words if w.casefold().replace(".", "") in place_words]
    office = [w for w in words if w not in country]
    return " ".join(office).casefold(), " ".join(country).casefold().replace(".", "")


def is_unique_office(office: str) -> bool:
    """Whether one person holds this office at a time (minister, president, speaker …)."""
    words = office.replace("-", " - ").split()
    if "secretary-general" in office:
        return True
    return bool(words) and any(w in UNIQUE_OFFICES for w in words) and "deputy" not in words
