"""The supervisor's process handling with real processes: restart, stop of a whole process
group, children that die with a supervisor killed by SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from runner.supervisor import Child, Supervisor, reap_leftovers
from tests.runner.hallup import alive, wait_gone

# A child that starts a grandchild and waits for it (as a shell script or a Python app might).
FAMILY = ["sh", "-c", "sleep 300 & wait"]


def _wait(pred, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_stop_reaches_the_grandchildren(tmp_path: Path) -> None:
    child = Child("family", FAMILY, tmp_path / "family.log")
    sup = Supervisor([child])
    sup.start_all()
    assert child.process is not None
    parent = psutil.Process(child.process.pid)
    _wait(lambda: len(parent.children()) == 1)
    family = [parent, *parent.children()]
    sup.stop_all()
    assert wait_gone(family, 5) == []


def test_a_stopped_child_is_still_stopped(tmp_path: Path) -> None:
    """A hung (SIGSTOPped) child must not block the stop: it gets TERM + CONT, then KILL."""
    child = Child("hung", ["sleep", "300"], tmp_path / "hung.log")
    sup = Supervisor([child])
    sup.start_all()
    assert child.process is not None
    os.kill(child.process.pid, signal.SIGSTOP)
    started = time.monotonic()
    sup.stop_all()
    assert child.process.returncode is not None
    assert time.monotonic() - started < 6


def test_a_dead_child_is_restarted_with_back_off(tmp_path: Path) -> None:
    child = Child("flaky", ["sleep", "300"], tmp_path / "flaky.log")
    sup = Supervisor([child])
    sup.start_all()
    assert child.process is not None
    first = child.process.pid
    child.process.kill()
    child.process.wait(5)
    now = time.monotonic()
    sup.poll_once(now)
    assert child.restarts == 1 and not child.alive()
    assert child.next_start > now  # back-off, not a hot loop
    sup.poll_once(child.next_start)
    assert child.alive() and child.process.pid != first
    sup.stop_all()


SUPERVISOR = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from runner.supervisor import Child, Supervisor, reap_leftovers
    log = Path(sys.argv[1])
    state = Path(sys.argv[2])
    sup = Supervisor(state_file=state, children=[
        Child("sleeper", ["sleep", "300"], log),
        Child("family", ["sh", "-c", "sleep 300 & wait"], log),
        Child("python", [sys.executable, "-c", "import time; time.sleep(300)"], log),
    ])
    sup.start_all()
    print("started", flush=True)
    sup.run()
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux")
def test_children_die_when_the_supervisor_is_killed_with_sigkill(tmp_path: Path) -> None:
    """Direct children die with it (PDEATHSIG); what they started is ended by the next
    supervisor from the recorded process groups."""
    state = tmp_path / "children.json"
    proc = subprocess.Popen(
        [sys.executable, "-c", SUPERVISOR, str(tmp_path / "children.log"), str(state)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "started"
        sup = psutil.Process(proc.pid)
        _wait(lambda: len(sup.children(recursive=True)) == 4)
        direct = sup.children()
        everyone = sup.children(recursive=True)
        assert len(direct) == 3
        assert len(json.loads(state.read_text())) == 3
        proc.kill()
        proc.wait(5)
        assert wait_gone(direct, 10) == [], "a direct child outlived its supervisor"
        (orphan,) = alive(everyone)  # the shell's `sleep 300`
        assert orphan.cmdline() == ["sleep", "300"]
        ended = reap_leftovers(state)
        assert ended == [f"family ({orphan.pid})"]
        assert wait_gone([orphan], 5) == []
        assert not state.exists()
        assert reap_leftovers(state) == []
    finally:
        for p in alive(
            psutil.Process(proc.pid).children(recursive=True) if proc.poll() is None else []
        ):
            p.kill()
