"""What Telegram accepts as HTML (parse_mode=HTML): a checker the Bot API double and the tests apply to every reply."""

from __future__ import annotations

import re

ALLOWED = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "span",
    "blockquote",
    "tg-emoji",
}
TAG = re.compile(r'<(/?)([a-z][a-z-]*)((?:\s+[a-z-]+(?:="[^"<>]*")?)*)\s*>')
ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")


def html_problems(text: str) -> list[str]:
    """Why Telegram would refuse ``text`` as HTML: unknown or unbalanced tags, a bare '<', '>' or '&', a link
    without an href. Empty when it is valid."""
    problems: list[str] = []
    stack: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "<":
            match = TAG.match(text, i)
            if not match:
                problems.append(f"bare '<' at {i}: {text[i : i + 20]!r}")
                i += 1
                continue
            closing, name, attributes = match.group(1), match.group(2), match.group(3)
            if name not in ALLOWED:
                problems.append(f"unsupported tag <{name}> at {i}")
            elif closing:
                if not stack or stack[-1] != name:
                    problems.append(f"unbalanced </{name}> at {i} (open: {stack})")
                else:
                    stack.pop()
            else:
                if name == "a" and not re.search(r'\shref="[^"]+"', attributes):
                    problems.append(f"<a> without href at {i}")
                stack.append(name)
            i = match.end()
        elif char == "&":
            match = ENTITY.match(text, i)
            if not match:
                problems.append(f"bare '&' at {i}: {text[i : i + 12]!r}")
                i += 1
            else:
                i = match.end()
        elif char == ">":
            problems.append(f"bare '>' at {i}")
            i += 1
        else:
            i += 1
    if stack:
        problems.append(f"unclosed tags: {stack}")
    return problems


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts a message."""
    return len(text.encode("utf-16-le")) // 2
