"""One wait estimate everywhere: the ``ticket.issue`` reply, ``ticket.status`` and the retained
``state/queues`` tell an applicant the same wait for the same ticket at the same moment.

The real service over a real Mosquitto, on a clock the test holds still (the estimate moves
with time: ages of the tickets ahead, what is left at a counter, the lunch break).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hall.conf import HallConfig
from hall.mqtt import HallClient
from tests.support import Collector, FakeClock, RunningHall, start_hall

pytestmark = pytest.mark.broker


@pytest.fixture
def still(mini_config: HallConfig, tmp_path: Path, clock: FakeClock) -> Iterator[RunningHall]:
    """The hall on the test's clock (``clock``: conftest's, Wednesday 10:00, held still);
    ``state/queues`` after every batch that changes it."""
    running = start_hall(mini_config, tmp_path, clock=clock, queues_interval_s=0.0)
    try:
        yield running
    finally:
        running.stop()


def _queues_at(seen: Collector, seq: int) -> dict[str, Any]:
    """The ``state/queues`` that reflects every event up to ``seq``."""
    _t, body = seen.wait_for(lambda t, b: t.endswith("/state/queues") and b.get("seq") == seq)
    return body


def _do(client: HallClient, ctype: str, args: dict[str, Any] | None = None) -> tuple[dict, int]:
    reply = client.request(ctype, args or {})
    assert reply.ok, reply
    return reply.result, reply.seq


def _wait(result: dict[str, Any]) -> tuple[int, float, dict[str, Any]]:
    return result["people_ahead"], result["est_wait_min"], result["est_wait"]


def test_issue_reply_status_and_state_queues_agree(still: RunningHall, clock: FakeClock) -> None:
    seen = Collector()
    display = still.client("display-lobby")
    display.subscribe(still.topics.state("queues"), seen)
    kiosk, w01 = still.client("kiosk-01"), still.client("window-01")
    w02, w04 = still.client("window-02"), still.client("window-04")
    for w in (w01, w02, w04):
        _do(w, "window.open")
    # Work ahead of every kind the estimate counts: tickets of the item and of the other items
    # its windows serve, of different ages, a priority ticket, one at a counter being served.
    for item in ("XK-GA-001", "FX-SJ-001", "XK-GA-001", "XK-SJ-001", "XK-GA-001"):
        _do(kiosk, "ticket.issue", {"item": item})
        clock.advance(170)
    _do(kiosk, "ticket.issue", {"item": "XK-GA-001", "priority": "elderly"})
    _do(w01, "window.call_next")
    _, seq = _do(w01, "window.start")
    clock.advance(240)  # four minutes into that service
    # Someone takes a number for a queue served elsewhere: the snapshot is worked out now.
    _, seq = _do(kiosk, "ticket.issue", {"item": "XK-SW-001"})
    before = _queues_at(seen, seq)
    told = before["items_wait"]["XK-GA-001"]
    assert told["est_wait_min"] > 10  # a real wait, not a trivial zero

    issued, seq = _do(kiosk, "ticket.issue", {"item": "XK-GA-001"})
    ticket = issued["ticket"]
    # The confirm screen (state/queues just before) and the issue reply: the same wait.
    assert (issued["est_wait_min"], issued["est_wait"]) == (told["est_wait_min"], told["est_wait"])
    assert issued["people_ahead"] == before["prefixes"]["A"]["waiting"]
    # The ticket's status at that moment: the same as its reply.
    status, _ = _do(kiosk, "ticket.status", {"ticket": ticket["ref"]})
    assert _wait(status) == _wait(issued)
    assert status["windows"] == issued["windows"]

    # The next applicant is told a longer wait (this ticket is now ahead of them) ...
    after = _queues_at(seen, seq)
    assert after["items_wait"]["XK-GA-001"]["est_wait_min"] > issued["est_wait_min"]
    assert after["prefixes"]["A"]["waiting"] == issued["people_ahead"] + 1
    nxt, _ = _do(kiosk, "ticket.issue", {"item": "XK-GA-001"})
    assert nxt["est_wait_min"] == after["items_wait"]["XK-GA-001"]["est_wait_min"]
    assert nxt["est_wait"] == after["items_wait"]["XK-GA-001"]["est_wait"]
    # ... and tickets issued behind it do not change its own wait.
    again, _ = _do(kiosk, "ticket.status", {"ticket": ticket["id"]})
    assert _wait(again) == _wait(issued)


def test_a_priority_ticket_status_agrees_with_its_reply(
    still: RunningHall, clock: FakeClock
) -> None:
    kiosk, w02 = still.client("kiosk-01"), still.client("window-02")
    _do(w02, "window.open")
    for _ in range(4):
        _do(kiosk, "ticket.issue", {"item": "XK-SJ-001"})
        clock.advance(300)
    _do(kiosk, "ticket.issue", {"item": "XK-SJ-001", "priority": "elderly"})
    clock.advance(60)
    issued, _ = _do(kiosk, "ticket.issue", {"item": "XK-SJ-001", "priority": "elderly"})
    assert issued["est_wait_min"] > 0
    status, _ = _do(kiosk, "ticket.status", {"ticket": issued["ticket"]["number"]})
    assert _wait(status) == _wait(issued)
    # Normal tickets issued after it: they may starve before its turn, as the estimate at its
    # issue already reckoned, but they are not ahead of it at this moment.
    _do(kiosk, "ticket.issue", {"item": "XK-SJ-001"})
    status, _ = _do(kiosk, "ticket.status", {"ticket": issued["ticket"]["ref"]})
    assert status["people_ahead"] == issued["people_ahead"]
    assert status["est_wait_min"] >= issued["est_wait_min"]


def test_once_called_a_ticket_waits_no_more(still: RunningHall) -> None:
    kiosk, w01 = still.client("kiosk-01"), still.client("window-01")
    _do(w01, "window.open")
    issued, _ = _do(kiosk, "ticket.issue", {"item": "XK-GA-001"})
    _do(w01, "window.call_next")
    status, _ = _do(kiosk, "ticket.status", {"ticket": issued["ticket"]["id"]})
    assert status["ticket"]["status"] == "called"
    assert _wait(status) == (0, 0.0, {"minutes": 0, "range": None})


def test_a_queues_snapshot_gives_way_to_a_waiting_command(
    mini_config: HallConfig, clock: FakeClock
) -> None:
    """Worked out between commands (milliseconds for a big hall): a command that comes in
    meanwhile goes first, and the snapshot is worked out again, whole, afterwards."""
    from broker import snapshots
    from tests.broker.test_engine import Hall

    h = Hall(mini_config, clock)
    h.open("W01")
    h.issue("XK-GA-001")
    assert snapshots.queues(h.engine, "e1", clock(), lambda: 1) is None
    body = snapshots.queues(h.engine, "e1", clock(), lambda: 0)
    assert body is not None and body == snapshots.queues(h.engine, "e1", clock())
    assert set(body["items_wait"]) == set(mini_config.item_by_code)
