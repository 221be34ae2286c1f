"""docs/protocol.md promises: the Mosquitto command-line tools can run a window and a display."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.support import RunningHall

pytestmark = pytest.mark.broker


def _rr(hall: RunningHall, user: str, ctype: str, body: str) -> dict:
    root = hall.topics.root
    out = subprocess.run(
        [
            "mosquitto_rr",
            "-p",
            str(hall.port),
            "-u",
            user,
            "-P",
            hall.passwords[user],
            "-t",
            f"{root}/cmd/{user}/{ctype}",
            "-e",
            f"{root}/reply/{user}",
            "-m",
            body,
            "-W",
            "5",
        ],
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def _sub_once(hall: RunningHall, user: str, topic: str) -> dict:
    out = subprocess.run(
        [
            "mosquitto_sub",
            "-p",
            str(hall.port),
            "-u",
            user,
            "-P",
            hall.passwords[user],
            "-t",
            topic,
            "-C",
            "1",
            "-W",
            "5",
        ],
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_a_window_terminal_and_led_display_with_mosquitto_tools(hall: RunningHall) -> None:
    issued = _rr(
        hall, "kiosk-01", "ticket.issue", '{"id": "kiosk01-000001", "args": {"item": "XK-GA-001"}}'
    )
    assert issued["result"]["ticket"]["number"] == "A001"
    assert _rr(hall, "window-01", "window.open", '{"id": "w01-00000001", "args": {}}')["ok"]
    called = _rr(hall, "window-01", "window.call_next", '{"id": "w01-00000002", "args": {}}')
    assert called["result"]["ticket"]["number"] == "A001"
    again = _rr(hall, "window-01", "window.call_next", '{"id": "w01-00000002", "args": {}}')
    assert again["replayed"] is True and again["result"] == called["result"]

    led = _sub_once(hall, "display-lobby", f"{hall.topics.root}/state/window/W01")
    assert led["ticket"]["number"] == "A001"
    board = _sub_once(hall, "display-lobby", f"{hall.topics.root}/state/board")
    assert board["windows"]["W01"]["current"] == "A001"

    refused = subprocess.run(
        [
            "mosquitto_pub",
            "-p",
            str(hall.port),
            "-u",
            "display-lobby",
            "-P",
            hall.passwords["display-lobby"],
            "-V",
            "mqttv5",
            "-q",
            "1",
            "-t",
            f"{hall.topics.root}/cmd/display-lobby/window.open",
            "-m",
            "{}",
        ],
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert "Not authorized" in refused.stderr
