"""Run the hall's processes as supervised children (what ``hall up`` does).

Each child is restarted with a back-off when it dies; Ctrl-C or SIGTERM stops
them all in reverse start order. Nothing here knows what a child does.

Children never outlive the supervisor: each runs in a process group of its own
(so a stop reaches whatever it spawned), and on Linux asks the kernel to kill
it when its parent dies (``PR_SET_PDEATHSIG``), which covers a ``kill -9`` of
the supervisor that no signal handler can see. What a child itself started is
not covered by that; the groups are recorded in a state file, and the next
supervisor on the same runtime directory ends what is left of them
(:func:`reap_leftovers`) before it starts anything.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1


def _load_prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None
    return libc.prctl  # type: ignore[no-any-return]


_PRCTL = _load_prctl()


def die_with_parent(sig: int = signal.SIGKILL) -> Callable[[], None]:
    """A ``preexec_fn``: the child gets ``sig`` when the process that forked it dies.

    Runs in the child between fork and exec, so it only calls into libc. If the
    parent already died before the request took effect, the child ends itself.
    """
    parent = os.getpid()
    prctl = _PRCTL

    def preexec() -> None:
        if prctl is not None:
            prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
        if os.getppid() != parent:
            os.kill(os.getpid(), sig)

    return preexec


def stop_group(process: subprocess.Popen[bytes], timeout: float = 5.0) -> None:
    """SIGTERM the process group of ``process``, SIGKILL it after ``timeout``; reap it."""
    if process.poll() is not None:
        _kill_group(process.pid, signal.SIGKILL)  # leftovers of a child that died
        return
    _kill_group(process.pid, signal.SIGTERM)
    _kill_group(process.pid, signal.SIGCONT)  # a stopped (hung) child must see the TERM
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process.pid, signal.SIGKILL)
        process.wait(timeout)
    _kill_group(process.pid, signal.SIGKILL)


def _kill_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


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
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, **self.env},
                start_new_session=True,
                preexec_fn=die_with_parent(),
            )

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 5.0) -> None:
        if self.process is not None:
            stop_group(self.process, timeout)


def _process_groups(pgids: set[int]) -> list[tuple[int, int, float]]:
    """(pid, pgid, start time) of every process now in one of ``pgids``."""
    import psutil

    found = []
    for proc in psutil.process_iter(["pid", "create_time", "status"]):
        if proc.info["status"] == psutil.STATUS_ZOMBIE:
            continue
        try:
            pgid = os.getpgid(proc.info["pid"])
        except (ProcessLookupError, PermissionError):
            continue
        if pgid in pgids:
            found.append((proc.info["pid"], pgid, proc.info["create_time"]))
    return found


def reap_leftovers(state_file: Path) -> list[str]:
    """End what is left of the process groups a killed supervisor recorded in ``state_file``.

    Only processes in a recorded group that started no earlier than its leader are ended
    (a reused pid is not the old child). Returns ``name (pid)`` of each one ended.
    """
    try:
        groups = json.loads(state_file.read_text())
    except (FileNotFoundError, ValueError):
        return []
    started = {int(g["pgid"]): (str(g["name"]), float(g["started"])) for g in groups}
    ended = []
    for pid, pgid, created in _process_groups(set(started)):
        name, leader_started = started[pgid]
        if pid == os.getpid() or created < leader_started - 1.0:
            continue
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
            ended.append(f"{name} ({pid})")
    state_file.unlink(missing_ok=True)
    return ended


class Supervisor:
    """Start children in order, keep them running, stop them on a signal."""

    def __init__(
        self, children: list[Child], ready_timeout: float = 20.0, state_file: Path | None = None
    ):
        self.children = children
        self.ready_timeout = ready_timeout
        self.state_file = state_file
        """Where the children's process groups are recorded (see :func:`reap_leftovers`)."""
        self._stopping = False

    def _record(self) -> None:
        if self.state_file is None:
            return
        import psutil

        groups = []
        for child in self.children:
            if child.alive() and child.pid is not None:
                with contextlib.suppress(psutil.Error):
                    started = psutil.Process(child.pid).create_time()
                    groups.append({"name": child.name, "pgid": child.pid, "started": started})
        tmp = self.state_file.with_name(self.state_file.name + ".tmp")
        tmp.write_text(json.dumps(groups))
        tmp.replace(self.state_file)

    def start_all(self) -> None:
        for child in self.children:
            child.start()
            self._record()
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
        """Watch children until SIGINT/SIGTERM/SIGHUP; restart the ones that die."""
        # SIGINT too: a shell ignores it in a background job, and Python then raises no
        # KeyboardInterrupt, so `hall up &` followed by `kill -INT` would not stop the hall.
        for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(sig, lambda *_: self._request_stop())
        try:
            while not self._stopping:
                self.poll_once(time.monotonic())
                time.sleep(poll_s)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop_all()

    def poll_once(self, now: float) -> None:
        """One watch round: schedule a restart for a dead child, or restart it when due."""
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
                self._record()

    def _request_stop(self) -> None:
        self._stopping = True

    def stop_all(self) -> None:
        for child in reversed(self.children):
            child.stop()
        if self.state_file is not None:
            self.state_file.unlink(missing_ok=True)
