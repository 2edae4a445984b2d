"""What every source of articles yields: raw articles or one-line failures, and the helpers files and the web share."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

import trafilatura

MAX_ARTICLE_CHARS = 500_000


@dataclass
class RawArticle:
    """An article as found, before cleaning and NLP."""

    text: str
    origin: str
    title: str = ""
    url: str | None = None
    published: str | None = None
    source: str | None = None
    is_html: bool = False


@dataclass
class Failure:
    """An item that could not be read, with a one-line reason."""

    origin: str
    reason: str


def canonical_url(url: str | None) -> str | None:
    """Lower-case scheme and host, no fragment, no tracking parameters, no trailing slash."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    query = "&".join(
        p for p in parts.query.split("&") if p and not re.match(r"(utm_[a-z]+|fbclid|gclid|ref)=", p, re.I)
    )
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, query, ""))


def iso_date(value: object) -> str | None:
    """An ISO date (YYYY-MM-DD or full timestamp) from a string, or None when it is not a date."""
    if not value:
        return None
    text = str(value).strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if len(text) <= 10:
        return parsed.date().isoformat()
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC)
    return parsed.replace(tzinfo=None).isoformat(timespec="seconds")


def decode_text(data: bytes, origin: str) -> str | Failure:
    """UTF-8 (or BOM-marked UTF-16) text from bytes, or a failure for empty, binary or undecodable input."""
    if not data.strip():
        return Failure(origin, "empty file")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        # UTF-16 with a byte-order mark (what some Windows editors save): text, not binary.
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return Failure(origin, "not valid UTF-16 text despite its byte-order mark")
    if b"\x00" in data[:8192]:
        return Failure(origin, "binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return Failure(origin, f"not UTF-8 text (invalid byte 0x{data[exc.start]:02x} at offset {exc.start})")


def html_article(html: str, origin: str, url: str | None = None) -> RawArticle | Failure:
    """The main text and metadata of an HTML page, via trafilatura."""
    try:
        doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False)
    except Exception as exc:  # trafilatura raises assorted parser errors on hostile HTML
        return Failure(origin, f"could not parse HTML ({exc.__class__.__name__})")
    text = getattr(doc, "text", None) if doc is not None else None
    if not text or len(text.split()) < 20:
        return Failure(origin, "no article text found in the HTML")
    return RawArticle(
        text=text,
        origin=origin,
        title=getattr(doc, "title", None) or "",
        url=url,
        published=iso_date(getattr(doc, "date", None)),
        source=getattr(doc, "sitename", None) or None,
    )
