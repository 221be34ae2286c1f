"""The monthly report against figures worked out by hand for October 2026.

October 2026 in the hall calendar: 1-7 October is the National Day holiday (Thu-Wed), and
Saturday 10 October is a make-up working day. Working days, counted by hand:
8, 9, 10 (Sat), 12-16, 19-23, 26-30 = 2 + 1 + 5 + 5 + 5 = 18. Working Mondays with the
evening study session: 12, 19, 26 (5 October is a holiday) = 3.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from attendance.recorder import FileRecorder
from attendance.report import build_report, people_csv, to_html, units_csv
from attendance.rules import Context
from attendance.state import Command
from hall.conf import HallConfig
from tests.attendance.conftest import at

REPO = Path(__file__).resolve().parents[2]
OCT = (2026, 10)
WORKING = [8, 9, 10, 12, 13, 14, 15, 16, 19, 20, 21, 22, 23, 26, 27, 28, 29, 30]
A, B, C = "S020", "S022", "S021"  # all three in unit U03; C is the head of window W08


def d(day: int) -> tuple[int, int, int]:
    return (*OCT, day)


class Writer:
    def __init__(self, recorder: FileRecorder) -> None:
        self.recorder = recorder

    def __call__(self, ctype: str, by: str, when: Any, **data: Any) -> list[Any]:
        return self.recorder.submit(Command(ctype, by, when, data))

    def punch(self, staff: str, day: int, hh: int, mm: int) -> None:
        self("punch.record", "signin-01", at(d(day), hh, mm), staff=staff, device="signin-01")


@pytest.fixture(scope="module")
def month(ctx: Context, tmp_path_factory: pytest.TempPathFactory) -> FileRecorder:
    recorder = FileRecorder(tmp_path_factory.mktemp("att") / "events.jsonl", ctx)
    w = Writer(recorder)
    # A: on time every session, two late punches, one double punch, misses the study on 26 Oct.
    for day in WORKING:
        w.punch(A, day, 8, 40 if day == 12 else 8 if day == 13 else 5)
        w.punch(A, day, 13, 45 if day == 20 else 20)
    w.punch(A, 13, 8, 30)  # second punch on 13 Oct morning: counted once
    w.punch(A, 3, 8, 0)  # a holiday: recorded, not counted
    w.punch(A, 12, 18, 20)
    w.punch(A, 19, 18, 25)
    # B: personal leave 14 Oct pm - 15 Oct (1.5 days, center director, stand-in),
    # business trip 22-23 Oct (2 days, window head C), absent 28 Oct pm, a manual record
    # approved on 29 Oct am and one pending on 29 Oct pm; all three study sessions.
    (personal,) = w(
        "leave.request",
        B,
        at(d(9), 10),
        kind="personal",
        first="2026-10-14",
        first_half="afternoon",
        last="2026-10-15",
        stand_in="高邑縣稅務局 劉芳",
    )
    w("leave.decide", "S001", at(d(9), 11), leave=personal.data["id"], decision="approve")
    (trip,) = w(
        "leave.request",
        B,
        at(d(20), 10),
        kind="business_trip",
        first="2026-10-22",
        last="2026-10-23",
    )
    w("leave.decide", C, at(d(20), 11), leave=trip.data["id"], decision="approve")
    on_leave = {(14, "pm"), (15, "am"), (15, "pm"), (22, "am"), (22, "pm"), (23, "am"), (23, "pm")}
    for day in WORKING:
        if day != 29 and (day, "am") not in on_leave:
            w.punch(B, day, 8, 1)
        if day not in (28, 29) and (day, "pm") not in on_leave:
            w.punch(B, day, 13, 2)
    for day in (12, 19, 26):
        w.punch(B, day, 18, 10)
    (am,) = w(
        "manual.enter",
        "S009",
        at(d(29), 9),
        staff=B,
        session="morning",
        time="08:15",
        reason="power_cut",
    )
    w("manual.decide", "S005", at(d(29), 10), record=am.data["id"], decision="approve")
    w(
        "manual.enter",
        "S009",
        at(d(29), 14),
        staff=B,
        session="afternoon",
        time="13:25",
        reason="unclear_fingerprint",
    )
    # C: sick leave 8-9 Oct (2 days: center director, stand-in), no punches at all.
    (sick,) = w(
        "leave.request",
        C,
        at(d(8), 8),
        kind="sick",
        first="2026-10-08",
        last="2026-10-09",
        stand_in="稅務局 周敏",
    )
    w("leave.decide", "S001", at(d(8), 9), leave=sick.data["id"], decision="approve")
    return recorder


def _figures(tally: Any) -> dict[str, Any]:
    return {
        "working_days": tally.working_days,
        "present": tally.present,
        "late": tally.late,
        "absent": tally.absent,
        "study_missed": tally.study_missed,
        "pending": tally.pending,
        "leave": dict(tally.leave),
        "manual": (tally.manual_approved, tally.manual_pending),
    }


def test_month_figures_match_the_hand_count(
    sample: HallConfig, ctx: Context, month: FileRecorder
) -> None:
    report = build_report(sample, ctx, month.refresh(), *OCT)
    assert report.working_days == [date(*d(day)) for day in WORKING]
    rows = {r.staff: r for r in report.people}
    assert len(rows) == 53
    # A: 18 days present; late on 12 Oct am and 20 Oct pm; study missed on 26 Oct = 0.5 day.
    assert _figures(rows[A].tally) == {
        "working_days": 18,
        "present": 18,
        "late": 2,
        "absent": 0.5,
        "study_missed": 1,
        "pending": 0,
        "leave": {},
        "manual": (0, 0),
    }
    # B: 36 sessions - 7 on leave - 28 Oct pm absent - 29 Oct pm pending = 27 = 13.5 days.
    assert _figures(rows[B].tally) == {
        "working_days": 18,
        "present": 13.5,
        "late": 0,
        "absent": 0.5,
        "study_missed": 0,
        "pending": 0.5,
        "leave": {"personal": 1.5, "business_trip": 2},
        "manual": (1, 1),
    }
    # C: 36 sessions - 4 on sick leave = 32 absent = 16 days, + 3 studies x 0.5 = 17.5.
    assert _figures(rows[C].tally) == {
        "working_days": 18,
        "present": 0,
        "late": 0,
        "absent": 17.5,
        "study_missed": 3,
        "pending": 0,
        "leave": {"sick": 2},
        "manual": (0, 0),
    }
    # Nobody else signed in: 18 days + 3 half-day studies absent.
    assert _figures(rows["S001"].tally)["absent"] == 19.5
    units = {u.unit: u for u in report.units}
    assert _figures(units["U03"].tally) == {
        "working_days": 54,
        "present": 31.5,
        "late": 2,
        "absent": 18.5,
        "study_missed": 4,
        "pending": 0.5,
        "leave": {"personal": 1.5, "business_trip": 2, "sick": 2},
        "manual": (1, 1),
    }
    assert units["U03"].people == 3
    assert sum(u.people for u in report.units) == 53
    assert report.units[-1].unit.startswith("centre:")


def test_csv_and_printable_page(sample: HallConfig, ctx: Context, month: FileRecorder) -> None:
    report = build_report(sample, ctx, month.refresh(), *OCT, lang="zh-Hant")
    people = list(csv.reader(io.StringIO(people_csv(report, "zh-Hant"))))
    header, rows = people[0], {r[0]: r for r in people[1:]}
    assert header[:4] == ["編號", "姓名", "單位／科室", "應出勤（天）"]
    b = dict(zip(header, rows[B], strict=True))
    assert (b["出勤（天）"], b["缺勤（天）"], b["待審核（天）"]) == ("13.5", "0.5", "0.5")
    assert (b["公出（天）"], b["事假（天）"], b["病假（天）"]) == ("2", "1.5", "0")
    assert b["人工登記（已核准）"] == "1" and b["人工登記（待審核）"] == "1"
    assert "含待審核的人工登記" in b["標記"]
    units = list(csv.reader(io.StringIO(units_csv(report, "en"))))
    assert units[0][:3] == ["Unit / section", "Staff", "Working days"]
    page = to_html(report, "zh-Hant")
    assert page.startswith("<!DOCTYPE html>") and "@page { size: A4 landscape" in page
    assert "高邑縣政務服務中心 考勤月報 2026-10" in page
    assert page.count('<tr class="pending">') == 2  # B and B's unit
    assert "本月工作日 18 天" in page


def test_report_command_writes_csv_and_html(
    ctx: Context, month: FileRecorder, tmp_path: Path
) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "attendance.cli",
            "report",
            "attendance",
            "--month",
            "2026-10",
            "--events",
            str(month.path),
            "--out",
            str(tmp_path),
            "--lang",
            "en",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    names = sorted(Path(line).name for line in proc.stdout.split())
    assert names == [
        "attendance-2026-10-people.csv",
        "attendance-2026-10-units.csv",
        "attendance-2026-10.html",
        "attendance-2026-10.pdf",
    ]
    pdf = (tmp_path / "attendance-2026-10.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert b"/FontFile2" in pdf  # the CJK TrueType face is embedded, not left to the viewer
    assert len(re.findall(rb"/Type /Page[^s]", pdf)) >= 2  # 53 people and 37 units on A4
    text = (tmp_path / "attendance-2026-10-people.csv").read_text(encoding="utf-8-sig")
    row = next(r for r in csv.reader(io.StringIO(text)) if r[0] == A)
    assert row[3:8] == ["18", "18", "2", "0.5", "1"]
    future = subprocess.run(
        [
            sys.executable,
            "-m",
            "attendance.cli",
            "report",
            "attendance",
            "--month",
            "2099-01",
            "--events",
            str(month.path),
            "--out",
            str(tmp_path),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert future.returncode == 2 and "has not begun" in future.stderr


def test_leave_commands_offline(tmp_path: Path) -> None:
    """``hall leave --record-file``: the box without the hall network keeps a file (over the
    network, see test_mqtt_recorder.py)."""
    events = tmp_path / "events.jsonl"

    def leave(*args: str, pin: str = "1234") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "attendance.cli",
                "leave",
                *args,
                "--record-file",
                str(events),
                "--config",
                str(REPO / "config"),
                "--clock-from",
                "2026-11-25T09:00:00",
            ],
            cwd=REPO,
            input=f"{pin}\n",
            capture_output=True,
            text=True,
            timeout=60,
        )

    asked = leave("request", "--by", "S022", "--kind", "business_trip", "--first", "2026-11-26")
    assert asked.returncode == 0, asked.stderr
    assert (
        leave(
            "request", "--by", "S022", "--kind", "sick", "--first", "2026-11-30", pin="9999"
        ).returncode
        == 1
    )
    wrong = leave("decide", "L00001", "--by", "S004", "--approve")
    assert wrong.returncode == 1 and wrong.stderr.strip()
    assert leave("decide", "L00001", "--by", "S021", "--approve").returncode == 0
    listed = leave("list")
    (row,) = (json.loads(line) for line in listed.stdout.splitlines())
    assert (row["id"], row["status"], row["decided_by"]) == ("L00001", "approved", "S021")


def test_report_reads_and_writes_under_the_runtime_directory(
    month: FileRecorder, tmp_path: Path
) -> None:
    (tmp_path / "attendance").mkdir()
    (tmp_path / "attendance" / "events.jsonl").write_bytes(month.path.read_bytes())
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "attendance.cli",
            "report",
            "attendance",
            "--month",
            "2026-10",
            "--var",
            str(tmp_path),
            "--config",
            str(REPO / "config"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "reports" / "attendance" / "attendance-2026-10-units.csv").exists()
