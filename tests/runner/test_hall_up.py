"""`hall up` for real: runs the machine's processes, stops them all on Ctrl-C and on kill -9,
refuses a second hall on the same var/, and serves outside opening hours when asked."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from tests.runner.conftest import events
from tests.runner.hallup import REPO, HallUp, alive, wait_gone, write_machine

pytestmark = [pytest.mark.broker, pytest.mark.slow]


def _wait_ticket(var: Path, up: HallUp, timeout: float = 90.0) -> list[Path]:
    deadline = time.monotonic() + timeout
    tickets = var / "tickets"
    while not list(tickets.glob("*.png")):
        assert up.proc.poll() is None, up.output
        assert time.monotonic() < deadline, f"no ticket printed within {timeout} s"
        time.sleep(0.5)
    return list(tickets.glob("*.png"))


def test_hall_up_runs_and_stops_cleanly(tmp_path: Path) -> None:
    var = tmp_path / "var"
    up = HallUp(var, "--demo", "--machine", str(write_machine(tmp_path)))
    try:
        out = up.wait_up()
        _wait_ticket(var, up)
        children = up.children()
        names = " ".join(" ".join(c.cmdline()) for c in children)
        for part in ("mosquitto", "service", "printer-sim", "demo-traffic"):
            assert part in names
    finally:
        code = up.stop()
    out = up.output
    assert code == 0, out
    assert "is up" in out and "hall stopped" in out
    assert str(var / "tickets") in out
    assert "first start: new event log" in out
    assert alive(children) == []
    assert "queue service up" in (var / "log" / "queue-service.log").read_text()


def test_kill_9_of_hall_up_leaves_no_child_running(tmp_path: Path) -> None:
    """Issue 6 item 10: children die with their supervisor, even on SIGKILL."""
    var = tmp_path / "var"
    machine = write_machine(tmp_path)
    up = HallUp(var, "--demo", "--machine", str(machine))
    try:
        up.wait_up()
        children = up.children()
        assert len(children) >= 4
        os.kill(up.proc.pid, signal.SIGKILL)
        up.wait_exit(10)
        survivors = wait_gone(children, timeout=15)
        assert survivors == [], [" ".join(p.cmdline()) for p in survivors]
    except BaseException:
        up.kill_all()
        raise
    # ... and a new hall up starts on the same var/ and keeps numbering.
    again = HallUp(var, "--demo", "--machine", str(machine))
    try:
        out = again.wait_up()
        assert "first start" not in out
    finally:
        assert again.stop() == 0, again.output


def test_a_second_hall_up_or_service_on_the_same_var_refuses(tmp_path: Path) -> None:
    """One hall per var/ (hall up's lock), one writer of the event log (the service's lock):
    both refuse with a message that says what runs, and the first hall keeps running."""
    var = tmp_path / "var"
    machine = str(write_machine(tmp_path))
    first = HallUp(var, "--machine", machine)
    try:
        first.wait_up()
        second = HallUp(var, "--machine", machine)
        code = second.wait_exit(60)
        assert code == 75, second.output
        assert f"another `hall up` (pid {first.proc.pid}) is running on {var}" in second.output

        port = re.search(r"mqtt://127\.0\.0\.1:(\d+)", first.output).group(1)  # type: ignore[union-attr]
        service = next(c for c in first.children() if "service" in c.cmdline())
        writer = subprocess.run(
            [sys.executable, "-m", "hall.cli", "service", "--var", str(var), "--port", port],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert writer.returncode != 0
        assert str(var / "hall.db") in writer.stderr, writer.stderr
        assert f"already open by a queue service (pid {service.pid})" in writer.stderr
        assert "Traceback" not in writer.stderr
        assert alive(first.children()), "the first hall must keep running"
    finally:
        assert first.stop() == 0, first.output


def test_ignore_hours_serves_without_simulated_traffic(tmp_path: Path) -> None:
    """Issue 6 item 13: a supervised hall outside opening hours, with no demo traffic; the
    banner shows the hall's local time (config time zone), not the machine's UTC."""
    var = tmp_path / "var"
    up = HallUp(var, "--ignore-hours", "--machine", str(write_machine(tmp_path)), env={"TZ": "UTC"})
    try:
        out = up.wait_up()
        match = re.search(
            r"is up (\d{4}-\d\d-\d\d \d\d:\d\d):\d\d Asia/Shanghai \(UTC\+0800\)", out
        )
        assert match, out
        shown = datetime.strptime(match.group(1), "%Y-%m-%d %H:%M").replace(
            tzinfo=ZoneInfo("Asia/Shanghai")
        )
        assert abs(shown.timestamp() - time.time()) < 600
        names = " ".join(" ".join(c.cmdline()) for c in up.children())
        assert "--ignore-hours" in names and "demo-traffic" not in names
        assert "opening hours ignored (--ignore-hours)" in out
        port = int(re.search(r"mqtt://127\.0\.0\.1:(\d+)", out).group(1))  # type: ignore[union-attr]
        from hall.conf import load_config
        from hall.mqtt import HallClient
        from hall.protocol import Topics
        from hall.runtime import RuntimeDir

        config = load_config(REPO / "config")
        client = HallClient(
            RuntimeDir(var).endpoint(config, "kiosk-01", port=port), Topics(config.topic_root)
        ).connect(10)
        try:
            # Whatever the hour, the service issues (a closed hall would refuse: hall_closed).
            ticket = client.command("ticket.issue", {"item": config.items[0].code})["ticket"]
            assert ticket["number"].startswith(config.items[0].prefix)
        finally:
            client.close()
    finally:
        assert up.stop() == 0, up.output


def test_bad_machine_file_is_reported_like_a_config_error(tmp_path: Path) -> None:
    machine = write_machine(
        tmp_path, '[[app]]\nkind = "kiosk"\nclient = "window-01"\n\n[[app]]\nkind = "robot"\n'
    )
    up = HallUp(tmp_path / "var", "--machine", str(machine))
    assert up.wait_exit(60) == 2
    assert "app[1].kind" in up.output
    assert not (tmp_path / "var" / "hall.db").exists()


@pytest.mark.skipif(shutil.which("Xvfb") is None, reason="needs Xvfb")
def test_demo_shows_the_hall_on_a_virtual_screen(tmp_path: Path) -> None:
    """Issue 8: `make demo` (the sample machine, no screen attached) shows a working hall: the
    kiosk GUI on Xvfb with screenshots, applicants touching it, printed tickets, calls."""
    var = tmp_path / "var"
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    up = HallUp(var, "--demo", env=env, clean_env=True)
    try:
        out = up.wait_up(90)
        assert "kiosk-kiosk-01" in out and "applicants-kiosk-01" in out, out
        assert "display-display-lobby" in out, out
        assert f"a screenshot every few seconds in {var / 'screens'}/" in out
        touched = var / "log" / "applicants-kiosk-01.log"
        deadline = time.monotonic() + 150
        while "demo-applicants: ticket " not in (
            touched.read_text(errors="replace") if touched.exists() else ""
        ):
            assert up.proc.poll() is None, up.output
            assert time.monotonic() < deadline, touched.read_text(errors="replace")
            time.sleep(1)
        number = re.search(r"demo-applicants: ticket (\w+)", touched.read_text()).group(1)  # type: ignore[union-attr]
        assert list((var / "tickets").glob("*.png")), "the kiosk's ticket was not printed"
        for latest in ("latest.png", "latest-1.png"):  # the kiosk, the lobby display
            _wait_drawn(var / "screens" / latest, up, 90)
        called = _wait_event(var / "hall.db", "ticket.called", up, 120)
        assert called
    finally:
        code = up.stop(60)
    assert code == 0, up.output
    issued = events(var / "hall.db", "ticket.issued")
    assert any(e["ticket"]["number"] == number for e in issued)
    # The screenshots stop before the apps: the last ones still show the hall, not the
    # black screens the stopped apps leave (they all were, after Ctrl-C).
    for latest in ("latest.png", "latest-1.png"):
        with Image.open(var / "screens" / latest) as shot:
            low, high = shot.convert("L").getextrema()
        assert high - low > 50, f"{latest} is blank after the stop"


def _wait_drawn(path: Path, up: HallUp, timeout: float) -> None:
    """Until the screenshot at ``path`` (rewritten every few seconds) shows something."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with Image.open(path) as shot:
                assert shot.size == (1920, 1080)
                low, high = shot.convert("L").getextrema()
            if high - low > 50:
                return
        except (FileNotFoundError, OSError):
            pass  # not written yet, or being replaced
        assert up.proc.poll() is None, up.output
        assert time.monotonic() < deadline, f"{path} stays blank"
        time.sleep(1)


def _wait_event(db: Path, etype: str, up: HallUp, timeout: float) -> list[dict]:
    deadline = time.monotonic() + timeout
    while not (found := events(db, etype)):
        assert up.proc.poll() is None, up.output
        assert time.monotonic() < deadline, f"no {etype} in {timeout}s"
        time.sleep(1)
    return found


def test_hall_up_on_a_lost_event_log_refuses_with_the_services_advice(tmp_path: Path) -> None:
    """After the first start the log is never created again: a lost one stops hall up, with
    what to do, instead of a new hall that hands out A001 again."""
    var = tmp_path / "var"
    machine = str(write_machine(tmp_path, '[machine]\nname = "server"\n'))
    first = HallUp(var, "--machine", machine)
    try:
        first.wait_up()
    finally:
        assert first.stop() == 0, first.output
    (var / "hall.db").unlink()
    for suffix in ("-wal", "-shm"):
        (var / f"hall.db{suffix}").unlink(missing_ok=True)
    again = HallUp(var, "--machine", machine)
    assert again.wait_exit(60) == 1, again.output
    assert "queue-service exited during start" in again.output
    assert "Restore hall.db from the backup" in again.output
    assert "first start" not in again.output
    assert not (var / "hall.db").exists()
