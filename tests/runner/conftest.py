"""Fixtures of the runner tests: the simulated people of the demo (``hall demo-applicants``,
``demo-raters``, ``demo-staff``) and the apps they work, started as processes on a virtual
screen, against a real hall (``sample_hall`` of tests/conftest.py)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hall.net import free_port, port_open
from tests.support import RunningHall
from ui.testing import gui_display  # noqa: F401  (fixture: a session-wide Xvfb)

HALL_CLI = (sys.executable, "-m", "hall.cli")


class Rig:
    """The processes a test starts on the virtual screen ``display``, each with its output in
    a log; all stopped at the end of the test."""

    def __init__(self, display: str, tmp_path: Path):
        self.display = display
        self.tmp_path = tmp_path
        self.procs: list[subprocess.Popen[bytes]] = []

    def spawn(
        self, argv: list[str], log: Path, env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        """Start ``argv`` with its output in ``log`` (and ``env`` added to the environment)."""
        with log.open("wb") as out:
            proc = subprocess.Popen(
                argv, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
            )
        self.procs.append(proc)
        return proc

    def listening(self, argv: list[str], log: Path) -> int:
        """Start a simulated person that listens (``argv`` + ``--listen``) on a free port; its
        port once it accepts. Another port is tried when the one found free was taken
        meanwhile (other tests run at the same time)."""
        for _ in range(3):
            port = free_port()
            proc = self.spawn([*argv, "--listen", f"127.0.0.1:{port}"], log)
            deadline = time.monotonic() + 30
            while not port_open("127.0.0.1", port):
                if proc.poll() is not None:
                    break
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
            else:
                return port
            if "Address already in use" not in log.read_text():
                raise AssertionError(log.read_text())
            self.procs.remove(proc)
        raise AssertionError(log.read_text())

    def app(self, argv: list[str], log: Path, driver: int) -> subprocess.Popen[bytes]:
        """A GUI app on the screen whose test driver connects to the simulated person
        listening on port ``driver`` (as ``hall up --demo`` starts it)."""
        env = {
            "DISPLAY": self.display,
            "HALL_UI_DRIVER": f"127.0.0.1:{driver}",
            "KIVY_HOME": str(self.tmp_path / "kivy"),
        }
        return self.spawn(argv, log, env)

    def wait_for(self, done: Callable[[], object], log: Path, timeout: float) -> None:
        """Until ``done()``; fails with ``log`` when a process has ended or after ``timeout``
        seconds (a hang guard, not a speed check)."""
        deadline = time.monotonic() + timeout
        while not done():
            assert all(p.poll() is None for p in self.procs), log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.3)

    def wait_line(self, log: Path, line: str, timeout: float) -> None:
        """Until ``line`` is in ``log`` (see :meth:`wait_for`)."""
        self.wait_for(lambda: line in log.read_text(), log, timeout)

    def stop(self) -> None:
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()


def hall_app(hall: RunningHall, kind: str, client: str, *extra: str) -> list[str]:
    """``hall <kind>`` as ``hall up`` starts it, against the test hall."""
    return [*HALL_CLI, kind, "--client", client,
            "--config", str(hall.config.directory), "--var", str(hall.directory),
            "--broker-port", str(hall.port), *extra]  # fmt: skip


def events(db: Path, etype: str) -> list[dict]:
    """The data of the events of type ``etype`` in the event log ``db`` (read-only)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = con.execute("SELECT data FROM events WHERE type = ?", (etype,)).fetchall()
    finally:
        con.close()
    return [json.loads(r[0]) for r in rows]


@pytest.fixture
def rig(gui_display: str, tmp_path: Path) -> Iterator[Rig]:  # noqa: F811
    """Processes on the virtual screen (skips without Xvfb), stopped after the test. Ask for
    it after ``sample_hall``, so that the apps stop before the hall does."""
    started = Rig(gui_display, tmp_path)
    try:
        yield started
    finally:
        started.stop()
