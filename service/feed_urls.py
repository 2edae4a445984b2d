"""Feed URLs before the store adds them: one spelling per feed, and every host vetted on the network threads."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from service.limits import MAX_FEEDS, FetchPolicy
from service.sources.fetch import FetchError, check_address

# Hosts vetted at the same time when a subscription list is imported.
CHECKS_AT_ONCE = 8


class FeedURLError(ValueError):
    """A feed URL that cannot be added; the message is the one-line reason."""


@dataclass
class CheckedFeeds:
    """Feed URLs after the network checks: the ones to add (normalised, each once) and the ones refused."""

    urls: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)  # a subscription list's title for a URL, when it gave one


def normalise_feed_url(url: str) -> str:
    """One spelling per feed: scheme and host lower-case, default port, fragment and a trailing slash dropped
    (``…/rss``, ``…/rss/`` and ``…/rss#top`` are one feed)."""
    url = (url or "").strip()
    if not re.match(r"^https?://\S+$", url, flags=re.I):
        raise FeedURLError("A feed is an http(s) URL, for example https://example.com/rss.xml.")
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise FeedURLError("That URL has an invalid port.") from None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if not host:
        raise FeedURLError("That URL has no host.")
    if ":" in host:
        host = f"[{host}]"
    userinfo = parts.netloc.rpartition("@")[0]
    default = {"http": 80, "https": 443}[scheme]
    netloc = (userinfo + "@" if userinfo else "") + host + (f":{port}" if port and port != default else "")
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((scheme, netloc, path, parts.query, ""))


def check_feed_urls(urls: list[str], policy: FetchPolicy, titles: list[str] | None = None) -> CheckedFeeds:
    """Normalise, de-duplicate and vet (resolve and check the address of) each URL, several hosts at a time; no
    more than the store could hold. ``titles`` (one per URL, from a subscription list) are kept for the store.
    Network only: runs on a fetch thread, never the database's."""
    checked = CheckedFeeds()
    candidates: list[str] = []
    for url, title in zip(urls, titles or [""] * len(urls)):
        try:
            normal = normalise_feed_url(url)
        except FeedURLError as exc:
            checked.refused.append((url, str(exc)))
            continue
        if normal not in candidates:
            candidates.append(normal)
            if title:
                checked.titles[normal] = title
    over = candidates[MAX_FEEDS:]
    candidates = candidates[:MAX_FEEDS]
    with ThreadPoolExecutor(CHECKS_AT_ONCE, thread_name_prefix="briefbot-check") as pool:
        errors = list(pool.map(lambda u: _vet(u, policy), candidates))
    for url, error in zip(candidates, errors):
        if error is None:
            checked.urls.append(url)
        else:
            checked.refused.append((url, error))
    checked.refused += [(url, too_many()) for url in over]
    return checked


def _vet(url: str, policy: FetchPolicy) -> str | None:
    try:
        # The same check /ingest makes: a private or metadata address is refused now, not on every poll.
        check_address(url, policy)
    except FetchError as exc:
        return str(exc)
    return None


def too_many() -> str:
    """Why a feed beyond the cap is refused."""
    return f"the store polls at most {MAX_FEEDS} feeds"
