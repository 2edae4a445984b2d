"""Reading the web: a page or a feed (RSS, Atom, JSON Feed) fetched safely, teasers completed from their pages."""

from __future__ import annotations

import calendar
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

import feedparser

from service.sources.fetch import FetchBudget, FetchError, FetchPolicy, fetch
from service.sources.raw import Failure, RawArticle, html_article, iso_date

FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/xml",
    "text/xml",
    "application/rdf+xml",
    "application/feed+json",
    "application/json",
)
PAGE_TYPES = ("text/html", "application/xhtml+xml")
# A feed entry shorter than this is a teaser: fetch the linked page for the full text.
TEASER_CHARS = 400


@dataclass
class FeedResult:
    """A fetched feed: its entries plus the validators for the next conditional request."""

    items: list[RawArticle | Failure] = field(default_factory=list)
    title: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False


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


def _entry_date(entry: feedparser.FeedParserDict) -> str | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            return (
                datetime.fromtimestamp(calendar.timegm(value), UTC).replace(tzinfo=None).isoformat(timespec="seconds")
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
                    text=content,
                    origin=entry.get("link") or url,
                    title=entry.get("title", ""),
                    url=entry.get("link"),
                    published=_entry_date(entry),
                    source=outlet,
                ),
                policy,
                budget,
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
        wrong = [
            k
            for k in ("content_text", "content_html", "summary", "url", "title", "date_published")
            if item.get(k) is not None and not isinstance(item.get(k), str)
        ]
        if wrong:
            # One item's bad field is that item's failure; the feed's other items are kept.
            result.items.append(
                Failure(
                    f"{url} item {number}", f"field {wrong[0]!r} must be a string, not {type(item[wrong[0]]).__name__}"
                )
            )
            continue
        text = item.get("content_text") or _html_to_text(item.get("content_html") or item.get("summary") or "")
        result.items.append(
            _complete_entry(
                RawArticle(
                    text=text,
                    origin=item.get("url") or url,
                    title=item.get("title") or "",
                    url=item.get("url"),
                    published=iso_date(item.get("date_published")),
                    source=result.title or urlsplit(url).hostname,
                ),
                policy,
                budget,
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
