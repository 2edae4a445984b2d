"""A guard that keeps a test process on loopback: a socket connect or send to any address outside 127.0.0.0/8 and
::1, and any name look-up but of ``localhost``, is refused before a packet leaves, and recorded so the test that
made it fails with a clear message (code under test may swallow the error; the record still fails the test)."""

from __future__ import annotations

import ipaddress
import socket
import sys
from typing import Any

LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}
violations: list[str] = []


class OffLoopback(OSError):
    """A test tried to reach beyond loopback."""


def is_loopback(host: object) -> bool:
    """Whether ``host`` (an address or name as sockets take it) stays on this machine without a DNS query."""
    if host is None:
        return True  # getaddrinfo(None, port): the local wildcard, no query
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    text = str(host).split("%")[0].strip("[]")
    if text.casefold() in LOCAL_NAMES or text == "":
        return True
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False  # a name: resolving it would query DNS
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback or address.is_unspecified


def needs_dns(host: object) -> bool:
    """Whether looking ``host`` up would query DNS: a name other than localhost (an address literal is not)."""
    if is_loopback(host):
        return False
    text = (host.decode("ascii", "replace") if isinstance(host, bytes) else str(host)).split("%")[0].strip("[]")
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return True
    return False


def _refuse(what: str) -> OffLoopback:
    message = f"the loopback guard refused {what}: tests may only reach 127.0.0.0/8, ::1 and 'localhost'"
    violations.append(message)
    print(message, file=sys.stderr)  # seen even from a subprocess whose caller swallows the error
    return OffLoopback(message)


def _peer(sock: socket.socket, address: Any) -> None:
    if sock.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple) and not is_loopback(address[0]):
        raise _refuse(f"a connection to {address[0]!r} port {address[1]}")


def install() -> None:
    """Patch the socket module of this process (idempotent)."""
    if getattr(socket, "_loopback_guard", False):
        return
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_sendto = socket.socket.sendto
    real_getaddrinfo, real_gethostbyname = socket.getaddrinfo, socket.gethostbyname
    real_gethostbyname_ex = socket.gethostbyname_ex

    def connect(self: socket.socket, address: Any) -> None:
        _peer(self, address)
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        _peer(self, address)
        return real_connect_ex(self, address)

    def sendto(self: socket.socket, data: Any, *args: Any) -> int:
        _peer(self, args[-1])
        return real_sendto(self, data, *args)  # type: ignore[arg-type]

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if needs_dns(host):
            raise _refuse(f"a DNS look-up of {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    def by_name(real: Any) -> Any:
        def look_up(host: str) -> Any:
            if needs_dns(host):
                raise _refuse(f"a DNS look-up of {host!r}")
            return real(host)

        return look_up

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.socket.sendto = sendto  # type: ignore[method-assign,assignment]
    socket.getaddrinfo = getaddrinfo
    socket.gethostbyname = by_name(real_gethostbyname)
    socket.gethostbyname_ex = by_name(real_gethostbyname_ex)
    socket._loopback_guard = True  # type: ignore[attr-defined]
