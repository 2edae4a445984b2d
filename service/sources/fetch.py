"""Fetching URLs safely: timeout, size cap, content-type check, no requests to private addresses."""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import h11
import httpcore
import httpx
import idna

from service.limits import FetchPolicy

USER_AGENT = "briefbot/0.1 (+https://github.com/briefbot)"
MAX_REDIRECTS = 5


class FetchError(Exception):
    """A URL that could not be fetched; the message is the one-line reason shown to the user."""


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


def check_address(url: str, policy: FetchPolicy, deadline: Deadline | None = None) -> str:
    """Resolve a URL's host once and vet every address; return the address to connect to.

    Refuses non-HTTP schemes and, unless the policy allows private addresses, any host with an address that is
    not globally routable. The caller connects to the returned address, never resolving the name again (a name
    that answers with a public address first and 127.0.0.1 next cannot get past the check). The look-up itself
    counts against the fetch's deadline: a resolver that never answers is a timeout, not a hung thread.
    """
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"}:
        raise FetchError(f"only http and https URLs are supported, not {parts.scheme or 'a bare path'!r}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        raise FetchError("URL has an invalid port") from None
    if not host:
        raise FetchError("URL has no host")
    try:
        ascii_host = ascii_hostname(host)
    except UnicodeError:
        raise FetchError(f"cannot resolve host {host!r} (not a valid domain name)") from None
    own = deadline is None  # a check on its own (adding a feed) times its look-up, then stops its timer
    deadline = deadline or Deadline(policy.timeout)
    try:
        infos = deadline.resolve(ascii_host, port or (443 if parts.scheme == "https" else 80))
    finally:
        if own:
            deadline.close()
    if not infos:
        raise FetchError(f"cannot resolve host {host!r}")
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not policy.allow_private:
        for address in addresses:
            if not is_public(address):
                raise FetchError(f"refusing to fetch {host!r}: it resolves to a private address ({address})")
    return str(addresses[0])


def ascii_hostname(host: str) -> str:
    """The name a resolver and a Host header use: an internationalised domain in its ``xn--`` form (IDNA 2008,
    UTS 46 mapping, as browsers do); an ASCII name or an address unchanged."""
    if host.isascii():
        return host.lower()
    return idna.encode(host, uts46=True).decode("ascii")


def ascii_url(url: str) -> str:
    """The URL with its host in ASCII (``xn--`` form), so the request, the pin and the Host header agree."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if host.isascii():
        return url
    netloc = parts.netloc
    userinfo, _, _hostport = netloc.rpartition("@")
    port = f":{parts.port}" if parts.port else ""
    ascii_netloc = (userinfo + "@" if userinfo else "") + ascii_hostname(host) + port
    return urlunsplit((parts.scheme, ascii_netloc, parts.path, parts.query, parts.fragment))


_resolvers = ThreadPoolExecutor(max_workers=8, thread_name_prefix="briefbot-dns")


class Deadline:
    """One deadline for a whole fetch: name look-up, connect, TLS, every redirect hop, headers, interim (1xx)
    responses and body. When it passes, every connection the fetch opened is shut down, which ends any read in
    progress: a server that trickles headers a byte at a time, or sends ``102 Processing`` forever, is cut off."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends = time.monotonic() + seconds
        self.expired = False
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def left(self) -> float:
        """Seconds left; raises FetchError when none are."""
        left = self.ends - time.monotonic()
        if self.expired or left <= 0:
            raise self.error()
        return left

    def error(self) -> FetchError:
        """The timeout as the user sees it."""
        return FetchError(f"timed out after {self.seconds:g} s")

    def resolve(self, host: str, port: int) -> list:
        """``getaddrinfo`` on a resolver thread, waited for no longer than the time left."""
        future = _resolvers.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
        try:
            return future.result(timeout=self.left())
        except FutureTimeout:
            future.cancel()
            raise self.error() from None
        except (socket.gaierror, UnicodeError, ValueError, OSError):
            raise FetchError(f"cannot resolve host {host!r}") from None

    def watch(self, sock: socket.socket) -> None:
        """Shut ``sock`` down when the deadline passes (a duplicate is kept: TLS wrapping detaches the original)."""
        duplicate = sock.dup()
        with self._lock:
            self._sockets.append(duplicate)
            expired = self.expired
        if expired:
            self._shut(duplicate)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            self._shut(sock)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def close(self) -> None:
        """Stop the timer and release the duplicates."""
        self._timer.cancel()
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            sock.close()


class _PinnedBackend(httpcore.SyncBackend):
    """Connects each host to the address vetted for it, and to nothing else (TLS still names the host); every
    connection is watched by the fetch's deadline, and no connect waits longer than the time left."""

    def __init__(self, deadline: Deadline) -> None:
        self.pins: dict[str, str] = {}
        self.deadline = deadline

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        address = self.pins.get(host.decode() if isinstance(host, bytes) else host)
        if address is None:
            raise httpcore.ConnectError(f"host {host!r} was not vetted")
        try:
            left = self.deadline.left()
        except FetchError:
            raise httpcore.ConnectTimeout("deadline passed") from None
        stream = super().connect_tcp(address, port, min(timeout or left, left), local_address, socket_options)
        self.deadline.watch(stream.get_extra_info("socket"))
        return stream


def _pinned_transport(backend: _PinnedBackend) -> httpx.HTTPTransport:
    transport = httpx.HTTPTransport()
    transport._pool = httpcore.ConnectionPool(ssl_context=httpx.create_ssl_context(), network_backend=backend)
    return transport


# IPv6 prefixes that carry an IPv4 address or were never global, which ``ipaddress`` does not all flag: NAT64
# (RFC 6052 well-known and RFC 8215 local-use), IPv4-compatible (::a.b.c.d, deprecated), IPv4-translated
# (::ffff:0:a.b.c.d, SIIT) and site-local (fec0::/10, deprecated).
_NOT_GLOBAL_V6 = tuple(
    ipaddress.ip_network(n)
    for n in (
        "64:ff9b::/96",
        "64:ff9b:1::/48",
        "::/96",
        "::ffff:0:0:0/96",
        "fec0::/10",
    )
)
# And IPv4 ranges Python 3.11's ``ipaddress`` counts as global though no news site lives there: IETF protocol
# assignments (192.0.0.0/24, RFC 6890) and the deprecated 6to4 relay anycast (192.88.99.0/24, RFC 7526).
_NOT_GLOBAL_V4 = tuple(ipaddress.ip_network(n) for n in ("192.0.0.0/24", "192.88.99.0/24"))


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Only globally routable addresses: not private, loopback, link-local, carrier-grade NAT (100.64.0.0/10) or any
    other special range, and no IPv6 form that reaches IPv4 (mapped, 6to4, Teredo, NAT64, compatible, translated)
    or is deprecated site-local."""
    if isinstance(address, ipaddress.IPv6Address):
        if any(address in network for network in _NOT_GLOBAL_V6):
            return False
        embedded = [address.ipv4_mapped, address.sixtofour, address.teredo[1] if address.teredo else None]
        if any(e is not None and not is_public(e) for e in embedded):
            return False
    if isinstance(address, ipaddress.IPv4Address) and any(address in network for network in _NOT_GLOBAL_V4):
        return False
    return address.is_global and not address.is_multicast


def fetch(
    url: str,
    policy: FetchPolicy,
    accept: tuple[str, ...] = ("text/html", "application/xhtml+xml"),
    etag: str | None = None,
    last_modified: str | None = None,
) -> Response:
    """GET a URL within the policy's limits; conditional when validators are given (304 gives an empty body).

    ``policy.timeout`` is one deadline for everything the fetch does (see ``Deadline``), not a per-read timeout.
    """
    deadline = Deadline(policy.timeout)
    try:
        return _fetch(url, policy, accept, etag, last_modified, deadline)
    except (httpx.HTTPError, httpcore.ConnectError, OSError) as exc:
        if deadline.expired or isinstance(exc, httpx.TimeoutException):
            raise deadline.error() from None
        raise FetchError(f"connection failed: {exc.__class__.__name__}") from None
    except h11.RemoteProtocolError:
        if deadline.expired:
            raise deadline.error() from None
        raise FetchError("connection failed: the server broke the HTTP protocol") from None
    finally:
        deadline.close()


def _fetch(
    url: str,
    policy: FetchPolicy,
    accept: tuple[str, ...],
    etag: str | None,
    last_modified: str | None,
    deadline: Deadline,
) -> Response:
    headers = {"User-Agent": USER_AGENT}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    current = ascii_url(url)
    backend = _PinnedBackend(deadline)
    with httpx.Client(timeout=policy.timeout, follow_redirects=False, transport=_pinned_transport(backend)) as client:
        for _ in range(MAX_REDIRECTS + 1):
            host = urlsplit(current).hostname
            backend.pins[host or ""] = check_address(current, policy, deadline)
            with client.stream("GET", current, headers=headers, timeout=deadline.left()) as response:
                if response.is_redirect and response.headers.get("location"):
                    current = ascii_url(urljoin(current, response.headers["location"]))
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
                    deadline.left()
                deadline.left()  # a body cut short by the deadline ends like a whole one: it is not one
                return Response(
                    current,
                    response.status_code,
                    content_type,
                    bytes(body),
                    response.headers.get("etag"),
                    response.headers.get("last-modified"),
                )
    raise FetchError(f"too many redirects (more than {MAX_REDIRECTS})")
