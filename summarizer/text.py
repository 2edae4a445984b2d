"""Turning raw article text into a headline and clean body paragraphs (no site furniture)."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from summarizer.furniture import furniture_class, strip_furniture

# Lines that are site furniture, never article content.
FURNITURE = re.compile(
    r"""^(
        follow\ us\b.* | comments\ are\ closed\b.* | leave\ a\ (reply|comment)\b.* |
        your\ email\ address\ will\ not\ be\ published.* | required\ fields\ are\ marked.* |
        share\ (this|on)\b.* | (click|tap)\ here\b.* | sign\ up\b.* | subscribe\b.* |
        advertisement | sponsored | read\ more\b.* | related:.* | (also\ )?read:.* | see\ also:.* |
        image\ (source|caption|credit).* | photo:.* | (copyright|\(c\)|©).* | all\ rights\ reserved.* |
        posted\ (in|by)\b.* | filed\ under\b.* | tags?:.* | print\ this\b.* | email\ this\b.* |
        you\ may\ also\ like.* | recommended\ for\ you.* | trending\ now.* | skip\ to\ (main\ )?content
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
ELLIPSIS_ONLY = re.compile(r"^[\s.…·•*_\-–—|]*$")
# "WASHINGTON/BEIRUT — ", "LONDON (Reuters) - ", "(CNN) -- ", "Webdesk: " at the start of the body.
DATELINE = re.compile(
    r"^(?:[A-Z][A-Z.'’/ ,-]{1,60}(?:\s*\([A-Za-z .]+\))?\s*[—–]\s*"
    r"|[A-Z][A-Z.'’/ ,-]{1,60}\s*\([A-Za-z .]+\)\s*[-—–]{1,2}\s*"
    r"|\((?:CNN|AP|AFP|Reuters)\)\s*[-—–]{1,2}\s*"
    r"|Webdesk:\s*)"
)
# Control and format characters other than newline and tab (zero-width spaces, BOMs, NULs).
# Also Unicode non-characters (U+FDD0..U+FDEF and the last two code points of every plane) and lone surrogates,
# which XML (the Atom feed) forbids and UTF-8 cannot encode.
CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\ufeff"
    "\ud800-\udfff\ufdd0-\ufdef"
    + "".join(f"{chr(plane + 0xFFFE)}{chr(plane + 0xFFFF)}" for plane in range(0, 0x110000, 0x10000))
    + "]"
)
TERMINAL = re.compile(r"[.!?…:;\"”’')\]]$")
MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
MD_MARKS = re.compile(r"(\*\*|__|\*|`+|~~)")
MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
MD_LIST = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
MD_QUOTE = re.compile(r"^\s*>\s?")
MD_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")


# Inline junk in transcripts and flattened pages, removed before NER so it never becomes an entity:
# speaker turns ("CARL AZUZ, CNN ANCHOR:", "AZUZ:"), stage directions ("(INAUDIBLE)", "(BEGIN VIDEO CLIP)"),
# bylines ("By Jim Muir BBC News, Beirut", "Andy Gallacher, BBC News, Venice, Louisiana") and timestamps.
SPEAKER_TURN = re.compile(
    r"(?:(?<=^)|(?<=[\s.!?\"”)\]]))(?:[A-Z][A-Z'’.\-]+(?:\s+[A-Z][A-Z'’.\-]+){0,3})"
    r"(?:\s*(?:,|\()\s*[A-Z][A-Z0-9'’.,\-()/ ]{0,80}?)?:\s+"
)
STAGE_DIRECTION = re.compile(
    r"\((?:[A-Z][A-Z\-]+(?:\s+[A-Z][A-Z\-]+)+|INAUDIBLE|CROSSTALK|LAUGHTER|APPLAUSE|COMMERCIAL BREAK|"
    r"voice-over|on camera|through translator|through interpreter|via telephone|singing)\)",
    re.IGNORECASE,
)
BYLINE = re.compile(
    r"(?:\bBy\s+)?\b[A-Z][a-z]+(?:\s+[A-Z][a-z'’\-]+){1,2},?\s+(?:[A-Z]{2,5}|[A-Z][a-z]+)\s+News"
    r"(?:\s+(?:Online|website))?(?:,\s*(?!(?:The|A|An|In|On|At|It|He|She|They|This|That|But|And|As|US|UN)\b)"
    r"[A-Z][\w\-]+){0,2}(?=[\s.,]|$)"
    r"|\b[A-Z][a-z]+(?:\s+[A-Z][a-z'’\-]+){1,2}\s*\|\s*"
)
TIMESTAMP = re.compile(
    r"(?:\b(?:updated|published|last updated|page last updated)(?:\s+at)?:?\s+)?"
    r"\b(?:\w{3},?\s+)?(?:\d{1,2}\s+\w+\s+\d{2,4}|\w{3}\s+\d{1,2}\s+\d{4})\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s+(?:GMT|UTC|ET|EST|BST))?\b"
    r"|\b\d{1,2}:\d{2}\s+(?:GMT|UTC|UK time)\b[,\s\w]*?\d{4}\b",
    re.IGNORECASE,
)
# Sentences that are page furniture wherever they stand: sign-up forms, legal notices, sharing prompts.
FURNITURE_SENTENCE = re.compile(
    r"terms of (?:service|use)|privacy policy|e-?mail address|default edition|\bsign up\b|\blog ?in\b|"
    r"rush transcript|download pdf|all rights reserved|share your (?:images|photos|videos|stories)|"
    r"click (?:here|on)|\bireport\b|this (?:transcript|copy) may not be in its final form|"
    r"story highlights|\bplease (?:read|note) our\b|javascript|cookies? (?:policy|settings)|"
    r"most popular stories|\bYES \| NO\b|newsletter",
    re.IGNORECASE,
)


MEDIA_LABEL = re.compile(
    r"(?:(?<=^)|(?<=[.!?\"”]\s))(?:Watch|Video|Listen|Audio|Photos?|Gallery|Graphic|Map)\s*:\s+", re.IGNORECASE
)
CLOCK_STAMP = re.compile(
    r"\b(?:"
    + "|".join(
        [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ]
    )
    + r")\s+\d{1,2},\s+\d{4}:?\s+\d{1,2}:\d{2}\s*(?:AM|PM|a\.m\.|p\.m\.)"
    r"(?:\s+(?:ET|EST|EDT|GMT|BST|PT))?"
)


LAST_UPDATED = re.compile(
    r"(?:\b\d{1,2}\s+[A-Z][a-z]+\s+\d{4}\s+)?\b(?:Page\s+)?last updated(?:\s+at)?:?\s+"
    r"\d{1,2}:\d{2}\s*(?:GMT|BST|UTC|ET)?"
    r"(?:,?\s+\w+day,?\s+\d{1,2}\s+[A-Z][a-z]+\s+\d{4})?(?:\s+Help\b)?",
    re.IGNORECASE,
)


def strip_inline_junk(line: str) -> str:
    """Remove speaker turns, stage directions, bylines, media labels and timestamps from inside a paragraph."""
    text = STAGE_DIRECTION.sub(" ", line)
    text = CLOCK_STAMP.sub(" ", text)
    text = LAST_UPDATED.sub(" ", text)
    text = MEDIA_LABEL.sub("", text)
    text = SPEAKER_TURN.sub(" ", text)
    text = BYLINE.sub(" ", text)
    text = TIMESTAMP.sub(" ", text)
    return re.sub(r"\s{2,}", " ", text).strip()


# A sentence that cannot stand alone in a briefing: credits and labels glued to it, or a shouted heading.
CREDIT = re.compile(
    r"\b(?:image|photo|picture)s?\s+(?:by|courtesy of|copyright)\b|\bvia flickr\b|\bgetty images\b", re.IGNORECASE
)
SHOUTED_START = re.compile(r"^(?:[A-Z][A-Z'’\-]+\s+){3,}")
FRAGMENT_WORDS = 10
SENTENCE_END = re.compile(r"[.!?…][\"”’'`)\]\s]*$|[\"”’]$")


# A broadcast transcript's header line ('Chaos in Egypt Aired February 13, 2011 - 11:00 ET'): a listing, not news.
TRANSCRIPT_HEADER = re.compile(
    r"\bAired (?:January|February|March|April|May|June|July|August|September|October|November|December) "
    r"\d{1,2}, \d{4}\b"
)


# A sentence's first straight quote mark closing a quotation: after the quote's last word and its comma or stop, and
# before the lower-case words of the attribution ('…, " said the minister', '… now! " he shouted').
CLOSING_STRAIGHT = re.compile(r'^[^"]*[\w][,.!?]\s*"\s+[a-z]')


def opens_mid_quote(sentence: str) -> bool:
    """The tail of a quotation the parser split ('not supported by us," he stated'): a closing quote mark comes
    before any opening one, so the sentence cannot be read on its own."""
    opening = min((i for i in (sentence.find("“"), sentence.find("‘")) if i >= 0), default=-1)
    closing = sentence.find("”")
    if closing >= 0 and (opening < 0 or closing < opening):
        return True
    straight = sentence.count('"')
    if straight and CLOSING_STRAIGHT.match(sentence):
        return True  # '… for every Egyptian, " said Mohamed ElBaradei.': spaced quotes, the first one closing
    return straight % 2 == 1 and not sentence.lstrip().startswith('"') and re.search(r'[\w.,!?]"', sentence) is not None


def sentence_quality(sentence: str) -> float:
    """How well a sentence stands alone as a briefing line, as a weight on its score.

    0 for credits ('Image by … via Flickr'), transcript headers, shouted headings glued to text, page furniture
    and the tail of a split quotation; 0.5 for a short piece with no
    final punctuation (a headline or caption); 0.8 for a longer one (a sentence the parser cut at a quote) or one
    starting in lower case; 0.9 for a long run with no punctuation inside (a caption glued to a lead); else 1.
    The weights were set on the CNN/DailyMail dev set so that ranking stays at or above Lead-3.
    """
    text = sentence.strip()
    words = text.split()
    if not text or CREDIT.search(text) or SHOUTED_START.match(text) or TRANSCRIPT_HEADER.search(text):
        return 0.0
    if furniture_class(text) is not None or opens_mid_quote(text):
        return 0.0
    if not SENTENCE_END.search(text):
        return 0.5 if len(words) < FRAGMENT_WORDS else 0.8
    if not text[0].isupper() and not text[0].isdigit() and text[0] not in "\"“‘'(":
        return 0.8
    if len(words) >= 35 and not re.search(r"[,;:—–()]", text):
        return 0.9
    return 1.0


def quality_of(sentence: str, stored: float | None) -> float:
    """A sentence's quality as stored at ingest, worked out from its text when it was stored before that."""
    return sentence_quality(sentence) if stored is None else stored


def is_furniture_sentence(sentence: str) -> bool:
    """A sentence of page furniture (sign-up and legal notices, sharing prompts, any class of
    ``summarizer.furniture``), never news."""
    if FURNITURE_SENTENCE.search(sentence) or furniture_class(sentence) is not None:
        return True
    # A shouted line (transcript banners, 'THIS IS A RUSH TRANSCRIPT') is not a sentence to quote.
    letters = [c for c in sentence if c.isalpha()]
    return len(letters) >= 12 and sum(c.isupper() for c in letters) >= 0.8 * len(letters)


@dataclass(frozen=True)
class CleanText:
    """An article split into its headline (may be empty) and body paragraphs."""

    title: str
    paragraphs: list[str]

    @property
    def body(self) -> str:
        """Paragraphs joined by newlines: the stored article text, which sentence offsets refer to."""
        return "\n".join(self.paragraphs)


def normalise_whitespace(text: str) -> str:
    """NFC-normalise, drop control characters, collapse runs of spaces within lines."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = CONTROL.sub("", text)
    return "\n".join(re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.split("\n"))


def clean_label(text: str, limit: int = 120) -> str:
    """A one-line field (an outlet's name, a title) cleaned like article text: NFC, no control or non-characters,
    single-spaced, at most ``limit`` characters."""
    return " ".join(CONTROL.sub("", unicodedata.normalize("NFC", text)).split())[:limit].strip()


def strip_markdown(text: str) -> str:
    """Reduce Markdown to plain text: headings, links, emphasis, lists, quotes and rules."""
    lines = []
    in_code = False
    for line in text.split("\n"):
        if line.strip().startswith("```"):
            in_code = not in_code
            continue
        if in_code or MD_RULE.match(line):
            continue
        line = MD_HEADING.sub("", line)
        line = MD_QUOTE.sub("", line)
        line = MD_LIST.sub("", line)
        line = MD_LINK.sub(r"\1", line)
        line = MD_MARKS.sub("", line)
        lines.append(line)
    return "\n".join(lines)


def is_heading_line(line: str) -> bool:
    """A short line with no closing punctuation: a headline or section heading, not a sentence."""
    words = line.split()
    return 0 < len(words) <= 16 and not TERMINAL.search(line)


def clean_article(raw: str, title: str = "") -> CleanText:
    """Separate the headline from the body and drop furniture, repeated headlines and section headings."""
    lines = [line for line in normalise_whitespace(raw).split("\n")]
    title = normalise_whitespace(title).strip()
    content = [line for line in lines if line]
    if not title and content and is_heading_line(content[0]):
        title = content[0]
    seen_headings = {title.casefold()} if title else set()
    common = common_words(raw)
    paragraphs: list[str] = []
    for line in content:
        folded = line.casefold()
        if folded in seen_headings or FURNITURE.match(line) or ELLIPSIS_ONLY.match(line):
            continue
        if is_heading_line(line):
            # A section heading inside the body ("Breakthrough Unlikely"): not briefing material.
            seen_headings.add(folded)
            continue
        if not paragraphs:
            line = DATELINE.sub("", line, count=1)
        line = strip_inline_junk(strip_furniture(line, common))
        if line:
            paragraphs.append(line)
    return CleanText(title=title, paragraphs=paragraphs)


def common_words(raw: str) -> Callable[[str], bool]:
    """Whether a word is common in this text: written in lower case somewhere and never capitalised after a
    lowercase word except once (the place where a headline runs into a sentence)."""
    lower = set(re.findall(r"\b[a-z]+\b", raw))
    capitalised = Counter(m.casefold() for m in re.findall(r"(?<=[a-z,] )([A-Z][a-z]+)", raw))
    return lambda word: word in lower and capitalised[word] <= 1


def headline_for(text: CleanText, limit: int = 90) -> str:
    """The headline, or the start of the first sentence when the article has none."""
    if text.title:
        return text.title
    first = text.paragraphs[0] if text.paragraphs else ""
    if len(first) <= limit:
        return first
    cut = first[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"
