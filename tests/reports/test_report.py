"""Reports from a generated month of hall activity, checked against the driver's own record."""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from hall.cli import main
from hall.conf import HallConfig
from reports.build import Report, build_report
from reports.records import CaseRow, RatingRow
from tests.reports.month import Month, Truth, simulate, write_log

FIRST, LAST = date(2026, 11, 1), date(2026, 11, 30)
DAY = date(2026, 11, 27)


@pytest.fixture(scope="module")
def month(mini_config: HallConfig) -> Month:
    return simulate(mini_config, FIRST, LAST, seed=11)


@pytest.fixture(scope="module")
def log(month: Month, mini_config: HallConfig, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("log") / "hall.db"
    write_log(path, month.events, mini_config.code)
    return path


@pytest.fixture(scope="module")
def monthly(mini_config: HallConfig, log: Path, tmp_path_factory: pytest.TempPathFactory) -> Report:
    out = tmp_path_factory.mktemp("monthly")
    return build_report(mini_config, log, FIRST, LAST, out, title="2026-11", lang="zh-Hant")


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def p90(values: list[float]) -> float:
    return float(np.percentile(values, 90, method="inverted_cdf"))


def close(text: str, value: float) -> bool:
    return abs(float(text) - value) <= 0.0051


def expected_groups(
    tickets: list[Truth], key_wait: str, key_service: str
) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    waits: dict[str, list[float]] = {}
    services: dict[str, list[float]] = {}
    for t in tickets:
        if t.first_call is not None:
            waits.setdefault(getattr(t, key_wait), []).append((t.first_call - t.issued_at) / 60)
        if t.service_s is not None:
            services.setdefault(getattr(t, key_service), []).append(t.service_s / 60)
    for k in set(waits) | set(services):
        w, s = waits.get(k, []), services.get(k, [])
        out[k] = {
            "wait_n": len(w),
            "served": len(s),
            "wait_avg_min": sum(w) / len(w) if w else float("nan"),
            "wait_p90_min": p90(w) if w else float("nan"),
            "service_avg_min": sum(s) / len(s) if s else float("nan"),
            "service_p90_min": p90(s) if s else float("nan"),
        }
    return out


def test_the_month_is_realistic_enough_to_test(month: Month) -> None:
    t = list(month.tickets.values())
    assert len(month.days) == 21  # working days of November 2026
    assert len(t) > 1000
    assert sum(x.no_show_void for x in t) > 5
    assert sum(1 for x in t if x.finished is None and not x.no_show_void) > 5  # day-end leftovers
    assert sum(x.transfers for x in t) > 5
    assert sum(x.failed_prints for x in t) > 5


def test_monthly_summary_matches_the_driver(month: Month, monthly: Report) -> None:
    t = list(month.tickets.values())
    summary = {r["metric"]: r["value"] for r in rows(monthly.csv["summary"])}
    served = [x for x in t if x.finished is not None]
    no_show = [x for x in t if x.no_show_void]
    assert int(summary["working_days"]) == 21
    assert int(summary["tickets_issued"]) == len(t)
    assert int(summary["tickets_served"]) == len(served)
    assert int(summary["no_shows"]) == int(summary["voided_no_show"]) == len(no_show)
    assert int(summary["voided_day_closed"]) == len(t) - len(served) - len(no_show)
    assert int(summary["still_waiting"]) == 0
    assert int(summary["unanswered_calls"]) == sum(x.skips for x in t)
    assert int(summary["reprints"]) == sum(x.prints - 1 for x in t)
    assert int(summary["print_failures"]) == sum(x.failed_prints for x in t)
    assert int(summary["transfers"]) == sum(x.transfers for x in t)
    waits = [(x.first_call - x.issued_at) / 60 for x in t if x.first_call is not None]
    services = [x.service_s / 60 for x in served if x.service_s is not None]
    assert close(summary["wait_avg_min"], sum(waits) / len(waits))
    assert close(summary["wait_p90_min"], p90(waits))
    assert close(summary["service_avg_min"], sum(services) / len(services))
    assert close(summary["service_p90_min"], p90(services))


@pytest.mark.parametrize(
    ("csv_key", "key", "wait_by", "service_by"),
    [
        ("by_window", "window", "first_window", "finish_window"),
        ("by_item", "item", "item", "item"),
    ],
)
def test_per_window_and_per_item(
    month: Month, monthly: Report, csv_key: str, key: str, wait_by: str, service_by: str
) -> None:
    expected = expected_groups(list(month.tickets.values()), wait_by, service_by)
    got = rows(monthly.csv[csv_key])
    assert {r[key] for r in got} == set(expected)
    for r in got:
        e = expected[r[key]]
        assert int(r["wait_n"]) == e["wait_n"]
        assert int(r["served"]) == e["served"]
        for col in ("wait_avg_min", "wait_p90_min", "service_avg_min", "service_p90_min"):
            assert close(r[col], e[col]), (r[key], col, r[col], e[col])
    if key == "item":
        issued = Counter(x.item for x in month.tickets.values())
        assert {r["item"]: int(r["issued"]) for r in got} == dict(issued)
        assert "戶口遷移" in {r["name"] for r in got}


def test_per_day_and_outcomes(month: Month, monthly: Report, mini_config: HallConfig) -> None:
    issued = Counter(x.day for x in month.tickets.values())
    served = Counter(x.day for x in month.tickets.values() if x.finished is not None)
    got = rows(monthly.csv["by_day"])
    assert [r["day"] for r in got] == [(FIRST + timedelta(days=n)).isoformat() for n in range(30)]
    for r in got:
        assert int(r["issued"]) == issued.get(r["day"], 0)
        assert int(r["served"]) == served.get(r["day"], 0)
        assert r["working_day"] == str(
            int(mini_config.calendar.is_working_day(date.fromisoformat(r["day"])))
        )
    kinds = Counter(x.outcome for x in month.tickets.values() if x.outcome)
    assert {r["kind"]: int(r["count"]) for r in rows(monthly.csv["outcomes"])} == {
        k: kinds.get(k, 0) for k in ("immediate", "promised", "joint", "reply", "supplement")
    }


def test_daily_report(month: Month, mini_config: HallConfig, log: Path, tmp_path: Path) -> None:
    report = build_report(mini_config, log, DAY, DAY, tmp_path / "d", title="d", lang="en")
    today = [x for x in month.tickets.values() if x.day == DAY.isoformat()]
    summary = {r["metric"]: r["value"] for r in rows(report.csv["summary"])}
    assert int(summary["tickets_issued"]) == len(today) > 0
    assert int(summary["tickets_served"]) == sum(1 for x in today if x.finished is not None)
    by_hour = rows(report.csv["by_hour"])
    assert sum(int(r["issued"]) for r in by_hour) == len(today)
    assert set(report.charts) == {"hourly", "fate", "wait_window", "service_item", "outcomes"}
    page = report.html.read_text(encoding="utf-8")
    # The log holds no case, rating or complaint: zeros, and the hall's 零投訴.
    assert "No records yet." not in page and "Zero complaints" in page
    bare = build_report(
        mini_config,
        log,
        DAY,
        DAY,
        tmp_path / "b",
        title="d",
        lang="en",
        cases=None,
        ratings=None,
        complaints=None,
    )
    assert bare.html.read_text(encoding="utf-8").count("No records yet.") == 3
    assert "Household registration" in page


def test_charts_are_real_pictures(monthly: Report) -> None:
    assert set(monthly.charts) == {
        "daily",
        "busy_hours",
        "fate",
        "wait_window",
        "service_item",
        "outcomes",
    }
    for path in monthly.charts.values():
        with Image.open(path) as img:
            assert img.format == "PNG"
            assert img.width >= 700 and img.height >= 300
            # Not a blank page: a chart has ink of several colours.
            colours = img.convert("RGB").getcolors(maxcolors=1 << 20) or []
            assert len(colours) > 50
    page = monthly.html.read_text(encoding="utf-8")
    for path in monthly.charts.values():
        assert f'src="charts/{path.name}"' in page
    assert "尚無紀錄" not in page and "零投訴" in page and "限時辦結" in page


def test_records_of_other_domains_when_they_exist(
    mini_config: HallConfig, log: Path, tmp_path: Path
) -> None:
    d = date(2026, 11, 10)
    cases = [
        CaseRow("GY1", "promised", "U01", d, d + timedelta(days=5), d + timedelta(days=3), True),
        CaseRow("GY2", "promised", "U01", d, d + timedelta(days=5), d + timedelta(days=7), False),
        CaseRow("GY3", "joint", "U02", d, d + timedelta(days=9), None, None),
        CaseRow("GY4", "immediate", "U03", d, d, d, True),
    ]
    ratings = [RatingRow("W01", d, 5), RatingRow("W01", d, 4), RatingRow("W02", d, 2)]
    report = build_report(
        mini_config,
        log,
        FIRST,
        LAST,
        tmp_path / "r",
        title="m",
        lang="zh-Hant",
        cases=cases,
        ratings=ratings,
        complaints=[],
    )
    figures = {r["metric"]: r["value"] for r in rows(report.csv["cases"])}
    assert figures["on_time_rate"] == "0.6667"  # 2 of the 3 judged cases
    assert figures["kind_promised"] == "2" and figures["open_in_time"] == "1"
    assert {r["window"]: r["mean_score"] for r in rows(report.csv["ratings"])} == {
        "W01": "4.50",
        "W02": "2.00",
    }
    page = report.html.read_text(encoding="utf-8")
    assert "尚無紀錄" not in page
    assert "66.7%" in page and "零投訴" in page


def test_the_report_never_writes_the_log(
    mini_config: HallConfig, log: Path, tmp_path: Path
) -> None:
    before = hashlib.sha256(log.read_bytes()).hexdigest()
    build_report(mini_config, log, DAY, DAY, tmp_path / "x", title="x")
    assert hashlib.sha256(log.read_bytes()).hexdigest() == before


def test_cli(log: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = str(Path(__file__).resolve().parents[1] / "data" / "mini-hall")
    out = tmp_path / "m"
    rc = main(
        [
            "report",
            "monthly",
            "--month",
            "2026-11",
            "--db",
            str(log),
            "--out",
            str(out),
            "--config",
            config,
        ]
    )
    lines = capsys.readouterr().out.splitlines()
    assert rc == 0 and lines[-1] == str(out / "report.html")
    assert (out / "by_window.csv").is_file() and (out / "charts" / "daily.png").is_file()
    rc = main(
        [
            "report",
            "daily",
            "--day",
            "2026-11-27",
            "--db",
            str(tmp_path / "none.db"),
            "--out",
            str(tmp_path / "n"),
            "--config",
            config,
        ]
    )
    assert rc == 1
    assert "no event log" in capsys.readouterr().err


def test_reads_beside_the_running_writer(
    mini_config: HallConfig, log: Path, month: Month, tmp_path: Path
) -> None:
    from broker.store import Store

    writer = Store(log, durable=False, hall_code=mini_config.code)
    try:
        writer.begin()  # the service holds a write transaction
        report = build_report(mini_config, log, DAY, DAY, tmp_path / "w", title="w")
    finally:
        writer.rollback()
        writer.close()
    assert report.stats.tickets == sum(
        1 for x in month.tickets.values() if x.day == DAY.isoformat()
    )


def test_busy_hours_average_over_the_weekdays_worked(
    month: Month, monthly: Report, mini_config: HallConfig
) -> None:
    tz = mini_config.tz
    fridays = [d for d in month.days if d.isoweekday() == 5]
    assert len(fridays) == 4
    at_nine = sum(
        1
        for x in month.tickets.values()
        if datetime.fromtimestamp(x.issued_at, tz).isoweekday() == 5
        and datetime.fromtimestamp(x.issued_at, tz).hour == 9
    )
    got = {(r["weekday"], r["hour"]): r["avg_issued"] for r in rows(monthly.csv["busy_hours"])}
    assert close(got[("5", "9")], at_nine / 4)
    assert ("6", "9") not in got  # no Saturday was worked in November 2026


def test_cases_ratings_and_complaints_from_the_log(mini_config: HallConfig, tmp_path: Path) -> None:
    """The register's, the rating pads' and the complaints desk's events, as the writer
    stores them, give the 限時辦結率, the scores and the complaints of the month."""
    from broker.engine import EmittedEvent
    from cases import rules as r
    from cases.codec import to_json
    from hall.conf.model import CaseKind

    tz = mini_config.tz
    cal = mini_config.calendar

    def at(day: str, hh: int = 10) -> datetime:
        return datetime.combine(date.fromisoformat(day), datetime.min.time(), tz).replace(hour=hh)

    def new(number: str, day: str, days: int, kind: CaseKind = CaseKind.PROMISED) -> r.Case:
        return r.register(
            number=number,
            kind=kind,
            item="XK-GA-001",
            unit="U01",
            window="W01",
            limit=r.Limit(days),
            by="s1",
            at=at(day),
        )

    stream: list[tuple[str, str, dict]] = []

    def record(etype: str, case: r.Case, day: str) -> None:
        stream.append((etype, day, {"number": case.number, "action": "x", "case": to_json(case)}))

    on_time = new("GY1", "2026-11-02", 5)  # due 11-09
    record("case.registered", on_time, "2026-11-02")
    record(
        "case.changed",
        r.transition(on_time, r.Status.DONE, by="s1", at=at("2026-11-05")),
        "2026-11-05",
    )
    late = new("GY2", "2026-11-02", 5)
    record("case.registered", late, "2026-11-02")
    record(
        "case.changed",
        r.transition(late, r.Status.DONE, by="s1", at=at("2026-11-12")),
        "2026-11-12",
    )
    open_in_time = new("GY3", "2026-11-25", 10, CaseKind.JOINT)
    record("case.registered", open_in_time, "2026-11-25")
    open_late = new("GY4", "2026-11-20", 2)  # due 11-24, still open on the 30th
    record("case.registered", open_late, "2026-11-20")
    stream.sort(key=lambda x: x[1])
    stream.insert(
        0,
        (
            "case.registered",
            "2026-10-30",
            {"number": "GY0", "action": "x", "case": to_json(new("GY0", "2026-10-30", 5))},
        ),
    )
    stream += [
        ("rating.given", "2026-11-10", {"ticket": "t1", "window": "W01", "level": 5}),
        ("rating.given", "2026-11-11", {"ticket": "t2", "window": "W01", "level": 4}),
        ("rating.given", "2026-11-12", {"ticket": "t3", "window": "W02", "level": 1}),
        ("complaint.opened", "2026-11-13", {"id": "C20261113-001", "window": "W02"}),
    ]
    emitted = [
        EmittedEvent(n, etype, f"{day}T10:00:00.000+08:00", day, data)
        for n, (etype, day, data) in enumerate(stream, start=1)
    ]
    path = tmp_path / "hall.db"
    write_log(path, emitted, mini_config.code)
    report = build_report(mini_config, path, FIRST, LAST, tmp_path / "m", title="m", lang="zh-Hant")
    figures = {x["metric"]: x["value"] for x in rows(report.csv["cases"])}
    assert figures["cases"] == "4"  # GY0 was received in October
    assert (figures["on_time"], figures["overdue"], figures["open_in_time"]) == ("1", "2", "1")
    assert figures["on_time_rate"] == "0.3333"
    assert figures["kind_joint"] == "1"
    assert {x["window"]: x["mean_score"] for x in rows(report.csv["ratings"])} == {
        "W01": "4.50",
        "W02": "1.00",
    }
    assert {x["metric"]: x["value"] for x in rows(report.csv["complaints"])}["complaints"] == "1"
    page = report.html.read_text(encoding="utf-8")
    assert "33.3%" in page and "零投訴" not in page and "尚無紀錄" not in page
    assert cal.is_working_day(date(2026, 11, 30))
