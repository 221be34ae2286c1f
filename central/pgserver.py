"""A PostgreSQL server to work against: the one given, the machine's, or a throwaway one.

Tests and the bench need a real server. ``HALL_CENTRAL_PG`` (a conninfo URL of a server where
``postgres`` may create databases) wins; else ``127.0.0.1:5432`` as ``postgres``; else a
throwaway cluster from Debian's ``postgresql`` package in a temporary directory (``initdb`` +
``pg_ctl``, as the ``postgres`` user when run as root). :class:`NoServer` says why none could
be had: callers fail with it, they never skip.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

from hall.net import free_port

DEFAULT_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


class NoServer(RuntimeError):
    """No PostgreSQL server could be reached or started."""


def reachable(url: str, timeout: float = 3.0) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=max(1, int(timeout)), autocommit=True):
            return True
    except psycopg.Error:
        return False


def with_dbname(url: str, dbname: str) -> str:
    """``url`` pointing at database ``dbname`` instead."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    info["dbname"] = dbname
    return psycopg.conninfo.make_conninfo(**info)


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    return found[0] if found else shutil.which(name)


@dataclass
class Throwaway:
    """A cluster in a temporary directory on a free loopback port; :meth:`stop` removes it."""

    directory: Path
    port: int
    user: str | None
    url: str = ""
    _pg_ctl: str = field(default="", repr=False)

    @classmethod
    def start(cls, timeout: float = 60.0) -> Throwaway:
        initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
        if not initdb or not pg_ctl:
            raise NoServer(
                "no PostgreSQL on 127.0.0.1:5432 and no initdb/pg_ctl to start one: "
                "apt-get install postgresql (make test does), or set HALL_CENTRAL_PG"
            )
        directory = Path(tempfile.mkdtemp(prefix="hall-pg-"))
        user = "postgres" if os.geteuid() == 0 else None
        if user:
            shutil.chown(directory, user)
        port = free_port()
        self = cls(directory, port, user, _pg_ctl=pg_ctl)
        data = directory / "data"
        self._run(
            [initdb, "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"],
            timeout,
        )
        opts = f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=on"
        self._run(
            [
                pg_ctl,
                "-D",
                str(data),
                "-o",
                opts,
                "-l",
                str(directory / "log"),
                "-w",
                "-t",
                str(int(timeout)),
                "start",
            ],
            timeout + 5,
        )
        self.url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        return self

    def _run(self, cmd: list[str], timeout: float) -> None:
        """Run a cluster command; its output goes to a file (a server it starts keeps it)."""
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        with tempfile.TemporaryFile() as out:
            done = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, timeout=timeout)
            out.seek(0)
            text = out.read().decode(errors="replace").strip()
        if done.returncode != 0:
            raise NoServer(f"{' '.join(cmd)} failed: {text}")

    def restart(self, timeout: float = 60.0) -> None:
        """Stop (fast: connections are cut) and start again on the same port and data."""
        data = str(self.directory / "data")
        log = str(self.directory / "log")
        self._run([self._pg_ctl, "-D", data, "-l", log, "-m", "fast", "-w", "restart"], timeout)

    def stop(self) -> None:
        with contextlib.suppress(NoServer, subprocess.TimeoutExpired):
            data = str(self.directory / "data")
            self._run([self._pg_ctl, "-D", data, "-m", "immediate", "-w", "stop"], 60)
        shutil.rmtree(self.directory, ignore_errors=True)


@contextmanager
def server() -> Iterator[str]:
    """An admin URL of a server where databases can be created, for the block's duration."""
    given = os.environ.get("HALL_CENTRAL_PG")
    if given:
        if not reachable(given):
            raise NoServer(f"HALL_CENTRAL_PG={given} is not reachable")
        yield given
        return
    if reachable(DEFAULT_ADMIN):
        yield DEFAULT_ADMIN
        return
    throwaway = Throwaway.start()
    try:
        deadline = time.monotonic() + 30
        while not reachable(throwaway.url) and time.monotonic() < deadline:
            time.sleep(0.2)
        yield throwaway.url
    finally:
        throwaway.stop()


@contextmanager
def scratch_database(admin_url: str, prefix: str = "hall_central_test") -> Iterator[str]:
    """A new, empty database with a unique name; dropped (connections cut) afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as db:
        db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield with_dbname(admin_url, name)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as db:
            db.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
