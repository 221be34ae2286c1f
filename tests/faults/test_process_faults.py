"""Processes killed or hung while kiosks take tickets: the queue service (SIGKILL, SIGSTOP),
the broker (SIGKILL) and the supervisor (`hall up`, SIGKILL). After each: acknowledged
tickets = tickets in the log, no duplicate, no gap; the longest wait is reported."""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import pytest

from broker.store import Store
from hall.conf import HallConfig
from hall.mqtt import HallClient
from hall.net import free_port
from hall.runtime import RuntimeDir
from tests.faults.harness import LONG, Applicants, ServiceProcess, check
from tests.runner.hallup import HallUp, wait_gone, write_machine
from tests.support import RunningHall

pytestmark = [pytest.mark.faults, pytest.mark.broker, pytest.mark.slow]

ITEM = "XK-GA-001"
KIOSKS = ("kiosk-01", "kiosk-02")


def _connector(hall: RunningHall):
    def connect(kiosk: str) -> HallClient:
        return HallClient(hall.endpoint(kiosk), hall.topics, request_timeout_s=2.0).connect(10)

    return connect


@pytest.fixture
def bare_hall(bare_hall: RunningHall, tmp_path: Path) -> RunningHall:
    """The shared broker-only hall with an event log (the test runs the service as a process)."""
    Store.open_or_create(tmp_path / "hall.db", bare_hall.config.code).close()
    return bare_hall


def test_sigkill_of_the_service(bare_hall: RunningHall) -> None:
    per_kiosk, kills = (150, 3) if LONG else (40, 1)
    service = ServiceProcess(bare_hall).start()
    apps = Applicants(_connector(bare_hall), KIOSKS, ITEM, per_kiosk, timeout=2.0, attempts=15)
    try:
        apps.start()
        step = (per_kiosk * len(KIOSKS)) // (kills + 1)
        for _ in range(kills):
            apps.wait_answers(step)
            service.kill()
            service.start()
        apps.join()
        apps.settle(_connector(bare_hall))
    finally:
        service.stop()
    # A kiosk may tell an applicant "see the guide officer" while the service restarts
    # (its heartbeat went silent): that applicant holds nothing, and the log must agree.
    row = check(
        "sigkill-service", apps, service.db, {"kills": kills, "service_start_s": service.start_s}
    )
    assert row["acked"] + row["gave_up"] - row["acked_on_settling"] == per_kiosk * len(KIOSKS)


def test_sigkill_of_the_broker(bare_hall: RunningHall) -> None:
    per_kiosk, kills = (150, 3) if LONG else (40, 1)
    service = ServiceProcess(bare_hall).start()
    apps = Applicants(_connector(bare_hall), KIOSKS, ITEM, per_kiosk, timeout=2.0, attempts=15)
    try:
        apps.start()
        step = (per_kiosk * len(KIOSKS)) // (kills + 1)
        for _ in range(kills):
            apps.wait_answers(step)
            broker = bare_hall.broker
            assert broker.process is not None
            broker.process.send_signal(signal.SIGKILL)
            broker.process.wait(10)
            broker.start()
        apps.join()
        assert service.alive(), service.log_tail()
        apps.settle(_connector(bare_hall))
    finally:
        service.stop()
    row = check("sigkill-broker", apps, service.db, {"kills": kills})
    assert row["acked"] + row["gave_up"] - row["acked_on_settling"] == per_kiosk * len(KIOSKS)


def test_hung_service_carries_out_no_abandoned_command(bare_hall: RunningHall) -> None:
    """SIGSTOP: kiosks give up (after about 5 s, as a kiosk does); after SIGCONT the service
    must not issue the tickets nobody waits for any more, and the kiosks learn from the
    heartbeat that the service is not responding instead of waiting in silence."""
    # Each hang starts just after a heartbeat. 9 s: a kiosk gives up on its first request at
    # 5 s (timeout), sends the next applicant's at 5.5 s (the heartbeat is not stale yet),
    # gives that up at 8 s on the silent heartbeat, while its deadline (10.5 s) is still
    # ahead when the service resumes at 9 s. 25 s (long run): everything queued expired.
    hangs = [25.0, 9.0] if LONG else [9.0]
    service = ServiceProcess(bare_hall).start()
    apps = Applicants(
        _connector(bare_hall), KIOSKS, ITEM, per_kiosk=10_000, timeout=2.5, attempts=2
    )
    try:
        apps.start()
        apps.wait_answers(10)
        for hang_s in hangs:
            apps.wait_fresh_heartbeat()
            service.signal(signal.SIGSTOP)
            time.sleep(hang_s)  # the fault itself lasts this long; nothing is asserted on timing
            service.signal(signal.SIGCONT)
            apps.wait_answers(10, timeout=60)  # served again after the hang
        apps.stop_event.set()
        apps.join()
        # A fresh request is answered only after everything queued before it was handled.
        probe = Applicants(_connector(bare_hall), ("kiosk-01",), ITEM, 1, timeout=5, attempts=3)
        probe.start().join()
        apps.outcomes += probe.outcomes
        apps.settle(_connector(bare_hall))
    finally:
        service.stop()
    gave_up_as = sorted({o.gave_up for o in apps.outcomes if o.gave_up})
    assert gave_up_as, "the hang was not felt: no applicant gave up"
    assert "ServiceNotResponding" in gave_up_as, gave_up_as
    check("hung-service", apps, service.db, {"hangs_s": hangs, "gave_up_as": gave_up_as})


def test_sigkill_of_the_supervisor(mini_config: HallConfig, tmp_path: Path) -> None:
    """`hall up` killed with SIGKILL mid-burst: its children go with it; a new `hall up` on
    the same var/ and port carries on; the kiosks' retries get their tickets."""
    var = tmp_path / "var"
    port = free_port()
    machine = write_machine(tmp_path, '[machine]\nname = "server"\n')
    argv = ("--ignore-hours", "--machine", str(machine), "--broker-port", str(port))
    up = HallUp(var, *argv, config=mini_config.directory)
    second: HallUp | None = None
    per_kiosk = 120 if LONG else 40
    try:
        up.wait_up()

        def connect(kiosk: str) -> HallClient:
            endpoint = RuntimeDir(var).endpoint(mini_config, kiosk, port=port)
            return HallClient(endpoint, _topics(mini_config), request_timeout_s=2.0).connect(10)

        apps = Applicants(connect, KIOSKS, ITEM, per_kiosk, timeout=2.0, attempts=30)
        apps.start()
        apps.wait_answers(per_kiosk // 2)
        children = up.children()
        os.kill(up.proc.pid, signal.SIGKILL)
        up.wait_exit(10)
        killed = time.monotonic()
        assert wait_gone(children, 15) == [], "children outlived the supervisor"
        children_gone_s = time.monotonic() - killed
        second = HallUp(var, *argv, config=mini_config.directory)
        out = second.wait_up()
        assert re.search(rf"mqtt://127\.0\.0\.1:{port}\b", out), out
        apps.join()
        apps.settle(connect)
    finally:
        if second is not None:
            second.stop()
        if up.proc.poll() is None:
            up.kill_all()
    row = check(
        "sigkill-supervisor",
        apps,
        var / "hall.db",
        {"children_gone_s": round(children_gone_s, 2)},
    )
    assert row["acked"] >= per_kiosk  # the first half at least; retries carry the rest


def _topics(config: HallConfig):
    from hall.protocol import Topics

    return Topics(config.topic_root)
