"""`hall simulate`: reproducible days, every ticket accounted for, errors computed right."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest

from hall.cli import main
from hall.conf import HallConfig
from simulation.params import SimParams, load_params
from simulation.report import error_figures, percentile, summary
from simulation.run import Driver, simulate
from simulation.traffic import TimedCommand, day_traffic

ROOT = Path(__file__).resolve().parents[2]
DAY = date(2026, 11, 30)


@pytest.fixture(scope="module")
def params() -> SimParams:
    return load_params(ROOT / "config" / "simulation.toml")


def _events(config: HallConfig, params: SimParams, seed: int) -> list[tuple[str, str]]:
    driver = Driver(config)
    seen: list[tuple[str, str]] = []
    traffic = day_traffic(config, params, DAY, seed=seed, utilisation=0.9)
    try:
        cmd = next(traffic)
        while True:
            answer = driver.execute(cmd)
            seen.append((f"{cmd.at:.3f} {cmd.client} {cmd.type} {cmd.args}", str(answer.result)))
            cmd = traffic.send(answer)
    except StopIteration:
        pass
    return seen


def test_same_seed_same_day(mini_config: HallConfig, params: SimParams) -> None:
    first = _events(mini_config, params, seed=7)
    assert len(first) > 200
    assert _events(mini_config, params, seed=7) == first
    assert _events(mini_config, params, seed=8) != first


def test_no_ticket_lost_doubled_or_left_waiting(mini_config: HallConfig, params: SimParams) -> None:
    # Twice a peak day on the 4-window mini hall: queues are left at closing.
    result = simulate(mini_config, params, days=2, seed=3, load="peak", scale=2.0)
    assert len(result.days) == 2
    day_closed = 0
    for day in result.days:
        assert day.duplicate_issues == 0
        numbers = [t.number for t in day.tickets.values()]
        assert len(numbers) == len(set(numbers)) > 50
        # What the kiosks were told they hold is exactly what the event log holds.
        assert day.issued_ok == set(day.tickets)
        for t in day.tickets.values():
            assert t.status in ("done", "void"), (t.number, t.status)
            if t.status == "void":
                assert t.void_reason in ("day_closed", "no_show")
            if t.void_reason == "day_closed":
                day_closed += 1
    assert day_closed > 0
    figures = summary(result)
    assert figures["voided_day_end"] == day_closed
    assert figures["tickets"] == sum(len(d.tickets) for d in result.days)


def _at(h: int, m: int, s: int = 0) -> float:
    from zoneinfo import ZoneInfo

    return datetime(2026, 11, 25, h, m, s, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp()


def test_estimate_error_on_a_hand_made_day(mini_config: HallConfig) -> None:
    w, k = "window-01", "kiosk-01"
    day = [
        TimedCommand(_at(10, 0), w, "window.open", {}),
        TimedCommand(_at(10, 0), k, "ticket.issue", {"item": "XK-GA-001"}),  # A001
        TimedCommand(_at(10, 0, 10), w, "window.call_next", {}),  # A001 waited 10 s
        TimedCommand(_at(10, 1), k, "ticket.issue", {"item": "XK-GA-001"}),  # A002
        TimedCommand(_at(10, 1, 30), w, "window.start", {}),
        TimedCommand(_at(10, 2), k, "ticket.issue", {"item": "XK-GA-001"}),  # A003
        TimedCommand(_at(10, 11, 30), w, "window.finish", {"outcome": "immediate"}),
        TimedCommand(_at(10, 12), w, "window.call_next", {}),  # A002 waited 11 min
        TimedCommand(_at(10, 12, 30), w, "window.start", {}),
        TimedCommand(_at(10, 24, 30), w, "window.finish", {"outcome": "immediate"}),
        TimedCommand(_at(10, 25), w, "window.call_next", {}),  # A003 waited 23 min
        TimedCommand(_at(10, 26), k, "ticket.issue", {"item": "XK-GA-001"}),  # never called
    ]
    driver = Driver(mini_config)
    for cmd in day:
        assert driver.execute(cmd).ok, cmd
    tickets = list(driver.tracker.days["2026-11-25"].tickets.values())
    assert [t.number for t in tickets] == ["A001", "A002", "A003", "A004"]
    assert [t.wait_min for t in tickets] == pytest.approx([10 / 60, 11.0, 23.0, None])
    # People ahead (waiting, same prefix): 0, 0 (A001 was called), 1; XK-GA-001 is
    # configured at 10 minutes on 2 windows, so the naive estimates are 0, 0, 5 minutes.
    assert [t.naive_min for t in tickets[:3]] == [0.0, 0.0, 5.0]
    est = [t.estimate_min for t in tickets[:3]]
    errs = [est[0] - 10 / 60, est[1] - 11.0, est[2] - 23.0]
    naive_errs = [-10 / 60, -11.0, 5.0 - 23.0]
    figures = error_figures(tickets)
    assert figures["estimate_mae_min"] == pytest.approx(sum(map(abs, errs)) / 3, abs=0.006)
    assert figures["naive_mae_min"] == pytest.approx((10 / 60 + 11 + 18) / 3, abs=0.006)
    # p90 of |errors| 1/6, 11, 18 by linear interpolation: 11 + 0.8 x 7.
    assert figures["naive_p90_err_min"] == pytest.approx(11 + 0.8 * 7, abs=0.006)
    assert figures["naive_bias_min"] == pytest.approx(sum(naive_errs) / 3, abs=0.006)
    assert figures["estimate_p90_err_min"] == pytest.approx(
        percentile(sorted(map(abs, errs)), 90), abs=0.006
    )


def test_percentile() -> None:
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([1.0, 2.0], 90) == pytest.approx(1.9)
    assert percentile([5.0], 90) == 5.0


def test_cli_json_has_both_loads(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    mini = ROOT / "tests" / "data" / "mini-hall"
    params = ROOT / "config" / "simulation.toml"
    argv = ["simulate", "--days", "1", "--seed", "2", "--json", "--config", str(mini)]
    assert main([*argv, "--params", str(params), "--csv", str(tmp_path / "t.csv")]) == 0
    report = json.loads(capsys.readouterr().out)
    for load in ("normal", "peak"):
        for key in (
            "estimate_mae_min",
            "naive_mae_min",
            "estimate_p90_err_min",
            "naive_p90_err_min",
            "tickets",
            "engine_us_per_cmd",
        ):
            assert isinstance(report[load][key], (int, float)), (load, key)
        assert report[load]["tickets"] > 0
    assert report["peak"]["tickets"] > report["normal"]["tickets"]
    rows = (tmp_path / "t.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("load,day,number,item")
    assert len(rows) == 1 + report["normal"]["tickets"] + report["peak"]["tickets"]
