"""Short verbatim clauses: what a newly named person did, cut from the sentence that names them."""

from __future__ import annotations

import re
from functools import lru_cache

MAX_CLAUSE_WORDS = 10
MIN_CLAUSE_WORDS = 4  # "said he had" says nothing
STOP = re.compile(r"[,;:—–()\"“”?!]|(?<![A-Z])\.(?:\s|$)")  # 'U.S.' does not end a clause
NOT_A_VERB = frozenset(
    """and or of in on at to for with from by as the a an 's ’s who whose which that last this next earlier later
    since after before during when while yesterday today tomorrow why how what where whom whether""".split()
)


@lru_cache(maxsize=1 << 15)  # a digest wave asks it of the same sentences for every chat state
def what_they_did(sentence: str, name: str, limit: int = MAX_CLAUSE_WORDS, subject_only: bool = False) -> str | None:
    """The words after ``name`` when it is the subject of its clause ('Amos Hochstein held talks with Lebanese
    officials in Beirut …'), skipping an apposition ('Saar, the foreign minister, said …'). When the name is not a
    subject: the short clause that names them, unless ``subject_only``; None for a question or too few words. Cut
    at the clause's end or at ``limit`` words (then marked with '…')."""
    at = sentence.find(name)
    if at < 0 or sentence.rstrip("\"”’' ").endswith("?"):
        return None  # a question says nothing anyone did
    rest = sentence[at + len(name) :]
    if rest.startswith(","):
        close = rest.find(",", 1)
        if close < 0 or len(rest[1:close].split()) > 14:
            return None
        rest = rest[close + 1 :]
    rest = rest.strip()
    stop = STOP.search(rest)
    clause = rest[: stop.start()] if stop else rest
    words = clause.split()
    if not words or not words[0][:1].islower() or words[0].casefold() in NOT_A_VERB:
        return None if subject_only else _clause_naming(sentence, at, at + len(name), limit)
    if len(words) < MIN_CLAUSE_WORDS:
        return None  # the subject of a clause too short to say what they did
    if len(words) > limit:
        kept = words[:limit]
        while len(kept) > 2 and kept[-1].casefold() in NOT_A_VERB:
            kept.pop()  # never end on 'with the'
        return " ".join(kept).rstrip(",;") + " …"
    return " ".join(words).rstrip(".")


def _clause_naming(sentence: str, start: int, end: int, limit: int) -> str | None:
    """The whole clause that names someone who is not its subject ('Blinken spoke in Rome after meeting Israeli
    Foreign Minister Gideon Saar'), when it is short enough to quote."""
    before = [m.end() for m in STOP.finditer(sentence, 0, start)]
    after = STOP.search(sentence, end)
    clause = sentence[(before[-1] if before else 0) : (after.start() if after else len(sentence))].strip()
    words = clause.split()
    if len(words) < 4 or len(words) > limit + 4 or sum(w[:1].islower() for w in words) < 3:
        return None  # too short, too long, or a list of names rather than something done
    return clause.rstrip(".")
