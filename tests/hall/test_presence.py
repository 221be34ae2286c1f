"""Presence on ``status/<client>`` through a real Mosquitto: a client process killed with
SIGKILL is ``lost`` (its Last Will, carrying the ``since`` of the connection that went), one
that closes is ``closed`` with the time; a reconnect sets a new will for the new connection."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from hall.contract.base import ClientStatus
from tests.support import Collector, RunningHall

pytestmark = pytest.mark.broker

REPO = Path(__file__).resolve().parents[2]


def _client_process(hall: RunningHall, client_id: str) -> subprocess.Popen[str]:
    """A hall client in its own process: connects, says ``up``, closes on SIGTERM."""
    script = textwrap.dedent(f"""
        import signal, threading
        from hall.mqtt import Endpoint, HallClient
        from hall.protocol import Topics
        c = HallClient(Endpoint("127.0.0.1", {hall.port}, {client_id!r},
                                {hall.passwords[client_id]!r}), Topics({hall.topics.root!r}))
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        c.connect(5)
        c.publish_status(app="kiosk", printer="ok")
        print("up", flush=True)
        stop.wait(60)
        c.close()
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                            cwd=REPO)  # fmt: skip
    assert proc.stdout is not None and proc.stdout.readline().strip() == "up"
    return proc


def _statuses(hall: RunningHall, client_id: str) -> Collector:
    got = Collector()
    hall.client("display-lobby").subscribe(hall.topics.status(client_id), got)
    return got


def _model(body: dict) -> ClientStatus:
    return ClientStatus.model_validate(body)


def test_sigkill_leaves_lost_and_a_clean_stop_closed(bare_hall: RunningHall) -> None:
    hall = bare_hall
    statuses = _statuses(hall, "kiosk-02")
    proc = _client_process(hall, "kiosk-02")
    _t, online = statuses.wait_for(lambda t, b: b.get("printer") == "ok")
    up = _model(online)
    assert (up.state, up.online, up.presence) == ("online", True, "online")
    assert up.since is not None and up.at is not None and up.since <= up.at
    assert online["app"] == "kiosk", "the app's own fields are kept"

    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    _t, will = statuses.wait_for(lambda t, b: b.get("online") is False)
    lost = _model(will)
    assert (lost.state, lost.reason, lost.presence) == ("lost", "lost", "lost")
    assert lost.since == up.since, "the will names the connection that went"
    assert "at" not in will, "the broker sends the will as written at connect: no time in it"

    # The same client again, stopped cleanly (SIGTERM): it says goodbye.
    proc = _client_process(hall, "kiosk-02")
    _t, online = statuses.wait_for(
        lambda t, b: b.get("online") is True and b.get("since") != up.since
    )
    before = time.time()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(10) == 0
    _t, bye = statuses.wait_for(lambda t, b: b.get("state") == "closed")
    closed = _model(bye)
    assert (closed.online, closed.reason, closed.presence) == (False, "closed", "closed")
    assert closed.since == online["since"]
    assert closed.at is not None and before <= closed.at <= time.time()
    time.sleep(1.0)  # a will would have come by now (the socket closed at exit)
    assert statuses.messages[-1][1] == bye, "a clean stop leaves no Last Will behind"


def test_a_reconnect_sets_a_new_will_for_the_new_connection(bare_hall: RunningHall) -> None:
    hall = bare_hall
    statuses = _statuses(hall, "kiosk-01")
    proc = _client_process(hall, "kiosk-01")
    try:
        _t, first = statuses.wait_for(lambda t, b: b.get("printer") == "ok")
        hall.broker.stop()
        hall.broker.start()
        # paho reconnects (1-5 s): a new connection, a new since, the app's fields kept
        _t, again = statuses.wait_for(
            lambda t, b: b.get("online") is True and b.get("since") != first["since"], 15
        )
        assert again["since"] > first["since"] and again["printer"] == "ok"
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        # (the broker's restart ended the first connection: its own will may come first)
        _t, will = statuses.wait_for(
            lambda t, b: b.get("state") == "lost" and b.get("since") != first["since"], 10
        )
        assert will["since"] == again["since"], "the will of the connection that went"
    finally:
        proc.kill()
        proc.wait(10)
