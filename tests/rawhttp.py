"""A loopback HTTP/1.1 server scripted byte by byte, for servers pytest-httpserver cannot imitate: headers trickled,
interim responses without end, slow redirects."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

# What the server does with one accepted connection: gets the socket and the request's path.
Script = Callable[[socket.socket, str], None]


@contextmanager
def raw_server(script: Script) -> Iterator[str]:
    """Serve ``script`` on 127.0.0.1 (a thread per connection); yields the base URL, closes everything after."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()
    threads: list[threading.Thread] = []

    def serve(conn: socket.socket) -> None:
        with conn:
            try:
                request = conn.recv(65536).decode("latin-1")
                path = request.split(" ")[1] if request.count(" ") >= 2 else "/"
                script(conn, path)
            except OSError:
                pass  # the client hung up, as a deadline makes it do

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            thread = threading.Thread(target=serve, args=(conn,), daemon=True)
            thread.start()
            threads.append(thread)

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        acceptor.join()
        listener.close()


def trickle(conn: socket.socket, data: bytes, pause: float) -> None:
    """Send ``data`` one byte at a time, ``pause`` seconds apart."""
    for byte in data:
        conn.sendall(bytes([byte]))
        time.sleep(pause)


def page(body: bytes = b"<html><body><p>Hello.</p></body></html>") -> bytes:
    """A whole, prompt 200 response with an HTML body."""
    return (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\nConnection: close\r\n\r\n"
        + body
    )
