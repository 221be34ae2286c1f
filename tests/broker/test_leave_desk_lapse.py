"""A sign-in at the leave desk lapses in the writer after ``leave_desk_session_s`` without a
command there, on the writer's clock: a ``hall leave`` killed between its sign-in and its
sign-out does not leave its person signed in for whoever else has leave-01's password. Over the
real broker and service; the service's clock is a :class:`FakeClock` the test steps."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from hall.conf import ConfigError, HallConfig, load_config
from hall.conf.model import Client
from hall.mqtt import HallClient
from tests.support import Collector, FakeClock, RunningHall

pytestmark = [pytest.mark.broker, pytest.mark.service_on_clock]  # `hall` runs on `clock`

REPO = Path(__file__).resolve().parents[2]
MINI = REPO / "tests" / "data" / "mini-hall"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock.local(2026, 11, 25, 10, 0)  # Wednesday: S002 is the duty director


@pytest.fixture
def lapse_s(mini_config: HallConfig) -> float:
    lapse = mini_config.hall_file.staff.leave_desk_session_s
    assert lapse == 120, "the mini hall keeps the default"
    return lapse


def _code(client: HallClient, ctype: str, args: dict[str, Any] | None = None) -> str | None:
    """None when the writer carried the command out, else its refusal's code."""
    reply = client.request(ctype, args or {})
    if reply.ok:
        return None
    assert reply.error is not None
    return reply.error.code


def _log(hall: RunningHall, etype: str) -> list[dict[str, Any]]:
    """The writer's committed events of one type (its log, read-only)."""
    db = sqlite3.connect(f"file:{hall.directory / 'hall.db'}?mode=ro", uri=True)
    try:
        rows = db.execute("SELECT data FROM events WHERE type = ? ORDER BY seq", (etype,))
        return [json.loads(data) for (data,) in rows]
    finally:
        db.close()


def _on_duty(hall: RunningHall) -> dict[str, str]:
    """Who the writer has signed in where (its staff domain)."""
    assert hall.service is not None
    (staff,) = [d for d in hall.service.records.domains if d.name == "staff"]
    return {client: entry["staff"] for client, entry in staff.on_duty.items()}


def test_hall_leave_killed_after_its_sign_in_leaves_a_sign_in_that_lapses(
    hall: RunningHall, clock: FakeClock, lapse_s: float
) -> None:
    """The real ``hall leave`` is SIGKILLed the moment the writer has signed its person in
    (before it gets the reply): nothing signs them out. Someone else with leave-01's password
    can act as them only until the sign-in lapses; the window terminal's sign-in stays."""
    window = hall.client("window-01")
    assert _code(window, "staff.sign_in", {"staff": "S011", "pin": "1234"}) is None
    events = Collector()
    hall.client("display-lobby").subscribe(hall.topics.events, events)

    assert hall.service is not None
    engine = hall.service.engine
    sign_in = engine._handlers["staff.sign_in"]
    victim: list[subprocess.Popen[str]] = []

    def sign_in_then_die(client: Client, args: Any, now: float) -> dict[str, Any]:
        result = sign_in(client, args, now)
        if client.id == "leave-01" and victim:
            os.kill(victim[0].pid, signal.SIGKILL)  # between its sign-in and its sign-out
        return result

    engine._handlers["staff.sign_in"] = sign_in_then_die
    argv = [
        sys.executable, "-m", "attendance.cli", "leave", "request",
        "--by", "S014", "--kind", "personal", "--first", "2026-11-26",
        "--config", str(MINI), "--var", str(hall.directory),
        "--host", "127.0.0.1", "--port", str(hall.port),
    ]  # fmt: skip
    victim.append(
        subprocess.Popen(argv, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    )
    out, _err = victim[0].communicate("1234\n", timeout=60)
    engine._handlers["staff.sign_in"] = sign_in
    assert victim[0].returncode == -signal.SIGKILL, out
    _t, signed = events.wait_for(
        lambda _t, b: b.get("type") == "staff.signed_in" and b["data"]["client"] == "leave-01"
    )
    assert signed["data"]["staff"] == "S014"
    assert signed["data"]["at"] == clock() and signed["data"]["lapse_s"] == lapse_s
    assert _on_duty(hall) == {"window-01": "S011", "leave-01": "S014"}

    # Before the lapse, leave-01's password is enough to act as S014; each command counts.
    desk = hall.client("leave-01")
    clock.advance(lapse_s - 1)
    assert _code(desk, "leave.list") is None
    clock.advance(lapse_s - 1)
    assert _code(desk, "leave.request", {"kind": "sick", "first": "2026-11-27"}) is None
    (requested,) = _log(hall, "leave.requested")
    assert requested["by"] == "S014"
    # After a quiet lapse_s the sign-in is gone: refused as if nobody had signed in there.
    clock.advance(lapse_s)
    assert _code(desk, "leave.list") == "sign_in_required"
    assert _code(desk, "leave.request", {"kind": "sick", "first": "2026-11-30"}) == (
        "sign_in_required"
    )
    assert _code(desk, "staff.sign_out") == "not_signed_in"
    assert len(_log(hall, "leave.requested")) == 1

    # The lapse is an event: on the stream and in the log, by the writer (no ``by``), with
    # the hall-local time of the lapse.
    lapsed = [e for e in _log(hall, "staff.signed_out") if e.get("reason") == "lapsed"]
    local_at = datetime.fromtimestamp(clock(), hall.config.tz).isoformat(timespec="milliseconds")
    assert lapsed == [
        {
            "client": "leave-01",
            "staff": "S014",
            "reason": "lapsed",
            "idle_s": lapse_s,
            "local_at": local_at,
        }
    ]
    events.wait_for(lambda _t, b: b.get("data", {}).get("reason") == "lapsed")

    # The window terminal's sign-in, idle all along, is untouched; its commands are S011's.
    assert _on_duty(hall) == {"window-01": "S011"}
    assert _code(window, "window.open") is None
    assert [e for e in _log(hall, "staff.signed_out") if e["client"] == "window-01"] == []
    # The person signs in at the desk again with their PIN and goes on.
    assert _code(desk, "staff.sign_in", {"staff": "S014", "pin": "1234"}) is None
    assert _code(desk, "leave.list") is None


def test_a_quiet_desk_lapses_on_the_writers_tick_and_only_the_desk(
    hall: RunningHall, clock: FakeClock, lapse_s: float
) -> None:
    """No command comes after the sign-in: the writer's tick ends it, logs it and drops it
    from ``state/staff``; the window terminal, guide and duty console sign-ins stay."""
    places = {"window-01": "S011", "guide-01": "S004", "duty-01": "S003", "leave-01": "S013"}
    clients = {cid: hall.client(cid) for cid in places}
    for cid, staff in places.items():
        assert _code(clients[cid], "staff.sign_in", {"staff": staff, "pin": "1234"}) is None
    states = Collector()
    hall.client("display-lobby").subscribe(hall.topics.state("staff"), states)

    def shown(body: dict[str, Any]) -> dict[str, str]:
        return {e["client"]: e["staff"] for e in body.get("on_duty", [])}

    states.wait_for(lambda _t, b: shown(b) == places)

    clock.advance(lapse_s - 1)  # a tick comes (every 15 s of the writer's clock): it holds
    assert _code(clients["window-01"], "window.open") is None
    assert _on_duty(hall) == places
    assert hall.service is not None
    clock.advance(hall.service.tick_interval_s)  # past the lapse: the next tick ends it
    rest = {cid: s for cid, s in places.items() if cid != "leave-01"}
    states.wait_for(lambda _t, b: shown(b) == rest)
    (lapsed,) = [e for e in _log(hall, "staff.signed_out") if e.get("reason") == "lapsed"]
    assert lapsed["client"] == "leave-01" and lapsed["staff"] == "S013" and "by" not in lapsed
    assert lapsed["idle_s"] >= lapse_s
    assert _code(clients["leave-01"], "leave.list") == "sign_in_required"

    # Hours later the others are still signed in and still act as themselves.
    clock.advance(3 * 3600)
    assert _code(clients["duty-01"], "leave.list") is None
    assert _code(clients["guide-01"], "staff.sign_in", {"staff": "S004", "pin": "1234"}) is None
    assert _on_duty(hall) == rest
    assert len(_log(hall, "staff.signed_out")) == 1


def test_a_wrong_pin_does_not_keep_a_desk_sign_in_alive_and_a_restart_does_not_either(
    hall: RunningHall, clock: FakeClock, lapse_s: float
) -> None:
    """Only the signed-in person's commands count: failed sign-ins at the desk do not stretch
    it. After a restart the lapse is counted from the sign-in event's ``at``."""
    duty = hall.client("duty-01")  # signed in and out again (``hall duty`` closed)
    assert _code(duty, "staff.sign_in", {"staff": "S003", "pin": "1234"}) is None
    assert _code(duty, "staff.sign_out") is None
    desk = hall.client("leave-01")
    assert _code(desk, "staff.sign_in", {"staff": "S012", "pin": "1234"}) is None
    for _ in range(3):
        clock.advance(lapse_s / 3 - 1)
        assert _code(desk, "staff.sign_in", {"staff": "S001", "pin": "0000"}) == "sign_in_refused"
    clock.advance(3)
    assert _code(desk, "leave.list") == "sign_in_required"

    assert _code(desk, "staff.sign_in", {"staff": "S012", "pin": "1234"}) is None
    clock.advance(lapse_s - 10)
    hall.stop_service()
    hall.start_service(clock=clock)
    assert _on_duty(hall) == {"leave-01": "S012"}
    (staff,) = [d for d in hall.service.records.domains if d.name == "staff"]
    assert staff.on_duty["leave-01"]["name"] == hall.config.roster.by_id["S012"].name
    clock.advance(10)  # 10 s after the restart, lapse_s after the sign-in
    assert _code(desk, "leave.list") == "sign_in_required"

    assert _code(desk, "staff.sign_in", {"staff": "S012", "pin": "1234"}) is None
    hall.stop_service()
    hall.start_service(clock=clock)
    clock.advance(lapse_s - 1)
    assert _code(desk, "leave.list") is None  # before the lapse it still works
    reasons = [e.get("reason") for e in _log(hall, "staff.signed_out")]
    assert reasons == [None, "lapsed", "lapsed"]


def test_config_check_validates_the_leave_desk_session(tmp_path: Path) -> None:
    broken = tmp_path / "hall"
    shutil.copytree(MINI, broken)
    toml = broken / "hall.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text + "\n[staff]\nleave_desk_session_s = 300\n", encoding="utf-8")
    assert load_config(broken).hall_file.staff.leave_desk_session_s == 300
    toml.write_text(text + "\n[staff]\nleave_desk_session_s = 5\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_config(broken)
    (issue,) = [str(i) for i in exc.value.issues]
    assert issue.startswith("hall.toml: staff.leave_desk_session_s: Input should be greater")
    toml.write_text(text + "\n[staff]\nleave_desk_sesion_s = 60\n", encoding="utf-8")
    bad = subprocess.run(
        [sys.executable, "-m", "hall.cli", "config", "check", str(broken)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 1
    assert "hall.toml: staff.leave_desk_sesion_s:" in bad.stderr
