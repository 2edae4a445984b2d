"""Reading what users give us (files, folders, JSONL, web pages, feeds) into raw articles or clear failures."""

from __future__ import annotations

import calendar
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import feedparser
import trafilatura

from service.fetch import FetchBudget, FetchError, FetchPolicy, fetch
from summarizer.text import strip_markdown

TEXT_SUFFIXES = {".txt", ".text", ""}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
SUPPORTED = TEXT_SUFFIXES | MARKDOWN_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES
MAX_FILE_BYTES = 5_000_000
MAX_ARTICLE_CHARS = 500_000
# A JSONL line holds one article and its fields: memory stays bounded whatever a file holds.
MAX_JSONL_LINE = 4_000_000
FEED_TYPES = (
    "application/rss+xml", "application/atom+xml", "application/xml", "text/xml", "application/rdf+xml",
    "application/feed+json", "application/json",
)
PAGE_TYPES = ("text/html", "application/xhtml+xml")
# A feed entry shorter than this is a teaser: fetch the linked page for the full text.
TEASER_CHARS = 400


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


@dataclass
class FeedResult:
    """A fetched feed: its entries plus the validators for the next conditional request."""

    items: list[RawArticle | Failure] = field(default_factory=list)
    title: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False


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
        parsed = parsed.astimezone(timezone.utc)
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
        text=text, origin=origin, title=getattr(doc, "title", None) or "", url=url,
        published=iso_date(getattr(doc, "date", None)), source=getattr(doc, "sitename", None) or None,
    )


def _manifest(folder: Path) -> dict[str, dict]:
    path = folder / "manifest.json"
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, dict)}


def read_path(path: Path) -> Iterator[RawArticle | Failure]:
    """Articles from a file or (recursively) a folder; a folder's manifest.json gives dates and outlets."""
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED and p.name != "manifest.json")
        if not files:
            yield Failure(str(path), "folder has no .txt, .md, .html or .jsonl files")
        for file in files:
            yield from read_file(file, _manifest(file.parent).get(file.name, {}))
    elif path.is_file():
        yield from read_file(path, _manifest(path.parent).get(path.name, {}))
    else:
        yield Failure(str(path), "no such file or folder")


def read_file(path: Path, meta: dict | None = None) -> Iterator[RawArticle | Failure]:
    """Articles from one file: text, Markdown, HTML, or JSONL (one article per line)."""
    meta = meta or {}
    origin = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        yield Failure(origin, f"unsupported file type {suffix!r} (use .txt, .md, .html or .jsonl)")
        return
    size = path.stat().st_size
    if suffix not in JSONL_SUFFIXES and size > MAX_FILE_BYTES:
        yield Failure(origin, f"file too large ({size / 1e6:.1f} MB; the limit is {MAX_FILE_BYTES / 1e6:.0f} MB)")
        return
    if suffix in JSONL_SUFFIXES:
        yield from read_jsonl(path)
        return
    text = decode_text(path.read_bytes(), origin)
    if isinstance(text, Failure):
        yield text
        return
    if suffix in HTML_SUFFIXES:
        item = html_article(text, origin, meta.get("url"))
    else:
        item = RawArticle(text=strip_markdown(text) if suffix in MARKDOWN_SUFFIXES else text, origin=origin)
    if isinstance(item, RawArticle):
        item.title = meta.get("title") or item.title
        item.published = iso_date(meta.get("published")) or item.published
        item.source = meta.get("source") or item.source
        item.url = meta.get("url") or item.url
    yield item


def _lines(handle, limit: int) -> Iterator[bytes | None]:
    """The file's lines, reading at most ``limit`` bytes of any line: a longer line gives None and is skipped."""
    while True:
        line = handle.readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith(b"\n"):
            while True:  # skip the rest of the line in bounded pieces
                rest = handle.readline(1 << 20)
                if not rest or rest.endswith(b"\n"):
                    break
            yield None
            continue
        yield line


def read_jsonl(path: Path) -> Iterator[RawArticle | Failure]:
    """One article per JSON line: title, text (or body/content), url, published (or date), source."""
    with path.open("rb") as handle:
        for number, line in enumerate(_lines(handle, MAX_JSONL_LINE), 1):
            origin = f"{path}:{number}"
            if line is None:
                yield Failure(origin, f"line too long (over {MAX_JSONL_LINE:,} bytes)")
                continue
            if not line.strip():
                continue
            text = decode_text(line, origin)
            if isinstance(text, Failure):
                yield text
                continue
            try:
                obj = json.loads(text)
            except ValueError:
                yield Failure(origin, "not valid JSON")
                continue
            if not isinstance(obj, dict):
                yield Failure(origin, "expected a JSON object with a 'text' field")
                continue
            body = obj.get("text") or obj.get("body") or obj.get("content") or obj.get("document")
            if not isinstance(body, str) or not body.strip():
                yield Failure(origin, "no 'text' field")
                continue
            wrong = [k for k in ("title", "url", "source", "published", "date")
                     if obj.get(k) is not None and not isinstance(obj.get(k), str)]
            if wrong:
                # One line's bad field is that line's failure, never the batch's.
                yield Failure(origin, f"field {wrong[0]!r} must be a string, not {type(obj[wrong[0]]).__name__}")
                continue
            yield RawArticle(
                text=body, origin=origin, title=obj.get("title") or "", url=obj.get("url") or None,
                published=iso_date(obj.get("published") or obj.get("date")), source=obj.get("source") or None,
            )


def read_url(url: str, policy: FetchPolicy) -> Iterator[RawArticle | Failure]:
    """A web page's article, or every entry of a feed."""
    try:
        response = fetch(url, policy, accept=PAGE_TYPES + FEED_TYPES)
    except FetchError as exc:
        yield Failure(url, str(exc))
        return
    if response.content_type in FEED_TYPES or response.body.lstrip()[:5] in (b"<?xml", b"<rss ", b"<feed"):
        yield from parse_feed(response.body, url, policy).items
        return
    html = response.body.decode("utf-8", errors="replace")
    yield html_article(html, url, response.url)


def _entry_date(entry) -> str | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            return datetime.fromtimestamp(calendar.timegm(value), timezone.utc).replace(tzinfo=None).isoformat(
                timespec="seconds"
            )
    return None


def _html_to_text(html: str) -> str:
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S | re.I)
    text = re.sub(r"<(br|/p|/div|/h\d|/li)\b[^>]*>", "\n", text, flags=re.I)
    text = re.sub(r"<[^>]+>", " ", text)
    import html as html_module

    return html_module.unescape(text)


def parse_feed(body: bytes, url: str, policy: FetchPolicy, budget: FetchBudget | None = None) -> FeedResult:
    """Entries of an RSS, Atom or JSON Feed document; teaser entries are completed from their pages, within
    ``budget`` (a few pages and seconds per poll: a feed of a hundred teasers is not a hundred slow fetches)."""
    budget = budget or FetchBudget()
    result = FeedResult()
    stripped = body.lstrip()
    if stripped[:1] == b"{":
        return _json_feed(stripped, url, policy, budget)
    parsed = feedparser.parse(body)
    usable = [e for e in parsed.entries if e.get("link") or e.get("summary") or e.get("content")]
    if parsed.bozo and not usable:
        result.items.append(Failure(url, "not a valid RSS or Atom feed (the XML does not parse)"))
        return result
    result.title = parsed.feed.get("title")
    outlet = result.title or urlsplit(url).hostname
    for entry in parsed.entries:
        content = ""
        if entry.get("content"):
            content = _html_to_text(entry.content[0].get("value", ""))
        if len(content) < TEASER_CHARS:
            content = max(content, _html_to_text(entry.get("summary", "")), key=len)
        result.items.append(
            _complete_entry(
                RawArticle(
                    text=content, origin=entry.get("link") or url, title=entry.get("title", ""),
                    url=entry.get("link"), published=_entry_date(entry), source=outlet,
                ),
                policy, budget,
            )
        )
    return result


def _json_feed(body: bytes, url: str, policy: FetchPolicy, budget: FetchBudget) -> FeedResult:
    result = FeedResult()
    try:
        data = json.loads(body)
    except ValueError:
        result.items.append(Failure(url, "not a valid JSON Feed (the JSON does not parse)"))
        return result
    if not isinstance(data, dict) or "jsonfeed.org" not in str(data.get("version", "")):
        result.items.append(Failure(url, "JSON document is not a JSON Feed"))
        return result
    result.title = data.get("title") if isinstance(data.get("title"), str) else None
    items = data.get("items")
    if not isinstance(items, list):
        result.items.append(Failure(url, "JSON Feed has no 'items' list"))
        return result
    for number, item in enumerate(items, 1):
        if not isinstance(item, dict):
            result.items.append(Failure(f"{url} item {number}", "feed item is not a JSON object"))
            continue
        wrong = [k for k in ("content_text", "content_html", "summary", "url", "title", "date_published")
                 if item.get(k) is not None and not isinstance(item.get(k), str)]
        if wrong:
            # One item's bad field is that item's failure; the feed's other items are kept.
            result.items.append(Failure(f"{url} item {number}",
                                        f"field {wrong[0]!r} must be a string, not {type(item[wrong[0]]).__name__}"))
            continue
        text = item.get("content_text") or _html_to_text(item.get("content_html") or item.get("summary") or "")
        result.items.append(
            _complete_entry(
                RawArticle(
                    text=text, origin=item.get("url") or url, title=item.get("title") or "", url=item.get("url"),
                    published=iso_date(item.get("date_published")), source=result.title or urlsplit(url).hostname,
                ),
                policy, budget,
            )
        )
    return result


def _complete_entry(item: RawArticle, policy: FetchPolicy, budget: FetchBudget) -> RawArticle | Failure:
    if len(item.text) >= TEASER_CHARS or not item.url:
        return item if item.text.strip() else Failure(item.origin, "feed entry has no text and no link")
    if not budget.spend():
        if item.text.strip():
            return item
        return Failure(item.origin, "page not fetched: this poll's limit of pages or time was reached")
    try:
        response = fetch(item.url, policy, accept=PAGE_TYPES)
    except FetchError as exc:
        if item.text.strip():
            return item
        return Failure(item.origin, str(exc))
    page = html_article(response.body.decode("utf-8", errors="replace"), item.origin, item.url)
    if isinstance(page, Failure):
        return item if item.text.strip() else page
    page.title = item.title or page.title
    page.published = item.published or page.published
    page.source = item.source or page.source
    return page
