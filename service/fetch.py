"""Fetching URLs safely: timeout, size cap, content-type check, no requests to private addresses."""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

USER_AGENT = "briefbot/0.1 (+https://github.com/briefbot)"
MAX_REDIRECTS = 5


class FetchError(Exception):
    """A URL that could not be fetched; the message is the one-line reason shown to the user."""


@dataclass(frozen=True)
class FetchPolicy:
    """Limits for outgoing requests."""

    timeout: float = 10.0
    max_bytes: int = 5_000_000
    allow_private: bool = False


@dataclass
class FetchBudget:
    """What one feed poll may still spend on completing teaser entries: pages and seconds."""

    pages: int = 20
    seconds: float = 60.0
    started: float = 0.0

    def __post_init__(self) -> None:
        self.started = self.started or time.monotonic()

    def spend(self) -> bool:
        """Take one page from the budget; False when it is spent (pages or time)."""
        if self.pages <= 0 or time.monotonic() - self.started > self.seconds:
            return False
        self.pages -= 1
        return True


@dataclass(frozen=True)
class Response:
    """A fetched body with the headers ingestion cares about."""

    url: str
    status: int
    content_type: str
    body: bytes
    etag: str | None
    last_modified: str | None


def check_address(url: str, policy: FetchPolicy) -> str:
    """Resolve a URL's host once and vet every address; return the address to connect to.

    Refuses non-HTTP schemes and, unless the policy allows private addresses, any host with an address that is
    not globally routable. The caller connects to the returned address, never resolving the name again (a name
    that answers with a public address first and 127.0.0.1 next cannot get past the check).
    """
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"}:
        raise FetchError(f"only http and https URLs are supported, not {parts.scheme or 'a bare path'!r}")
    if not parts.hostname:
        raise FetchError("URL has no host")
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80),
                                   type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError):
        raise FetchError(f"cannot resolve host {parts.hostname!r}") from None
    if not infos:
        raise FetchError(f"cannot resolve host {parts.hostname!r}")
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not policy.allow_private:
        for address in addresses:
            if not is_public(address):
                raise FetchError(
                    f"refusing to fetch {parts.hostname!r}: it resolves to a private address ({address})"
                )
    return str(addresses[0])


class _PinnedBackend(httpcore.SyncBackend):
    """Connects each host to the address vetted for it, and to nothing else (TLS still names the host)."""

    def __init__(self) -> None:
        self.pins: dict[str, str] = {}

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        address = self.pins.get(host.decode() if isinstance(host, bytes) else host)
        if address is None:
            raise httpcore.ConnectError(f"host {host!r} was not vetted")
        return super().connect_tcp(address, port, timeout, local_address, socket_options)


def _pinned_transport(backend: _PinnedBackend) -> httpx.HTTPTransport:
    transport = httpx.HTTPTransport()
    transport._pool = httpcore.ConnectionPool(ssl_context=httpx.create_ssl_context(), network_backend=backend)
    return transport


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Only globally routable addresses: not private, loopback, link-local, carrier-grade NAT (100.64.0.0/10) or any
    other special range, including IPv4 addresses embedded in IPv6 (mapped, 6to4, Teredo)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = [address.ipv4_mapped, address.sixtofour, address.teredo[1] if address.teredo else None]
        if any(e is not None and not is_public(e) for e in embedded):
            return False
    return address.is_global and not address.is_multicast


def fetch(
    url: str,
    policy: FetchPolicy,
    accept: tuple[str, ...] = ("text/html", "application/xhtml+xml"),
    etag: str | None = None,
    last_modified: str | None = None,
) -> Response:
    """GET a URL within the policy's limits; conditional when validators are given (304 gives an empty body)."""
    headers = {"User-Agent": USER_AGENT}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    current = url
    backend = _PinnedBackend()
    # One deadline for the whole fetch, redirects and every byte included: a server trickling a byte a second
    # is cut off after ``timeout`` seconds, not kept going read by read.
    deadline = time.monotonic() + policy.timeout
    with httpx.Client(timeout=policy.timeout, follow_redirects=False, transport=_pinned_transport(backend)) as client:
        for _ in range(MAX_REDIRECTS + 1):
            host = urlsplit(current).hostname
            backend.pins[host or ""] = check_address(current, policy)
            try:
                with client.stream("GET", current, headers=headers) as response:
                    if response.is_redirect and response.headers.get("location"):
                        current = urljoin(current, response.headers["location"])
                        continue
                    if response.status_code == 304:
                        return Response(current, 304, "", b"", etag, last_modified)
                    if response.status_code >= 400:
                        raise FetchError(f"HTTP {response.status_code} {response.reason_phrase}".strip())
                    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
                    if accept and content_type and not any(content_type == a for a in accept):
                        raise FetchError(f"unsupported content type {content_type!r}")
                    declared = response.headers.get("content-length")
                    if declared and declared.isdigit() and int(declared) > policy.max_bytes:
                        raise FetchError(f"response too large ({int(declared):,} bytes > {policy.max_bytes:,})")
                    body = bytearray()
                    for chunk in response.iter_bytes():
                        body.extend(chunk)
                        if len(body) > policy.max_bytes:
                            raise FetchError(f"response too large (over {policy.max_bytes:,} bytes)")
                        if time.monotonic() > deadline:
                            raise FetchError(f"timed out after {policy.timeout:g} s")
                    return Response(
                        current, response.status_code, content_type, bytes(body),
                        response.headers.get("etag"), response.headers.get("last-modified"),
                    )
            except httpx.TimeoutException:
                raise FetchError(f"timed out after {policy.timeout:g} s") from None
            except httpx.HTTPError as exc:
                raise FetchError(f"connection failed: {exc.__class__.__name__}") from None
    raise FetchError(f"too many redirects (more than {MAX_REDIRECTS})")
