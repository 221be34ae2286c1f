"""Run the hall's processes as supervised children (what ``hall up`` does).

Each child is restarted with a back-off when it dies; Ctrl-C or SIGTERM stops
them all in reverse start order. Nothing here knows what a child does.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass
class Child:
    name: str
    argv: Sequence[str]
    log_path: Path
    ready: Callable[[], bool] | None = None
    """Polled after (re)start until true; the next child starts only then."""
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    next_start: float = 0.0

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as out:
            self.process = subprocess.Popen(
                list(self.argv),
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, **self.env},
                start_new_session=True,
            )

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 5.0) -> None:
        if not self.alive():
            return
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout)


class Supervisor:
    """Start children in order, keep them running, stop them on a signal."""

    def __init__(self, children: list[Child], ready_timeout: float = 20.0):
        self.children = children
        self.ready_timeout = ready_timeout
        self._stopping = False

    def start_all(self) -> None:
        for child in self.children:
            child.start()
            self._await_ready(child)

    def _await_ready(self, child: Child) -> None:
        if child.ready is None:
            return
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            if child.ready():
                return
            if not child.alive():
                raise RuntimeError(f"{child.name} exited during start; see {child.log_path}")
            time.sleep(0.1)
        raise RuntimeError(
            f"{child.name} not ready after {self.ready_timeout}s; see {child.log_path}"
        )

    def run(self, poll_s: float = 0.5) -> None:
        """Watch children until SIGINT/SIGTERM; restart the ones that die."""
        signal.signal(signal.SIGTERM, lambda *_: self._request_stop())
        try:
            while not self._stopping:
                now = time.monotonic()
                for child in self.children:
                    if child.alive():
                        continue
                    if child.next_start == 0.0:
                        code = child.process.returncode if child.process else None
                        child.restarts += 1
                        delay = min(30.0, 2.0 ** min(child.restarts, 5) / 4)
                        child.next_start = now + delay
                        log.warning("%s exited (%s); restart in %.1fs", child.name, code, delay)
                    elif now >= child.next_start:
                        child.next_start = 0.0
                        child.start()
                time.sleep(poll_s)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop_all()

    def _request_stop(self) -> None:
        self._stopping = True

    def stop_all(self) -> None:
        for child in reversed(self.children):
            child.stop()
