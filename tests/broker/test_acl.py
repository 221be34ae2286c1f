"""Each refusal of the broker's ACL and password file, proven against the real Mosquitto."""

from __future__ import annotations

import time

import pytest

from hall.mqtt import ConnectFailed, HallClient, NotAuthorized
from tests.support import Collector, RunningHall

pytestmark = pytest.mark.broker


def test_wrong_password_and_unknown_user_cannot_connect(hall: RunningHall) -> None:
    with pytest.raises(ConnectFailed, match="refused"):
        HallClient(hall.endpoint("kiosk-01", password="guess"), hall.topics).connect(5)
    with pytest.raises(ConnectFailed, match="refused"):
        HallClient(hall.endpoint("kiosk-01", password=""), hall.topics).connect(5)
    stranger = hall.endpoint("kiosk-01")
    stranger = type(stranger)(stranger.host, stranger.port, "stranger", "x")
    with pytest.raises(ConnectFailed, match="refused"):
        HallClient(stranger, hall.topics).connect(5)


def test_kiosk_may_only_issue_tickets(hall: RunningHall) -> None:
    kiosk = hall.client("kiosk-01")
    assert kiosk.command("ticket.issue", {"item": "XK-GA-001"})["ticket"]["number"] == "A001"
    for ctype in ("window.call_next", "window.open", "service.shutdown"):
        with pytest.raises(NotAuthorized):
            kiosk.request(ctype, {})
    with pytest.raises(NotAuthorized):  # on another client's topic
        kiosk.publish_confirmed(hall.topics.command("window-01", "window.open"), {"id": "x" * 10})
    assert hall.service.state.window("W01").status == "closed"


def test_window_commands_only_its_own_window(hall: RunningHall) -> None:
    w1 = hall.client("window-01")
    w1.command("window.open")
    with pytest.raises(NotAuthorized):
        w1.publish_confirmed(hall.topics.command("window-02", "window.open"), {"id": "y" * 10})
    with pytest.raises(NotAuthorized):
        w1.request("ticket.issue", {"item": "XK-GA-001"})
    assert hall.service.state.window("W02").status == "closed"
    assert hall.service.state.tickets == {}


def test_display_can_only_read(hall: RunningHall) -> None:
    display = hall.client("display-lobby")
    seen = Collector()
    display.subscribe(hall.topics.state("board"), seen)
    seen.wait_for(lambda t, b: "recent_calls" in b)
    with pytest.raises(NotAuthorized):
        display.request("service.ping", {})
    with pytest.raises(NotAuthorized):
        display.publish_confirmed(
            hall.topics.state("board"), {"recent_calls": ["fake"]}, retain=True
        )
    with pytest.raises(NotAuthorized):
        display.publish_confirmed(hall.topics.events, {"seq": 999, "type": "ticket.called"})


def test_only_the_service_writes_state(hall: RunningHall) -> None:
    for client_id in ("kiosk-01", "window-01", "guide-01", "diag"):
        c = hall.client(client_id)
        with pytest.raises(NotAuthorized):
            c.publish_confirmed(hall.topics.state("board"), {"forged": True}, retain=True)
        with pytest.raises(NotAuthorized):
            c.publish_confirmed(hall.topics.status("queue-service"), {"online": False}, retain=True)
    board = Collector()
    hall.client("display-lobby").subscribe(hall.topics.state("board"), board)
    _t, body = board.wait_for(lambda t, b: True)
    assert "forged" not in body


def test_nobody_reads_another_clients_replies(hall: RunningHall) -> None:
    snoop = hall.client("kiosk-02")
    stolen = Collector()
    snoop.subscribe(hall.topics.reply("kiosk-01"), stolen)
    hall.client("kiosk-01").command("ticket.issue", {"item": "XK-GA-001"})
    time.sleep(0.5)
    assert stolen.messages == []


def test_client_ids_are_the_login_names(hall: RunningHall) -> None:
    """use_username_as_clientid: a client cannot take over another's session or status."""
    kiosk = hall.client("kiosk-01")
    watcher = hall.client("display-lobby")
    status = Collector()
    watcher.subscribe(hall.topics.status("+"), status)
    _t, body = status.wait_for(lambda t, b: t.endswith("/kiosk-01") and b.get("online"))
    assert body["client"] == "kiosk-01"
    assert kiosk.connected
