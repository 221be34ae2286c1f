"""`hall up --demo` starts the whole hall, the demo issues and prints tickets, Ctrl-C stops all."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.broker
@pytest.mark.slow
def test_hall_up_runs_and_stops_cleanly(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "hall.cli", "up", "--demo", "--var", str(tmp_path)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        tickets = tmp_path / "tickets"
        while not list(tickets.glob("*.png")):
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            assert time.monotonic() < deadline, "no ticket printed within 60 s"
            time.sleep(0.5)
        children = psutil.Process(proc.pid).children(recursive=True)
        names = " ".join(" ".join(c.cmdline()) for c in children)
        for part in ("mosquitto", "service", "printer-sim", "demo-traffic"):
            assert part in names
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    assert "is up" in out and "hall stopped" in out
    assert str(tickets) in out
    assert not [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
    assert "queue service up" in (tmp_path / "log" / "queue-service.log").read_text()
