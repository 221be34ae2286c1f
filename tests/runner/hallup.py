"""Run a real ``hall up`` in a subprocess for tests: wait for its banner, find its children."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[2]

HALL_UP = (sys.executable, "-m", "hall.cli", "up")

PRINTER_ONLY = """
[machine]
name = "test machine"

[[simulator]]
kind = "printer"

[[simulator]]
kind = "traffic"
when = "demo"
"""


def write_machine(directory: Path, text: str = PRINTER_ONLY) -> Path:
    path = directory / "machine.toml"
    path.write_text(text, encoding="utf-8")
    return path


class HallUp:
    """``hall up`` as a subprocess whose output goes to a file (no pipe to fill up)."""

    def __init__(
        self,
        var: Path,
        *args: str,
        config: Path = REPO / "config",
        env: dict[str, str] | None = None,
        clean_env: bool = False,
    ):
        """``env`` adds to this process's environment, or replaces it with ``clean_env``."""
        self.var = var
        self.out_path = var.parent / f"{var.name}-hall-up-{time.monotonic_ns()}.out"
        self.out = self.out_path.open("wb")
        self.proc = subprocess.Popen(
            [*HALL_UP, "--config", str(config), "--var", str(var), *args],
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=self.out,
            stderr=subprocess.STDOUT,
            env=dict(env or {}) if clean_env else {**os.environ, **(env or {})},
        )

    @property
    def output(self) -> str:
        return self.out_path.read_text(errors="replace")

    def wait_up(self, timeout: float = 60.0) -> str:
        """Wait for the banner; fail with the output if ``hall up`` exits first."""
        deadline = time.monotonic() + timeout
        while "Stop with Ctrl-C." not in self.output:
            if self.proc.poll() is not None:
                raise AssertionError(f"hall up exited {self.proc.returncode}:\n{self.output}")
            if time.monotonic() > deadline:
                raise AssertionError(f"hall up not up in {timeout}s:\n{self.output}")
            time.sleep(0.1)
        return self.output

    def children(self) -> list[psutil.Process]:
        try:
            return psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def wait_exit(self, timeout: float = 30.0) -> int:
        try:
            return self.proc.wait(timeout)
        finally:
            self.out.close()

    def stop(self, timeout: float = 30.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        return self.wait_exit(timeout)

    def kill_all(self) -> None:
        """Clean-up after a failed test: this process and everything it started."""
        for p in [*self.children(), psutil.Process(self.proc.pid)]:
            with contextlib.suppress(psutil.NoSuchProcess):
                p.kill()
        self.proc.wait(10)
        self.out.close()


def alive(procs: list[psutil.Process]) -> list[psutil.Process]:
    """The processes that still run (zombies count as gone)."""
    out = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.NoSuchProcess:
            pass
    return out


def wait_gone(procs: list[psutil.Process], timeout: float = 15.0) -> list[psutil.Process]:
    """Wait until none of ``procs`` runs; the survivors after ``timeout``."""
    deadline = time.monotonic() + timeout
    left = alive(procs)
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = alive(left)
    return left
