"""The parts on their own: the bridge section, the central ACL enforced by a real broker, the
responder's answers from a real log, the collector's gap arithmetic, the commands."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import paho.mqtt.client as mqtt
import psycopg
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from bench.central_halls import hall_config_copy
from broker.engine import EmittedEvent
from broker.store import Store
from central.bridge import COLLECTOR_ID, Tls, bridge_conf, bridge_user, day_queue
from central.broker import CentralBroker
from central.collector import HallTrack
from central.db import CentralDB, Row, migrate
from central.responder import CHUNK, answer
from hall.acl import acl_file
from hall.cli import main
from hall.net import free_port

MINI_HALL = Path(__file__).resolve().parents[2] / "tests" / "data" / "mini-hall"


def test_bridge_section(tmp_path: Path) -> None:
    config = hall_config_copy(MINI_HALL, tmp_path / "c", "HQ")
    text = bridge_conf(config, "centre.example", 8883, "pw")
    lines = set(text.splitlines())
    assert {
        "cleansession false",
        "local_cleansession false",
        "remote_username bridge-HQ",
        "topic hall/HQ/v1/events out 1",
        "topic hall/HQ/v1/central/req in 1",
        "topic hall/HQ/v1/state/# out 0",
        "address centre.example:8883",
    } <= lines
    assert f"max_queued_messages {day_queue(config)}" in lines
    assert not any(line.startswith("bridge_cafile") for line in lines)  # TLS off by default
    tls = bridge_conf(config, "c", 8883, "pw", tls=Tls("/ca.pem", "/hall.pem", "/hall.key"))
    assert {
        "bridge_cafile /ca.pem",
        "bridge_certfile /hall.pem",
        "bridge_keyfile /hall.key",
        "bridge_insecure false",
    } <= set(tls.splitlines())
    # The hall's own ACL gives the responder the two central topics and nothing more.
    acl = acl_file(config).split("user central-link\n")[1].split("\n\n")[0].splitlines()
    assert acl == [
        "topic write hall/HQ/v1/status/central-link",
        "topic read hall/HQ/v1/central/req",
        "topic write hall/HQ/v1/central/resync",
    ]


def _publish_rc(port: int, user: str, password: str, topic: str) -> int:
    """PUBACK reason code of one QoS 1 publish (MQTT 5)."""
    got: dict[str, int] = {}
    done = threading.Event()
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=user, protocol=mqtt.MQTTv5)
    client.username_pw_set(user, password)

    def on_publish(_c: object, _u: object, _mid: int, rc: mqtt.ReasonCode, _p: object) -> None:
        got["rc"] = rc.value
        done.set()

    client.on_publish = on_publish
    client.connect("127.0.0.1", port)
    client.loop_start()
    try:
        client.publish(topic, b"{}", qos=1)
        assert done.wait(5), "no PUBACK"
    finally:
        client.disconnect()
        client.loop_stop()
    return got["rc"]


def test_central_acl_one_hall_per_bridge(tmp_path: Path) -> None:
    passwords = {bridge_user("HA"): "a", bridge_user("HB"): "b", COLLECTOR_ID: "c"}
    broker = CentralBroker(tmp_path, free_port(), passwords, ["HA", "HB"]).start()
    try:
        # 0x10: accepted, nobody subscribed yet; 0x87: not authorised.
        assert _publish_rc(broker.port, "bridge-HA", "a", "hall/HA/v1/events") == 0x10
        assert _publish_rc(broker.port, "bridge-HA", "a", "hall/HB/v1/events") == 0x87
        assert _publish_rc(broker.port, COLLECTOR_ID, "c", "hall/HA/v1/central/req") == 0x10
        assert _publish_rc(broker.port, COLLECTOR_ID, "c", "hall/HA/v1/events") == 0x87
    finally:
        broker.stop()


def test_responder_answers_in_chunks_from_the_log(tmp_path: Path) -> None:
    store = Store.open_or_create(tmp_path / "hall.db", "HQ")
    n = CHUNK + 50
    store.append(
        [
            EmittedEvent(
                seq=i,
                type="window.changed",
                data={"window": "W01"},
                at="2026-11-25T10:00:00.000+08:00",
                day="2026-11-25",
            )
            for i in range(1, n + 1)
        ],
        "epoch1",
    )
    store.commit()
    reader = Store.reader(tmp_path / "hall.db")
    try:
        parts = answer(reader, "HQ", {"id": "r1", "first": 3, "last": None})
        assert [(p["first"], p["last"]) for p in parts] == [(3, CHUNK + 2), (CHUNK + 3, n)]
        assert [e["seq"] for p in parts for e in p["events"]] == list(range(3, n + 1))
        assert all(p["head"] == n and len(json.dumps(p)) < 262144 for p in parts)
        assert [p.get("final", False) for p in parts] == [False, True]
        empty = answer(reader, "HQ", {"id": "r2", "first": n + 1, "last": n + 5})
        assert empty[0]["events"] == [] and empty[0]["head"] == n
    finally:
        reader.close()
        store.close()


def _row(seq: int) -> Row:
    return Row("HA", seq, "e1", "2026-11-25T10:00:00.000+08:00", "2026-11-25", "t", {})


def test_gap_arithmetic() -> None:
    track = HallTrack(frontier=10)
    run, frontier = track.plan([_row(s) for s in (12, 11, 15, 16, 9)])
    assert ([r.seq for r in run], frontier) == ([11, 12], 12)  # in order; 9 is old
    track.committed(frontier, now=0.0)
    assert sorted(track.held) == [15, 16]  # beyond the gap: held, not written
    assert track.missing(now=0, tail_after_s=3) == (13, 14)
    run, frontier = track.plan([_row(14), _row(13)])
    assert ([r.seq for r in run], frontier) == ([13, 14, 15, 16], 16)
    track.committed(frontier, now=100.0)
    assert (track.frontier, track.held) == (16, {})
    track.head = 20
    assert track.missing(now=101.0, tail_after_s=3) is None  # may still be on its way
    assert track.missing(now=104.0, tail_after_s=3) == (17, 20)  # the tail never came


def test_writes_are_idempotent_and_migrations_rerun(central_db: str) -> None:
    assert migrate(central_db) == ["0001_events"]
    assert migrate(central_db) == []
    db = CentralDB(central_db)
    try:
        e = {
            "seq": 1,
            "epoch": "e1",
            "at": "2026-11-25T10:00:00.000+08:00",
            "day": "2026-11-25",
            "type": "window.changed",
            "data": {"window": "W01", "名": "窗口"},
        }
        rows = [Row.of("HA", e), Row.of("HA", {**e, "seq": 3}), Row.of("HA", e)]
        db.write(rows, {"HA": (1, "e1")})
        db.write(rows[:1], {"HA": (1, "e1")})
        assert db.frontiers() == {"HA": (1, {3})}
    finally:
        db.close()
    with psycopg.connect(central_db) as conn:
        got = conn.execute("SELECT seq, data FROM events ORDER BY seq").fetchall()
    assert got == [(1, e["data"]), (3, e["data"])]


def test_commands(tmp_path: Path, central_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    config = hall_config_copy(MINI_HALL, tmp_path / "c", "HQ")
    out = tmp_path / "bridge.conf"
    assert (
        main(
            [
                "central",
                "bridge",
                "--config",
                str(config.directory),
                "--central",
                "127.0.0.1:1884",
                "--password",
                "s3cret",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert "remote_password s3cret" in out.read_text() and out.stat().st_mode & 0o077 == 0
    assert main(["central", "migrate", "--db", central_db]) == 0
    assert "0001_events" in capsys.readouterr().out
    report = [
        "report",
        "daily",
        "--day",
        "2026-11-25",
        "--central",
        "--config",
        str(MINI_HALL),
        "--out",
        str(tmp_path / "r"),
        "--central-db",
    ]
    assert main([*report, central_db]) == 0
    assert "0 tickets" in capsys.readouterr().out
    assert (tmp_path / "r" / "report.html").is_file()
    # An unreachable centre is said, not a traceback.
    assert main([*report, "postgresql://postgres@127.0.0.1:1/x?connect_timeout=2"]) == 1
    assert "central record" in capsys.readouterr().err
