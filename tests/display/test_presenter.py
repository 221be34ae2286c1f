"""Display presenter without a window or a broker: sync rules, pacing, stale marker."""

from __future__ import annotations

from typing import Any

import pytest

from display.presenter import CallView, DisplayPresenter
from display.settings import ScreenSettings
from hall.conf import HallConfig

T0 = 1_795_744_800.0  # 2026-11-27 10:00 in Asia/Shanghai


def board(seq: int, epoch: str = "e1", calls: list[tuple[str, str, float]] = (), **windows: Any):
    return {
        "seq": seq,
        "epoch": epoch,
        "day": "2026-11-27",
        "at": "",
        "recent_calls": [
            {"ticket": f"20261127-{n}", "number": n, "window": w, "at": at, "calls": 1}
            for n, w, at in calls
        ],
        "windows": {
            w: {"status": "open", "after_hours": False, "current": cur, "current_status": "called"}
            for w, cur in windows.items()
        },
    }


def called(seq: int, number: str, window: str, at: float, epoch: str = "e1", recall=False):
    etype = "ticket.recalled" if recall else "ticket.called"
    return {
        "seq": seq,
        "epoch": epoch,
        "type": etype,
        "at": "",
        "day": "2026-11-27",
        "data": {"ticket": f"20261127-{number}", "window": window, "at": at},
    }


@pytest.fixture
def setup(mini_config: HallConfig):
    announced: list[CallView] = []
    p = DisplayPresenter(
        mini_config, ScreenSettings(min_show_s=3.0), announced.append, clock=lambda: T0
    )
    p.set_connected(True)
    return p, announced


def test_snapshot_history_is_not_announced(setup) -> None:
    p, announced = setup
    p.handle(
        "hall/GY/v1/state/board",
        board(5, calls=[("A002", "W01", T0 - 5), ("A001", "W04", T0 - 9)], W01="A002"),
    )
    v = p.view(T0)
    assert [c.number for c in v.calls] == ["A002", "A001"]
    assert v.highlight is not None and v.highlight.number == "A002"
    assert announced == [] and not v.stale
    assert {w.window: w.number for w in v.windows}["W01"] == "A002"
    assert v.clock == "10:00:00" and v.date == "2026-11-27"


def test_events_paced_by_min_show_none_lost(setup) -> None:
    p, announced = setup
    p.handle("hall/GY/v1/state/board", board(10))
    for i, w in enumerate(["W01", "W02", "W03", "W04"]):
        p.handle("hall/GY/v1/events", called(11 + i, f"A00{i + 1}", w, T0), now=T0)
    assert [c.number for c in announced] == ["A001", "A002", "A003", "A004"]
    v = p.view(T0)
    assert v.highlight.number == "A001" and v.pending == 3
    assert sorted(w.number for w in v.windows if w.number) == ["A001", "A002", "A003", "A004"]
    assert p.view(T0 + 2.9).highlight.number == "A001"
    assert p.view(T0 + 3.0).highlight.number == "A002"
    assert p.view(T0 + 3.1).highlight.number == "A002"  # one step per min_show_s
    assert p.view(T0 + 6.0).highlight.number == "A003"
    v = p.view(T0 + 9.0)
    assert v.highlight.number == "A004" and v.pending == 0
    assert [c.number for c in v.calls] == ["A004", "A003", "A002", "A001"]


def test_old_and_duplicate_events_ignored(setup) -> None:
    p, announced = setup
    p.handle("hall/GY/v1/events", called(11, "A001", "W01", T0))  # before any snapshot: buffered
    p.handle("hall/GY/v1/state/board", board(10))
    assert [c.number for c in announced] == ["A001"]
    p.handle("hall/GY/v1/events", called(11, "A001", "W01", T0))
    p.handle("hall/GY/v1/events", called(9, "A000", "W01", T0))
    assert len(announced) == 1


def test_gap_waits_for_snapshot_and_recovers_missed_call(setup) -> None:
    p, announced = setup
    p.handle("hall/GY/v1/state/board", board(10))
    p.handle("hall/GY/v1/events", called(13, "A003", "W03", T0))  # 11 and 12 were lost
    assert announced == []
    p.handle(
        "hall/GY/v1/state/board",
        board(12, calls=[("A002", "W02", T0 - 1), ("A001", "W01", T0 - 2)], W01="A001", W02="A002"),
    )
    assert [c.number for c in announced] == ["A001", "A002", "A003"]
    assert p.view(T0).seq == 13


def test_service_restart_new_epoch(setup) -> None:
    p, announced = setup
    p.handle("hall/GY/v1/state/board", board(10, W01="A001"))
    p.handle("hall/GY/v1/events", called(11, "A002", "W02", T0, epoch="e2"))
    assert announced == []  # a new epoch: derived state dropped until its snapshot
    p.handle("hall/GY/v1/state/board", board(10, epoch="e2", W01="A001"))
    assert [c.number for c in announced] == ["A002"]
    assert p.view(T0).epoch == "e2"


def test_recall_announced_again(setup) -> None:
    p, announced = setup
    p.handle("hall/GY/v1/state/board", board(10))
    p.handle("hall/GY/v1/events", called(11, "A001", "W01", T0))
    p.handle("hall/GY/v1/events", called(12, "A001", "W01", T0 + 20, recall=True))
    assert [(c.number, c.recall) for c in announced] == [("A001", False), ("A001", True)]


def test_finish_clears_window_tile(setup) -> None:
    p, _ = setup
    p.handle("hall/GY/v1/state/board", board(10, W01="A001"))
    p.handle(
        "hall/GY/v1/events",
        {
            "seq": 11,
            "epoch": "e1",
            "type": "ticket.finished",
            "data": {"ticket": "20261127-A001", "window": "W01"},
        },
    )
    assert {w.window: w.number for w in p.view(T0).windows}["W01"] is None


def test_stale_reasons(mini_config: HallConfig) -> None:
    now = [T0]
    p = DisplayPresenter(mini_config, ScreenSettings(heartbeat_timeout_s=30), clock=lambda: now[0])
    assert set(p.view().stale_reasons) == {"disconnected", "no_data", "no_heartbeat"}
    p.set_connected(True)
    p.handle("hall/GY/v1/status/queue-service", {"online": True, "epoch": "e1"})
    p.handle("hall/GY/v1/state/board", board(1))
    assert not p.view().stale
    now[0] += 31
    assert p.view().stale_reasons == ("no_heartbeat",)
    p.handle("hall/GY/v1/heartbeat", {"epoch": "e1", "seq": 1, "t": now[0], "storage": "ok"})
    assert not p.view().stale
    now[0] += 31
    assert p.view().stale_reasons == ("no_heartbeat",)
    p.handle("hall/GY/v1/status/queue-service", {"online": False, "reason": "lost"})
    assert "service_offline" in p.view().stale_reasons
    p.handle("hall/GY/v1/status/queue-service", {"online": True})
    assert not p.view().stale
    p.set_connected(False)
    assert p.view().stale_reasons == ("disconnected",)


def test_notice_and_queues(setup) -> None:
    p, _ = setup
    p.handle(
        "hall/GY/v1/state/notice", {"text": {"zh-Hant": "今日延時服務至20:00", "en": "Open late"}}
    )
    assert p.view().notice["zh-Hant"] == "今日延時服務至20:00"
    p.handle("hall/GY/v1/state/notice", {})
    assert p.view().notice is None
    # as the guide's guide.notice leaves it: a stamp, per-language text, until, by
    notice = {"seq": 9, "epoch": "e1", "text": {"zh-Hant": "午休", "zh-Hans": ""}, "until": T0 + 60}
    p.handle("hall/GY/v1/state/notice", {**notice, "by": "guide-01"})
    assert p.view(T0).notice == {"zh-Hant": "午休"}
    assert p.view(T0 + 61).notice is None
    p.handle("hall/GY/v1/state/notice", {"seq": 10, "epoch": "e1", "text": {}, "until": None})
    assert p.view(T0).notice is None
    p.handle(
        "hall/GY/v1/state/queues",
        {
            "seq": 3,
            "epoch": "e1",
            "prefixes": {
                "B": {"waiting": 2, "open_windows": 1, "est_wait_min": 16.0},
                "A": {"waiting": 5, "open_windows": 2, "est_wait_min": 20.0},
            },
        },
    )
    assert [(q.prefix, q.waiting) for q in p.view().queues] == [("A", 5), ("B", 2)]
