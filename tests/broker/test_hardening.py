"""Issue 6: what an outside client and a fault suite broke, each against the real service."""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from broker.store import Store
from hall.conf import HallConfig
from hall.mqtt import Endpoint, MqttLink, OpenBroker, ServiceNotResponding, admits_anonymous
from hall.net import free_port
from tests.support import Collector, FakeClock, RunningHall, start_hall

pytestmark = pytest.mark.broker


def _raw_command(hall: RunningHall, client_id: str, ctype: str, payload: bytes) -> dict:
    """Publish ``payload`` as is on the client's own command topic; return the reply."""
    link = MqttLink(hall.endpoint(client_id), hall.topics)
    replies = Collector()
    link.subscribe(hall.topics.reply(client_id), replies)
    link.connect(5)
    try:
        time.sleep(0.2)  # the subscription is in place before the command goes out
        link.publish_confirmed(hall.topics.command(client_id, ctype), payload)
        _t, reply = replies.wait_for(lambda t, b: True, timeout=10)
        return reply
    finally:
        link.close()


# 1. No input may stop the service.
def test_a_deeply_nested_payload_is_malformed_and_the_service_lives_on(hall: RunningHall) -> None:
    payload = b"[" * 100_000 + b"]" * 100_000
    reply = _raw_command(hall, "kiosk-01", "ticket.issue", payload)
    assert (reply["ok"], reply["error"]["code"], reply["id"]) == (False, "malformed", None)
    assert hall.service is not None and hall.service.fatal is None
    kiosk = hall.client("kiosk-01")
    assert kiosk.command("ticket.issue", {"item": "XK-GA-001"})["ticket"]["number"] == "A001"


def test_a_malformed_reply_never_echoes_an_invalid_id(hall: RunningHall) -> None:
    reply = _raw_command(hall, "kiosk-01", "ticket.issue", b'{"id": "bad id!", "args": 5}')
    assert (reply["error"]["code"], reply["id"]) == ("malformed", None)
    good = _raw_command(hall, "kiosk-01", "ticket.issue", b'{"id": "good-id-123", "args": 5}')
    assert (good["error"]["code"], good["id"]) == ("malformed", "good-id-123")


# 4. Argument models are strict.
@pytest.mark.parametrize(
    ("client", "ctype", "args"),
    [
        ("kiosk-01", "ticket.print_result", {"ticket": "A001", "ok": "yes"}),
        ("kiosk-01", "ticket.print_result", {"ticket": "A001", "ok": 1}),
        ("window-01", "window.after_hours", {"on": "yes"}),
        ("kiosk-01", "ticket.issue", {"item": 5}),
    ],
)
def test_wrong_types_are_invalid_args(
    hall: RunningHall, client: str, ctype: str, args: dict
) -> None:
    kiosk = hall.client("kiosk-01")
    kiosk.command("ticket.issue", {"item": "XK-GA-001"})
    reply = hall.client(client).request(ctype, args)
    assert (reply.ok, reply.error and reply.error.code) == (False, "invalid_args")
    assert hall.service is not None
    assert all(t.printed == "pending" for t in hall.service.state.tickets.values())


# 3. The business day never goes backwards.
def test_a_clock_step_back_keeps_ticketing(mini_config: HallConfig, tmp_path: Path) -> None:
    clock = FakeClock.local(2026, 11, 25, 10, 0)
    hall = start_hall(mini_config, tmp_path, clock=clock)
    try:
        kiosk = hall.client("kiosk-01")
        assert kiosk.command("ticket.issue", {"item": "XK-GA-001"})["ticket"]["number"] == "A001"
        clock.advance(86_400)  # NTP gone wrong: tomorrow ...
        second = kiosk.command("ticket.issue", {"item": "XK-GA-001"})["ticket"]
        assert (second["number"], second["day"]) == ("A001", "2026-11-26")
        clock.advance(-86_400)  # ... and back
        numbers = [kiosk.command("ticket.issue", {"item": "XK-GA-001"})["ticket"] for _ in range(3)]
        assert [(t["number"], t["day"]) for t in numbers] == [
            ("A002", "2026-11-26"),
            ("A003", "2026-11-26"),
            ("A004", "2026-11-26"),
        ]
        assert hall.service is not None and hall.service.fatal is None
        assert hall.service.engine.clock_behind == "2026-11-25"
        assert hall.service.clock_step is not None and hall.service.clock_step["by_s"] < 0
    finally:
        hall.stop()


# 2. A lost or damaged log is refused; a first start is explicit.
def test_an_empty_log_of_a_hall_that_had_one_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "hall.db"
    with pytest.raises(Exception, match="hall init"):
        Store(db, hall_code="GY")
    Store.create(db, "GY").close()
    db.write_bytes(b"")
    with pytest.raises(Exception, match=r"is empty.*Restore"):
        Store(db, hall_code="GY")
    with pytest.raises(Exception, match="already has an event log"):
        Store.create(db, "GY")
    db.unlink()
    with pytest.raises(Exception, match=r"is missing.*Restore"):
        Store.open_or_create(db, "GY")


def _fill(db: Path) -> None:
    store = Store.create(db, "GY")
    for i in range(400):
        store.record_command("kiosk-01", f"cmd-{i:08d}", "ticket.issue", "x", "y" * 200)
    store.commit()
    store.close()


@pytest.mark.parametrize("damage", ["header", "page", "truncated"])
def test_a_damaged_log_is_refused_with_advice(tmp_path: Path, damage: str) -> None:
    db = tmp_path / "hall.db"
    _fill(db)
    data = bytearray(db.read_bytes())
    assert len(data) > 8 * 4096
    if damage == "header":
        data[0:16] = b"not a database!!"
    elif damage == "page":
        data[4096 * 3 : 4096 * 3 + 512] = bytes(range(256)) * 2
    else:
        data = data[: len(data) // 2 + 100]
    db.write_bytes(bytes(data))
    with pytest.raises(Exception, match=r"damaged.*restore the log from the backup"):
        Store(db, hall_code="GY")


def test_one_writer_only(tmp_path: Path) -> None:
    db = tmp_path / "hall.db"
    first = Store.create(db, "GY")
    try:
        with pytest.raises(Exception, match="already open by a queue service"):
            Store(db, hall_code="GY")
        reader = Store.reader(db)  # reports read beside the writer
        assert reader.hall_id == first.hall_id
        reader.close()
    finally:
        first.close()
    Store(db, hall_code="GY").close()


def test_hall_init_then_service_refuses_a_lost_log(mini_config: HallConfig, tmp_path: Path) -> None:
    hall_cmd = [".venv/bin/hall"] if Path(".venv/bin/hall").exists() else ["hall"]
    common = ["--config", str(mini_config.directory), "--var", str(tmp_path)]
    subprocess.run([*hall_cmd, "secrets", *common], check=True, capture_output=True)
    first = subprocess.run([*hall_cmd, "init", *common], capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    again = subprocess.run([*hall_cmd, "init", *common], capture_output=True, text=True)
    assert again.returncode == 1 and "already has an event log" in again.stderr
    (tmp_path / "hall.db").write_bytes(b"")
    run = subprocess.run(
        [*hall_cmd, "service", *common, "--port", "9"], capture_output=True, text=True, timeout=30
    )
    assert run.returncode == 78
    assert "is empty" in run.stderr and "Traceback" not in run.stderr


# 5 is the wait estimate's (tests/broker/test_engine.py). 6. Only the hall's own broker.
def test_a_broker_that_admits_anonymous_clients_is_refused(
    hall: RunningHall, tmp_path: Path
) -> None:
    assert not admits_anonymous("127.0.0.1", hall.port)
    port = free_port()
    conf = tmp_path / "open.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\n")
    broker = subprocess.Popen(["mosquitto", "-c", str(conf)], stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not admits_anonymous("127.0.0.1", port, 0.5):
            assert time.monotonic() < deadline, "open broker did not start"
            time.sleep(0.05)
        link = MqttLink(Endpoint("127.0.0.1", port, "queue-service", "x"), hall.topics)
        with pytest.raises(OpenBroker, match="not this hall's broker"):
            link.connect(3)
    finally:
        broker.terminate()
        broker.wait(5)


# 7. A full disk: answered at once, recovered by itself.
def test_storage_full_is_answered_at_once_and_recovers(hall: RunningHall) -> None:
    assert hall.service is not None and hall.store is not None
    kiosk = hall.client("kiosk-01")
    assert kiosk.command("ticket.issue", {"item": "XK-GA-001"})["ticket"]["number"] == "A001"
    db = hall.store.db
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count={pages}")  # SQLite's own "database or disk is full"
    last = 1
    for _ in range(2000):  # the free space left in the last pages runs out
        reply = kiosk.request("ticket.issue", {"item": "XK-GA-001"}, attempts=1)
        if not reply.ok:
            break
        last = int(reply.result["ticket"]["number"][1:])
    assert reply.error is not None and reply.error.code == "storage_unavailable", reply
    failed = []
    for _ in range(30):
        t0 = time.monotonic()
        reply = kiosk.request("ticket.issue", {"item": "XK-GA-001"}, attempts=1)
        failed.append(time.monotonic() - t0)
        assert (reply.ok, reply.error and reply.error.code) == (False, "storage_unavailable")
    assert max(failed) < 2.0
    assert hall.service.fatal is None
    assert hall.service.storage_error and "full" in hall.service.storage_error
    db.execute("PRAGMA max_page_count=1073741823")
    deadline = time.monotonic() + 10
    while True:
        reply = kiosk.request("ticket.issue", {"item": "XK-GA-001"}, attempts=1)
        if reply.ok:
            break
        assert time.monotonic() < deadline, reply
        time.sleep(0.2)
    number = reply.result["ticket"]["number"]
    assert number == f"A{last + 1:03d}", "a refused command must not use up a number"
    assert hall.service.storage_error is None


# 8. Abandoned commands are not carried out; a silent service is seen.
def test_an_expired_command_is_not_carried_out(hall: RunningHall) -> None:
    kiosk = hall.client("kiosk-01")
    deadline = time.time() + 10
    while kiosk.heartbeat is None:
        assert time.time() < deadline, "no heartbeat"
        time.sleep(0.05)
    payload = json.dumps(
        {"id": uuid.uuid4().hex, "args": {"item": "XK-GA-001"}, "expires": time.time() - 1}
    ).encode()
    reply = _raw_command(hall, "kiosk-01", "ticket.issue", payload)
    assert (reply["ok"], reply["error"]["code"]) == (False, "expired")
    assert hall.service is not None and not hall.service.state.tickets


def test_clients_see_a_silent_service(hall: RunningHall) -> None:
    kiosk = hall.client("kiosk-01", stale_after_s=2.5)
    deadline = time.monotonic() + 10
    while kiosk.heartbeat is None:
        assert time.monotonic() < deadline, "no heartbeat"
        time.sleep(0.05)
    assert kiosk.service_responding()
    hall.stop_service()
    deadline = time.monotonic() + 10
    while kiosk.service_responding():
        assert time.monotonic() < deadline, "the heartbeat never went stale"
        time.sleep(0.1)
    t0 = time.monotonic()
    with pytest.raises(ServiceNotResponding):
        kiosk.request("ticket.issue", {"item": "XK-GA-001"})
    assert time.monotonic() - t0 < 0.5


# 9. Retained state comes back after a broker restart.
def test_snapshots_are_republished_after_a_broker_restart(hall: RunningHall) -> None:
    windows = {w.id for w in hall.config.windows}
    hall.broker.stop()
    hall.broker.start()
    seen = Collector()
    watcher = MqttLink(hall.endpoint("display-lobby"), hall.topics)
    watcher.subscribe(hall.topics.state("window/+"), seen)
    watcher.connect(5)
    try:
        deadline = time.monotonic() + 20
        while {t.rsplit("/", 1)[1] for t, _b in seen.messages} != windows:
            assert time.monotonic() < deadline, f"only {len(seen.messages)} window snapshots"
            time.sleep(0.1)
    finally:
        watcher.close()


# 12. A command is acknowledged only once it is durable.
def test_a_command_received_but_not_committed_is_redelivered(hall: RunningHall) -> None:
    service, store = hall.service, hall.store
    assert service is not None and store is not None
    kiosk = hall.client("kiosk-01")
    kiosk.command("service.ping")

    class Crash(BaseException):
        pass

    def crash() -> None:
        raise Crash("killed between receipt and commit")

    store.commit = crash  # type: ignore[method-assign]
    _cmd_id, fut, _mid = kiosk.send("ticket.issue", {"item": "XK-GA-001"}, track=False)
    deadline = time.monotonic() + 10
    while service.fatal is None:
        assert time.monotonic() < deadline, "the command never reached the service"
        time.sleep(0.02)
    # The crashed process's connection drops without a goodbye; its session stays.
    service.link.client._sock_close()  # type: ignore[attr-defined]
    service.link.client.loop_stop()
    store.close()
    hall.service = None
    hall.store = None
    restarted = hall.start_service()
    reply = fut.result(10)  # no retry from the kiosk: the broker redelivered it
    assert reply.ok and reply.result["ticket"]["number"] == "A001"
    assert restarted.state.counters == {"A": 1}
