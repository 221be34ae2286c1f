"""The queue service over a real Mosquitto: commands, replies, events, snapshots, retries."""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid

import paho.mqtt.client as mqtt
import pytest

from hall.mqtt import CommandFailed
from tests.support import Collector, RunningHall

pytestmark = pytest.mark.broker


def test_issue_call_and_the_display_sees_it(hall: RunningHall) -> None:
    display = hall.client("display-lobby")
    seen = Collector()
    display.subscribe(hall.topics.events, seen)
    display.subscribe(hall.topics.state("#"), seen)
    kiosk, window = hall.client("kiosk-01"), hall.client("window-01")

    issued = kiosk.command("ticket.issue", {"item": "XK-GA-001", "lang": "en"})
    assert issued["ticket"]["number"] == "A001"
    assert issued["windows"] == ["W01", "W04"]
    window.command("window.open")
    called = window.command("window.call_next")["ticket"]
    assert (called["number"], called["window"], called["status"]) == ("A001", "W01", "called")

    _t, event = seen.wait_for(lambda t, b: b.get("type") == "ticket.called")
    assert (event["data"]["ticket"], event["data"]["window"]) == (called["id"], "W01")
    _t, board = seen.wait_for(lambda t, b: t.endswith("/state/board") and b.get("recent_calls"))
    assert board["recent_calls"][0]["number"] == "A001"
    assert board["windows"]["W01"]["current"] == "A001"
    assert board["seq"] >= event["seq"]
    _t, w01 = seen.wait_for(
        lambda t, b: t.endswith("/state/window/W01") and b.get("ticket") is not None
    )
    assert w01["ticket"]["number"] == "A001"


def test_events_are_numbered_without_gaps(hall: RunningHall) -> None:
    watcher = hall.client("display-lobby")
    seen = Collector()
    watcher.subscribe(hall.topics.events, seen)
    kiosk = hall.client("kiosk-01")
    for _ in range(20):
        kiosk.command("ticket.issue", {"item": "XK-SJ-001"})
    seen.wait_for(lambda t, b: b.get("data", {}).get("ticket", {}).get("number") == "B020")
    seqs = [b["seq"] for _t, b in seen.messages]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    assert {b["epoch"] for _t, b in seen.messages} == {hall.service.epoch}


def test_a_retried_command_returns_the_first_result(hall: RunningHall) -> None:
    kiosk = hall.client("kiosk-01")
    cmd_id = uuid.uuid4().hex
    first = kiosk.request("ticket.issue", {"item": "XK-GA-001"}, cmd_id=cmd_id)
    again = kiosk.request("ticket.issue", {"item": "XK-GA-001"}, cmd_id=cmd_id)
    assert first.ok and again.ok
    assert again.result == first.result
    assert (first.replayed, again.replayed) == (False, True)
    assert len(hall.service.state.tickets) == 1
    # The same id from another client is another command.
    other = hall.client("kiosk-02").request("ticket.issue", {"item": "XK-GA-001"}, cmd_id=cmd_id)
    assert other.result["ticket"]["number"] == "A002"


def test_a_refused_command_changes_nothing_and_says_why(hall: RunningHall) -> None:
    window = hall.client("window-01")
    seq = hall.service.state.seq
    with pytest.raises(CommandFailed) as exc:
        window.command("window.call_next")
    assert exc.value.code == "window_closed"
    with pytest.raises(CommandFailed) as exc:
        hall.client("kiosk-01").command("ticket.issue", {"item": "NOPE"})
    assert exc.value.code == "unknown_item"
    # The day opened with the first command; nothing else happened.
    assert all(e != "ticket.issued" for e in _event_types(hall, seq))


def _event_types(hall: RunningHall, after: int) -> list[str]:
    assert hall.store is not None
    return [e["type"] for e in hall.store.events_between(after + 1, hall.service.state.seq)]


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (b"not json", "malformed"),
        (b"[1, 2]", "malformed"),
        (b'{"args": {"item": "XK-GA-001"}}', "malformed"),
        (b'{"id": "short", "args": {}}', "malformed"),
        (b'{"id": "cmd-0000000001", "args": {"item": "XK-GA-001"}, "extra": 1}', "malformed"),
        (b'{"id": "cmd-0000000002", "args": {"item": 42}}', "invalid_args"),
        (
            b'{"id": "cmd-0000000003", "args": {"item": "XK-GA-001", "sneaky": true}}',
            "invalid_args",
        ),
        (
            b'{"id": "cmd-0000000004", "args": {"item": "XK-GA-001", "id_masked": "1301011990"}}',
            "invalid_args",
        ),
        ('{"id": "cmd-0000000005", "args": {"item": "\u6236\u53e3"}}'.encode(), "unknown_item"),
    ],
)
def test_malformed_payloads_get_an_error_reply(
    hall: RunningHall, payload: bytes, code: str
) -> None:
    kiosk = hall.client("kiosk-01")
    replies = Collector()
    kiosk.subscribe(hall.topics.reply("kiosk-01"), replies)
    kiosk.publish_confirmed(hall.topics.command("kiosk-01", "ticket.issue"), payload)
    _t, reply = replies.wait_for(lambda t, b: b.get("ok") is False)
    assert reply["error"]["code"] == code
    assert hall.service.state.tickets == {}


def test_unknown_command_types_and_foreign_topics_are_refused_by_the_service(
    hall: RunningHall,
) -> None:
    """Defence in depth: what the ACL would stop, the service refuses too."""
    service = hall.service
    assert service is not None

    def message(topic: str, payload: dict) -> mqtt.MQTTMessage:
        msg = mqtt.MQTTMessage(topic=topic.encode())
        msg.payload = json.dumps(payload).encode()
        return msg

    t = hall.topics
    out = service._handle(message(t.command("kiosk-01", "window.call_next"), {"id": "x" * 10}))
    assert out is not None and json.loads(out.payload)["error"]["code"] == "forbidden"
    out = service._handle(message(t.command("kiosk-01", "ticket.burn"), {"id": "x" * 11}))
    assert out is not None and json.loads(out.payload)["error"]["code"] == "unknown_command"
    assert service._handle(message(t.command("nobody", "ticket.issue"), {"id": "x" * 12})) is None
    assert service._handle(message(f"{t.root}/cmd/kiosk-01", {"id": "x" * 13})) is None


def test_concurrent_issuing_never_duplicates_a_number(hall: RunningHall) -> None:
    kiosks = [hall.client("kiosk-01"), hall.client("kiosk-02")]
    numbers: list[str] = []
    lock = threading.Lock()

    def issue(kiosk, n: int) -> None:
        for _ in range(n):
            number = kiosk.command("ticket.issue", {"item": "XK-GA-001"})["ticket"]["number"]
            with lock:
                numbers.append(number)

    threads = [threading.Thread(target=issue, args=(k, 40)) for k in kiosks for _ in range(3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert len(numbers) == 240
    assert sorted(numbers) == [f"A{i:03d}" for i in range(1, 241)]


def test_print_result_is_recorded_and_only_by_the_issuing_kiosk(hall: RunningHall) -> None:
    k1, k2 = hall.client("kiosk-01"), hall.client("kiosk-02")
    ticket = k1.command("ticket.issue", {"item": "XK-GA-001"})["ticket"]
    assert ticket["printed"] == "pending"
    with pytest.raises(CommandFailed) as exc:
        k2.command("ticket.print_result", {"ticket": ticket["id"], "ok": True})
    assert exc.value.code == "not_your_ticket"
    result = k1.command(
        "ticket.print_result", {"ticket": ticket["number"], "ok": False, "error": "paper_out"}
    )
    assert (result["ticket"]["printed"], result["ticket"]["print_error"]) == ("failed", "paper_out")


def test_skip_transfer_finish_over_mqtt(hall: RunningHall) -> None:
    kiosk = hall.client("kiosk-01")
    w1, w3 = hall.client("window-01"), hall.client("window-03")
    for w in (w1, w3):
        w.command("window.open")
    kiosk.command("ticket.issue", {"item": "XK-GA-001"})
    kiosk.command("ticket.issue", {"item": "XK-GA-001"})
    assert w1.command("window.call_next")["ticket"]["number"] == "A001"
    assert w1.command("window.recall")["ticket"]["calls"] == 2
    assert w1.command("window.skip")["requeued"] is True
    assert w1.command("window.call_next")["ticket"]["number"] == "A002"
    w1.command("window.start")
    w1.command("window.transfer", {"to_window": "W03"})
    assert w3.command("window.call_next")["ticket"]["number"] == "A002"
    done = w3.command("window.finish", {"outcome": "promised"})["ticket"]
    assert (done["status"], done["outcome"], done["transfers"]) == ("done", "promised", 1)
    assert w1.command("window.call_next")["ticket"]["number"] == "A001"


def test_an_oversized_payload_never_reaches_the_service(hall: RunningHall) -> None:
    kiosk = hall.client("kiosk-01")
    replies = Collector()
    kiosk.subscribe(hall.topics.reply("kiosk-01"), replies)
    huge = '{"id": "big-000000001", "args": {"item": "' + "X" * 300_000 + '"}}'
    # paho may refuse it itself: the broker announced its maximum packet size.
    with contextlib.suppress(ValueError, OSError):
        kiosk.publish(hall.topics.command("kiosk-01", "ticket.issue"), huge, qos=1)
    assert hall.client("kiosk-02").command("service.ping", {"nonce": "still-here"})["pong"] == (
        "still-here"
    )
    assert hall.service.state.tickets == {}
    time.sleep(0.3)
    assert all(body.get("id") != "big-000000001" for _t, body in replies.messages)
