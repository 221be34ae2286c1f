"""``state/waiting`` is published as text that keeps each row's JSON while the row is unchanged
(``snapshots.WaitingJson``): after any sequence of commands the text is the body
:func:`broker.snapshots.waiting` builds from scratch, dumped as the service dumps every
snapshot, byte for byte.

Random days on the sample hall (the walk of ``test_waitcache``: issues, calls, starts,
finishes, no-shows, transfers, the guide's moves and priorities, windows, the clock into the
next day, the state rebuilt from the log), with prints that fail, and a shorter list limit so
that tickets move in and out of it.
"""

from __future__ import annotations

import json

import pytest

from broker import snapshots
from hall.conf import HallConfig
from tests.broker.test_waitcache import Walk


class WaitingWalk(Walk):
    """The waitcache walk; its checks compare ``state/waiting`` kept and from scratch."""

    def __init__(self, config: HallConfig, seed: int):
        super().__init__(config, seed, no_shows=True)
        self.view = snapshots.WaitingJson()
        self.compared = 0

    def step(self) -> None:
        if self.rnd.random() < 0.03:
            self.print_failed()
        super().step()

    def print_failed(self) -> None:
        t = self.waiting_ticket()
        if t is not None:
            data = {"ticket": t.id, "ok": False, "error": "paper_out"}
            self.hall.engine.emit("ticket.printed", data, self.clock())

    def check(self, abandon_after: int | None = None) -> None:
        engine, now = self.hall.engine, self.clock()
        text = self.view.text(engine, "e", now)
        assert text == snapshots.dumps(snapshots.waiting(engine, "e", now))
        assert json.loads(text)["seq"] == engine.state.seq
        self.compared += 1


@pytest.mark.parametrize("seed", [1, 2])
def test_kept_rows_equal_the_waiting_list_from_scratch(
    sample_config: HallConfig, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(snapshots, "WAITING_MAX", 60)
    walk = WaitingWalk(sample_config, seed)
    for _ in range(1200):
        walk.step()
    walk.check()
    assert walk.compared > 100
    tickets = walk.hall.state.tickets.values()
    assert any(t.printed == "failed" for t in tickets)
    assert walk.hall.state.day == "2026-11-26"  # the list was emptied by a new day once


def test_a_changed_row_is_dumped_again(sample_config: HallConfig) -> None:
    """A ticket called after a snapshot shows its new status and window in the next one."""
    walk = WaitingWalk(sample_config, 5)
    walk.clock.set_local(2026, 11, 25, 10, 0)  # the hall is open
    h = walk.hall
    h.open("W01")
    item = sample_config.items_by_window["W01"][0]
    for _ in range(3):
        h.issue(item)
    engine = h.engine
    first = json.loads(walk.view.text(engine, "e", walk.clock()))
    assert [t["status"] for t in first["tickets"]] == ["waiting"] * 3
    h.call("W01")
    second = json.loads(walk.view.text(engine, "e", walk.clock()))
    assert [(t["status"], t["window"]) for t in second["tickets"]] == [
        ("called", "W01"),
        ("waiting", None),
        ("waiting", None),
    ]
    assert second == snapshots.waiting(engine, "e", walk.clock())
