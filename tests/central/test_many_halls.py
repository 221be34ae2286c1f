"""Three halls bridged to a centre: the link cut for a while, traffic goes on, a hall's service
restarts (new epoch) and a hall's broker restarts (its bridge queue lost) meanwhile; once the
link is back the centre holds each hall's log exactly: every event once, nothing missing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from reports.build import build_report
from reports.central_source import central_source
from reports.fold import fold
from reports.log import connect, events
from reports.stats import compute
from tests.central.harness import Centre

pytestmark = [pytest.mark.broker, pytest.mark.slow]

ITEMS = ("XK-GA-001", "XK-SJ-001")


@pytest.fixture
def centre(tmp_path: Path, central_db: str) -> Iterator[Centre]:
    c = Centre(tmp_path, central_db)
    try:
        yield c
    finally:
        c.stop()


def traffic(centre: Centre, code: str, tickets: int) -> None:
    """Issue tickets and serve some: events of several types."""
    hall = centre.halls[code].running
    kiosk = hall.client("kiosk-01")
    window = hall.client("window-01")
    window.command("window.open")
    for i in range(tickets):
        kiosk.command("ticket.issue", {"item": ITEMS[i % len(ITEMS)], "lang": "en"})
    for _ in range(tickets // 2):
        if window.command("window.call_next").get("ticket"):
            window.command("window.start")
            window.command("window.finish", {"outcome": "immediate"})


def assert_centre_matches(centre: Centre) -> None:
    for code, hall in centre.halls.items():
        log = hall.log()
        rows = centre.central_rows(code)
        assert [r[0] for r in rows] == list(range(1, len(log) + 1)), code
        committed = centre.collected_at(code)  # in seq order: committed in order, no holes
        assert committed == sorted(committed), code
        for (seq, epoch, at, etype, data), (cseq, cepoch, cat, ctype, cdata) in zip(
            log, rows, strict=True
        ):
            assert (seq, epoch, at, etype) == (cseq, cepoch, cat, ctype)
            assert json.loads(data) == json.loads(cdata)


def test_three_halls_link_cut_and_restored(centre: Centre) -> None:
    codes = ["HA", "HB", "HC"]
    centre.start_broker(codes)
    centre.start_collector()
    for code in codes:
        centre.add_hall(code)
    for code in codes:
        traffic(centre, code, 6)
    centre.wait_in_sync()
    assert_centre_matches(centre)

    # The link goes down; the halls keep issuing and serving.
    assert centre.broker is not None
    centre.broker.stop()
    for code in codes:
        traffic(centre, code, 8)
    # HB's service restarts during the outage: a new epoch, seq goes on.
    hb = centre.halls["HB"].running
    old_epoch = hb.service.epoch if hb.service else None
    for c in hb.clients:
        c.close(timeout=1)
    hb.clients.clear()
    hb.stop_service()
    hb.start_service()
    traffic(centre, "HB", 4)
    # HC's broker restarts during the outage: what it queued for the bridge is gone.
    hc = centre.halls["HC"].running
    for c in hc.clients:
        c.close(timeout=1)
    hc.clients.clear()
    hc.stop_service()
    hc.broker.stop()
    hc.broker.start()
    hc.start_service()
    traffic(centre, "HC", 3)

    centre.broker.start()
    centre.wait_in_sync(timeout=60)
    assert_centre_matches(centre)
    assert "hall HC: asked for events" in centre.collector_log(lines=None)  # resynced
    epochs = {r[1] for r in centre.central_rows("HB")}
    assert old_epoch in epochs and len(epochs) == 2
    check_central_reports(centre, tmp_path := centre.base / "reports")
    assert (tmp_path / "all" / "report.html").is_file()


def check_central_reports(centre: Centre, out: Path) -> None:
    """``hall report --central``: per hall the same figures as from the hall's own log; all
    halls together the sums (and the whole report: CSV, charts, HTML)."""
    day = date.fromisoformat(centre.halls["HA"].log()[-1][2][:10])
    config = centre.halls["HA"].running.config
    totals = [0, 0]
    for code, hall in centre.halls.items():
        db = connect(hall.db)
        try:
            local_events = list(events(db, day, day))
        finally:
            db.close()
        central_events = central_source(centre.db_url, [code])(day, day)
        assert central_events == local_events
        local = compute(fold(local_events).values(), day, day, config.tz)
        assert local.tickets > 0
        totals[0] += local.tickets
        totals[1] += local.served
    every = build_report(
        config, None, day, day, out / "all", title="all", source=central_source(centre.db_url)
    )
    assert [every.stats.tickets, every.stats.served] == totals
