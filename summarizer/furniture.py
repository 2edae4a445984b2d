"""Page furniture by class: what agency and newspaper copy carries around the story that is not its prose.

Each class is written from the common forms of wire services and newspapers (agency datelines, editorial notes,
photo credits and captions, time stamps, bylines, question sub-headings, list debris, a headline glued to the
lead), never from one outlet's page. ``strip_furniture`` removes what can be cut out of a paragraph before
analysis; ``furniture_class`` names what is left in a sentence that is not prose, so it is never stored or shown.
"""

from __future__ import annotations

import re
from collections.abc import Callable

CLASSES = (
    "dateline",
    "editorial-note",
    "photo-credit",
    "timestamp",
    "byline",
    "question-heading",
    "list-debris",
    "glued-headline",
)

MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|"
    r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
WEEKDAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\.?"
ZONE = r"(?:GMT|UTC|BST|CET|CEST|EST|EDT|ET|CST|CDT|CT|MST|MDT|PST|PDT|PT|HKT|IST|AEST|AEDT|JST|UK time)"
CLOCK = (
    rf"\d{{1,2}}[:.]\d{{2}}(?::\d{{2}})?\s*(?:[ap]\.?m\.?)?(?:\s*{ZONE}\b)?"
    rf"|\d{{1,2}}\s*[ap]\.?m\.?(?:\s*{ZONE}\b)?|\d{{4}}\s*{ZONE}\b"
)
DAY_DATE = (
    rf"(?:{WEEKDAY},?\s+)?(?:{MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?(?:\s+\d{{4}})?|\d{{1,2}}\s+{MONTH},?(?:\s+\d{{4}})?"
    rf"|\d{{1,2}}/\d{{1,2}}/\d{{2,4}}|\d{{4}}-\d{{2}}-\d{{2}})"
)
# A place in a dateline: 'WASHINGTON', 'GAZA CITY, Gaza Strip', 'Paris', 'KYIV, Ukraine'.
PLACE = (
    r"[A-Z][A-Za-z.'’\-]*(?:\s+[A-Z][A-Za-z.'’\-]*){0,3}"
    r"(?:\s*[,/]\s*[A-Z][A-Za-z.'’\-]*(?:\s+[A-Z][A-Za-z.'’\-]*){0,2}){0,2}"
)
UPPER_PLACE = (
    r"[A-Z][A-Z.'’\-]+(?:\s+[A-Z][A-Z.'’\-]+){0,3}(?:\s*[,/]\s*[A-Z][A-Za-z.'’\-]+(?:\s+[A-Z][A-Za-z.'’\-]+){0,2}){0,2}"
)
# The credit in brackets after a dateline's place: '(Reuters)', '(AP)', '(AFP)', '(CNN)', '(dpa)', '(Xinhua)'.
AGENCY = r"\((?:[A-Za-z][A-Za-z.&'’\-]*(?:\s+[A-Z][A-Za-z.&'’\-]*){0,3})\)"
DASH = r"\s*(?:[-—–]{1,2}|:)\s+"

DATELINES = [
    # 'LONDON, Aug 30 (Reuters) - ', 'Paris (AFP) - ', 'GAZA CITY, Gaza Strip (AP) — ', '(CNN) -- '
    re.compile(rf"(?:{PLACE}\s*(?:,\s*{DAY_DATE}\s*)?)?{AGENCY}{DASH}"),
    # 'JERUSALEM — ', 'WASHINGTON/BEIRUT — ', 'KYIV, Ukraine — ' (a place in capitals, then a dash)
    re.compile(rf"{UPPER_PLACE}(?:\s*,\s*{DAY_DATE})?\s*[—–]{{1,2}}\s+"),
    re.compile(rf"{UPPER_PLACE}\s*--\s+"),
]
# An agency credit and its dash inside a paragraph, before the lead's capital or at the end: '… highlights Cairo, Egypt
# (CNN) -- Thousands …', '… caption (Reuters) - The …'. One word in the brackets, and a capital after the dash, keep
# prose asides such as 'the Islamic State (IS) -- a group that …' out.
INNER_DATELINE = re.compile(r"\([A-Za-z][A-Za-z.&'’\-]*\)\s*(?:--|[—–]|\s-)(?:\s+(?=[A-Z\"“‘'])|\s*$)")
# Headline, highlights, caption and byline before a dateline rarely run past this (wire copy flattened to one line).
MAX_BEFORE_DATELINE = 120
# 'NEW YORK | Mon Aug 22, 2011 3:31pm EDT ' before a dateline, or a stamp line on its own; 'January 31, 2011 | '
# before a byline.
STAMP_LEAD = re.compile(rf"^(?:{UPPER_PLACE}\s*\|\s*)?{DAY_DATE}(?:\s+(?:{CLOCK})\s*|\s*\|\s*)")
# A byline run into the text, with its outlet: 'By Jane Doe, CNN Soldiers stand guard …', 'By Jane Doe, Reuters The …'
# (a name of two words or more: 'By Tuesday, Israel …' is prose).
LEAD_BYLINE = re.compile(
    r"^By\s+[A-Z][\w.'’\-]+(?:\s+[A-Z][\w.'’\-]+){1,3}(?:\s*(?:,|and)\s*[A-Z][\w.'’\-]+(?:\s+[A-Z][\w.'’\-]+){0,3})*"
    r"\s*,\s*(?:[A-Z]{2,6}|[A-Z][a-z]+)\s+(?=[A-Z])"
)

EDITORIAL = re.compile(
    r"^\(\s*(?:adds|updates?|updating|recasts|corrects?|refiles|changes|writes through|repeats|fixes|adding|"
    r"releases|removes|clarifies|inserts|rewrites|new throughout|advisory|embargoed)\b[^)]*\)"
    r"|\(\s*(?:additional\s+)?(?:reporting|writing|editing|compiled|edited|research)\s+by\b[^)]*\)?"
    r"|^(?:additional\s+)?(?:reporting|writing|editing|compiled|edited|research)\s+by\b"
    r"|\bcontributed (?:to )?(?:this )?(?:report|reporting|story|article)\b"
    r"|^(?:correction|clarification|editor['’]s note|update|updated|note to readers)\s*[:\-—]"
    r"|\ban earlier version of this (?:story|article|report)\b"
    r"|\bthis (?:story|article|report) has been (?:updated|corrected)\b"
    r"|\bclick here\b|\bto get the .{1,30}\bapp\b|\bstory continues below\b|\bcontinue reading\b"
    r"|\bfollow (?:him|her|them|us|the author)? ?on (?:twitter|x|facebook|instagram)\b|^(?:email|e-mail)\s*:"
    r"|\bcopyright \d{4}\b|\bmay not be (?:published|reproduced|broadcast|rewritten|redistributed)\b",
    re.IGNORECASE,
)

PHOTO_WORDS = re.compile(
    r"\b(?:photograph|photo(?:graph)?s?|pictures?|image|illustration|graphic|video|footage)\s*(?:credit)?\s*:\s*\S"
    r"|\((?:[A-Z]+\s+)?(?:photo|picture|image|pool)\b[^)]*\)"
    r"|\b(?:photo|picture|image)s?\s+(?:by|courtesy(?: of)?|credit)\b"
    r"|\bimage (?:caption|copyright|source)\b|\b(?:show|hide|expand|close) caption\b|\bcaption\s*:"
    r"|\bgetty images\b|\bvia getty\b|\b(?:ap|afp|reuters|epa|anadolu|sipa|pool) (?:photo|images?|pictures?)\b"
    r"|^file\s*(?:photo)?\s*[-—–:]\s|\bin this (?:\w+ )?(?:file )?(?:photo|image|picture)\b|\bfile photo\b"
    r"|\b\d+\s+of\s+\d+\b(?=\s*(?:$|[A-Z]))|^pictured\s*:",
    re.IGNORECASE,
)
# 'Name/Agency', 'Name/Agency/Getty Images', 'REUTERS/Name' before a capital or at the end.
PHOTO_SLASH = re.compile(
    r"(?:^|\s)[A-Z][\w.'’\-]+(?:\s[A-Z][\w.'’\-]+){0,2}\s?/\s?(?:[A-Z][A-Za-z.]+|[A-Z]{2,})"
    r"(?:\s[A-Z][A-Za-z.]+)?(?:\s?/\s?[A-Z][A-Za-z.]+(?: Images)?)?(?=\s+[A-Z]|\s*$)"
)
PHOTO_SLASH_OK = re.compile(r"\b(?:and|or|km|mph|per)\b/|/(?:and|or)\b|\d/\d")

TIMESTAMP = re.compile(
    rf"\b(?:updated|published|posted|last (?:updated|modified)|modified|first published)(?:\s+(?:at|on))?\s*:?\s*"
    rf"(?:{DAY_DATE}|{CLOCK})"
    rf"|{DAY_DATE}\s*(?:,|at|\|)?\s*(?:{CLOCK})"
    rf"|(?:{CLOCK})\s*(?:,|on|\|)?\s*{DAY_DATE}"
    rf"|\b\d+\s+(?:minutes?|mins?|hours?|hrs?|days?)\s+ago\b",
    re.IGNORECASE,
)
BYLINE = re.compile(
    # names and outlets in capitals whatever the flag says: 'By Friday, Hamas had agreed …' is prose
    r"^by\s+(?-i:[A-Z][\w.'’\-]+(?:\s+[A-Z][\w.'’\-]+){0,3}"
    r"(?:\s*(?:,|and|&)\s*[A-Z][\w.'’\-]+(?:\s+[A-Z][\w.'’\-]+){0,3})*"
    r"(?:\s*[,|]\s*[A-Z][\w.'’\-]*(?:[\s,]+[A-Z][\w.'’\-]*){0,4})?)\s*$"
    r"|^by\s+(?-i:[A-Z][A-Z.'’\-]+(?:\s+[A-Z][A-Z.'’\-]+){1,3})\b"
    r"|^[A-Z][\w.'’\-]+(?:\s+[A-Z][\w.'’\-]+){1,2}\s*[|,]\s*(?:[A-Z][\w.'’\-]+\s*){1,4}"
    r"(?:correspondent|reporter|editor|writer|staff|news|bureau|chief)\b[\w ,]*$"
    r"|\b(?:associated press|staff|special|senior|chief|foreign|political|diplomatic|security|science|health|"
    r"business|economics)\s+(?:writer|correspondent|reporter|editor)s?\s*$",
    re.IGNORECASE,
)
# A byline run into the text: 'Robert Peston Business editor, BBC News', 'Norman Smith BBC News channel chief political
# correspondent' (a name, then a desk and a job, with no verb: a label, never prose).
INLINE_BYLINE = re.compile(
    r"(?:\bBy\s+)?\b[A-Z][a-z]+(?:\s+[A-Z]\.)?\s+[A-Z][a-z'’\-]+\s+(?:(?:[A-Z]{2,5}|[A-Z][a-z]+)\s+){1,4}"
    r"(?:[a-z]+\s+){0,3}(?:editor|correspondent|reporter)\b(?:,\s*[A-Z]{2,5}\s+News(?:\s+channel)?)?"
)
QUESTION_START = re.compile(
    r"^(?:what|who|whom|whose|why|how|when|where|which|is|are|was|were|can|could|will|would|should|does|do|did|"
    r"has|have|had)\b",
    re.IGNORECASE,
)
BULLET = re.compile(r"^\s*(?:[•·●▪◦‣►▶■□◆◇»›✓✔✗→–—*+-]|\d{1,2}[.)]|\[\d+\])\s*")
NAVIGATION = re.compile(
    r"(?:\s\|\s.*){2,}|^(?:next|previous|prev|back|home|more|menu|share|tweet|email|print|"
    r"comments?|listen|watch|play|expand|close|top|skip)\b\W*$",
    re.IGNORECASE,
)
# A lowercase word followed by a determiner or pronoun that opens a sentence: 'efforts The World Health Organization
# says' — two pieces glued without a full stop (a caption or headline run into the lead).
GLUED = re.compile(
    r"(?<=[a-z])\s+(?:(?:A|An)\s+[A-Za-z]|(?:The|It|He|She|They|We|This|There|These|Those|Its|His|Her|Their)\s+[a-z])"
)
# A capitalised word between lowercase ones: a proper name, or the first word of a sentence run into a headline.
CAPITALISED_COMMON = re.compile(r"(?<=[a-z])\s+([A-Z][a-z]+)\s+(?=[a-z])")
MAX_HEADLINE_WORDS = 25
# A headline's kicker: one or two words and a colon before the headline proper ('Official:', 'Live updates:').
KICKER = re.compile(r"^\s*(?:[A-Z][\w'’\-]*\s+)?[A-Z][\w'’\-]*:\s")
# Words after which such a capital is no sentence start: a title ('author of A Journey') or a letter label
# ('type A influenza', 'hepatitis A').
NOT_GLUED_AFTER = frozenset(
    """of in on at to for from with by and or the a an about called named titled type vitamin hepatitis grade class
    category plan group size exhibit""".split()
)
# A date or stamp inside a sentence, with text before it: 'Headline Standfirst 30 August 2011 Last updated at 10:33'.
INNER_STAMP = re.compile(rf"(?<=[a-z])\s+(?:{DAY_DATE})\s+(?:last updated|updated|published|{CLOCK})", re.IGNORECASE)
STAMP_RUN = re.compile(
    rf"(?:{DAY_DATE})\s*[,|]?\s*(?:(?:page\s+)?(?:last\s+)?(?:updated|modified)|published|posted)?\s*(?:at\s*)?:?\s*"
    rf"(?:{CLOCK})(?:\s*,?\s*{DAY_DATE})?",
    re.IGNORECASE,
)
DIGIT = re.compile(r"\d")
TERMINAL = re.compile(r"[.!?…:;\"”’')\]]\s*$")


def _dateline_end(text: str) -> int:
    """Where a leading dateline ends (0 when there is none)."""
    stamp = STAMP_LEAD.match(text)
    offset = stamp.end() if stamp else 0
    for pattern in DATELINES:
        match = pattern.match(text, offset)
        if match:
            return match.end()
    return offset if offset and STAMP_LEAD.match(text) and offset < len(text) else 0


def strip_furniture(paragraph: str, common: Callable[[str], bool] | None = None) -> str:
    """A paragraph without its leading dateline, time stamp, photo credit or glued headline, and without
    editorial notes in brackets; '' when nothing of it is prose.

    ``common`` says whether a word is a common word in the article (written in lower case, never capitalised
    inside a sentence): a headline run into a lead that opens with one ('… oil spill Oil giant BP has …') is split
    there too."""
    text = paragraph.strip()
    text = re.sub(
        r"\(\s*(?:additional\s+)?(?:reporting|writing|editing|compiled|edited)\s+by\b[^)]*\)",
        " ",
        text,
        flags=re.IGNORECASE,
    )
    text = INLINE_BYLINE.sub(" ", text)
    text = re.sub(
        r"^\(\s*(?:adds|updates?|recasts|corrects?|refiles|changes|writes through|repeats|fixes)\b[^)]*\)\s*",
        "",
        text,
        flags=re.IGNORECASE,
    )
    for _ in range(3):  # stamp, then a credit, then a dateline, in any order
        before = text
        end = _dateline_end(text)
        if end:
            text = text[end:].lstrip()
        text = _strip_leading_credit(text)
        text = LEAD_BYLINE.sub("", text, count=1)
        text = _split_glued_stamp(text)
        text = _split_glued_dateline(text)
        text = _drop_glued_captions(text)
        if common is not None:
            text = _split_glued_lead(text, common)
        if text == before:
            break
    return re.sub(r"\s{2,}", " ", text).strip()


def _strip_leading_credit(text: str) -> str:
    """'Photograph: Name/Agency The death toll …', 'Name/Agency/Getty Images The death toll …' -> 'The death toll …'."""
    match = re.match(
        r"^(?:(?:photograph|photo|picture|image)\s*:\s*)?[A-Z][\w.'’\-]+(?:\s[A-Z][\w.'’\-]+){0,2}\s?/\s?"
        r"[A-Z][A-Za-z.]+(?:\s?/\s?[A-Z][A-Za-z.]+(?: Images)?)?\s+(?=[A-Z])",
        text,
        re.IGNORECASE,
    )
    if match and not PHOTO_SLASH_OK.search(match.group()):
        return text[match.end() :]
    match = re.match(
        r"^(?:photograph|photo|picture|image)\s*:\s*(?:[A-Z][\w.'’\-]+\s?){1,4}(?:/[\w. ]+?)?(?=\s+[A-Z][a-z])",
        text,
        re.IGNORECASE,
    )
    return text[match.end() :].lstrip() if match else text


def _split_glued_stamp(text: str) -> str:
    """A headline or standfirst run into a date stamp and then the lead: keep the lead."""
    match = INNER_STAMP.search(text)
    if match is None or TERMINAL.search(text[: match.start()]):
        return text
    rest = text[match.start() :]
    stamp = STAMP_RUN.match(rest.lstrip())
    if stamp is None:
        return text
    return rest.lstrip()[stamp.end() :].lstrip(" ,|-—–")


def _split_glued_dateline(text: str) -> str:
    """'Headline Highlight Caption LONDON (Reuters) - The lead' -> 'The lead': a dateline opens the story, so what
    comes before it in its paragraph (headline, highlights, caption, byline) is not the story's prose."""
    match = INNER_DATELINE.search(text)
    if match is None or match.start() == 0 or len(text[: match.start()].split()) > MAX_BEFORE_DATELINE:
        return text
    return text[match.end() :].lstrip()


def _glued(text: str) -> list[re.Match[str]]:
    """Where a sentence-opening word follows a lowercase word with no full stop between them."""
    return [m for m in GLUED.finditer(text) if text[: m.start()].rsplit(None, 1)[-1].casefold() not in NOT_GLUED_AFTER]


def _split_glued_lead(text: str, common: Callable[[str], bool]) -> str:
    """A headline with no full stop run into a lead that opens with a capitalised common word: the lead."""
    for match in CAPITALISED_COMMON.finditer(text):
        head = text[: match.start()]
        # A kicker's colon ('Official: …', 'Analysis: …') is part of a headline; any later stop ends the search.
        if len(head.split()) > MAX_HEADLINE_WORDS or re.search(r"[.!?;:]\s|[.!?]$", KICKER.sub("", head)):
            return text
        if head.rsplit(None, 1)[-1].casefold() not in NOT_GLUED_AFTER and common(match.group(1).casefold()):
            return text[match.start() :].lstrip()
    return text


def _drop_glued_captions(text: str) -> str:
    """'… said. Mexico has ramped up its efforts The virus has killed …': a caption or headline run without a full
    stop into the next sentence is cut out (up to the last full stop before it, at most 30 words)."""
    position = 0
    while found := [m for m in _glued(text) if m.start() >= position]:
        match = found[0]
        head = text[: match.start()]
        stop = max(head.rfind(". "), head.rfind("? "), head.rfind("! "), head.rfind('." '), head.rfind(".” "))
        start = stop + 2 if stop >= 0 else 0
        if len(head[start:].split()) <= 30:
            text = text[:start] + text[match.start() :].lstrip()
            position = start + 1
        else:
            position = match.end()
    return text.strip()


def furniture_class(sentence: str) -> str | None:
    """The furniture class of a sentence that is not prose of the story, or None for prose."""
    text = sentence.strip()
    if not text:
        return None
    if _dateline_end(text) or INNER_DATELINE.search(text):
        return "dateline"
    if EDITORIAL.search(text):
        return "editorial-note"
    # Every timestamp and stamp pattern needs a digit: most sentences are spared running them.
    digits = DIGIT.search(text) is not None
    if digits and TIMESTAMP.search(text):
        return "timestamp"
    if BYLINE.search(text) or INLINE_BYLINE.search(text):
        return "byline"
    if _is_photo_credit(text):
        return "photo-credit"
    if BULLET.match(text) or NAVIGATION.search(text) or (len(text.split()) < 4 and not TERMINAL.search(text)):
        return "list-debris"
    if _is_question_heading(text):
        return "question-heading"
    if _glued(text) or (digits and INNER_STAMP.search(text)):
        return "glued-headline"
    return None


def _is_photo_credit(text: str) -> bool:
    if PHOTO_WORDS.search(text):
        return True
    match = PHOTO_SLASH.search(text)
    return match is not None and not PHOTO_SLASH_OK.search(match.group())


def _is_question_heading(text: str) -> bool:
    """An unquoted question: a sub-heading or a rhetorical lead-in, never a development."""
    if not text.rstrip("\"”’' ").endswith("?"):
        return False
    return not re.search(r"[\"“”]", text) and (QUESTION_START.match(text) is not None or len(text.split()) <= 12)
