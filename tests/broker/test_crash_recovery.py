"""The service killed with SIGKILL mid-burst: no ticket lost or duplicated, clients resync."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from broker.store import Store
from hall.conf import HallConfig
from tests.support import Collector, RunningHall, start_hall

pytestmark = [pytest.mark.broker, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]


def _spawn_service(hall: RunningHall) -> subprocess.Popen[bytes]:
    ready = hall.directory / "run" / "queue-service.ready"
    ready.unlink(missing_ok=True)
    Store.open_or_create(hall.directory / "hall.db", hall.config.code).close()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hall.cli",
            "service",
            "--config",
            str(hall.config.directory),
            "--var",
            str(hall.directory),
            "--port",
            str(hall.port),
            "--ignore-hours",
        ],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=(hall.directory / "service.log").open("ab"),
    )
    deadline = time.monotonic() + 20
    while not ready.exists():
        assert proc.poll() is None, (hall.directory / "service.log").read_text()
        assert time.monotonic() < deadline, "service did not start"
        time.sleep(0.05)
    return proc


def test_sigkill_mid_burst_loses_and_duplicates_nothing(
    mini_config: HallConfig, tmp_path: Path
) -> None:
    hall = start_hall(mini_config, tmp_path, service=False)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        procs.append(_spawn_service(hall))
        watcher = hall.client("display-lobby")
        status = Collector()
        watcher.subscribe(hall.topics.status("queue-service"), status)
        _t, first_status = status.wait_for(lambda t, b: b.get("online") is True)

        results: dict[str, str] = {}
        errors: list[BaseException] = []
        lock = threading.Lock()
        issued = threading.Semaphore(0)

        def burst(kiosk_id: str, n: int) -> None:
            kiosk = hall.client(kiosk_id)
            for _ in range(n):
                cmd_id = uuid.uuid4().hex
                try:
                    reply = kiosk.request(
                        "ticket.issue",
                        {"item": "XK-GA-001"},
                        cmd_id=cmd_id,
                        timeout=2.0,
                        attempts=10,
                    )
                except BaseException as exc:
                    errors.append(exc)
                    return
                assert reply.ok, reply
                with lock:
                    results[cmd_id] = reply.result["ticket"]["number"]
                issued.release()

        threads = [
            threading.Thread(target=burst, args=(k, 50))
            for k in ("kiosk-01", "kiosk-02")
            for _ in range(2)
        ]
        for th in threads:
            th.start()
        for _ in range(60):  # let the burst get going, then kill the service mid-flight
            assert issued.acquire(timeout=20)
        os.kill(procs[0].pid, signal.SIGKILL)
        procs[0].wait(10)
        killed_at = len(results)
        time.sleep(0.3)
        procs.append(_spawn_service(hall))
        for th in threads:
            th.join(120)

        assert errors == []
        assert killed_at < 200
        numbers = sorted(results.values())
        assert numbers == [f"A{i:03d}" for i in range(1, 201)], "lost or duplicated tickets"

        # The clients resync: a new epoch is announced, and the retained state matches the log.
        _t, second = status.wait_for(
            lambda t, b: b.get("online") is True and b.get("epoch") != first_status["epoch"]
        )
        late = hall.client("window-01")
        state = Collector()
        late.subscribe(hall.topics.state("queues"), state)
        _t, queues = state.wait_for(
            lambda t, b: b.get("prefixes", {}).get("A", {}).get("last_issued") == 200
        )
        assert queues["epoch"] == second["epoch"]
        store = Store.reader(tmp_path / "hall.db")
        try:
            assert store.count("ticket_numbers") == 200
            assert queues["seq"] == store.last_seq()
        finally:
            store.close()
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                p.wait(10)
        hall.stop()
