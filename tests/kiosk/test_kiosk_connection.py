"""The kiosk's connection without a window, started before its broker (real Mosquitto, real
queue service, the printer simulator): the printer is opened first, requests answer
``service_unreachable`` while the broker is away, and once it comes the kiosk connects by
itself and publishes its retained status (printer and scanner state)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from devices.printer.simulator import PrinterSimulator
from hall.conf.kiosks import Kiosk, KioskSettings, KiosksFile
from hall.runtime import RuntimeDir
from kiosk.connection import KioskConnection
from kiosk.request import TicketRequest
from tests.support import Collector, RunningHall, wait_until

pytestmark = [pytest.mark.broker, pytest.mark.timeout(120)]


def test_a_kiosk_started_before_its_broker_connects_by_itself(
    hall: RunningHall, simulator: PrinterSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="ui.link")
    hall.broker.stop()
    settings = KioskSettings(KiosksFile(kiosk=[Kiosk(client="kiosk-01")]), "kiosk-01")
    conn = KioskConnection(
        hall.config,
        settings,
        RuntimeDir.default(hall.directory),
        "kiosk-01",
        port=hall.port,
        printer_url=simulator.url,
        scanner="none",
    )
    queues: list[dict[str, Any]] = []
    conn.start(on_queues=queues.append, on_scan=lambda _code: None)
    try:
        wait_until(lambda: conn.printer is not None, 30, "the printer opened without a broker")
        retries = lambda: sum("retrying" in r.getMessage() for r in caplog.records)  # noqa: E731
        wait_until(lambda: retries() >= 2, 60, "two connect attempts fail")
        assert not conn.connected() and not conn.service_up()
        assert conn.printer_state() == "unknown"
        away = conn.issue(TicketRequest(item="XK-GA-001"))
        assert not away.ok and away.error == "service_unreachable"
        assert conn.ticket_status("A001") == {"ok": False, "error": "service_unreachable"}

        hall.broker.start()
        wait_until(conn.service_up, 60, "the kiosk connects once the broker is there")
        statuses = Collector()
        hall.client("guide-01").subscribe(hall.topics.status("kiosk-01"), statuses)
        _topic, status = statuses.wait_for(lambda _t, b: b.get("online") is True, 10)
        assert status["app"] == "kiosk"
        assert status["printer"] == "ok" and status["scanner"] == "ok"
        wait_until(lambda: bool(queues), 10, "the retained queues snapshot")
        result = conn.issue(TicketRequest(item="XK-GA-001"))
        assert result.ok and result.printed, result
        assert result.ticket is not None and result.ticket["number"] == "A001"
        assert len(simulator.wait_for_receipts(1, timeout=10)) == 1
    finally:
        conn.stop()
