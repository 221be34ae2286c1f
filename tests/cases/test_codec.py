"""A case record survives JSON (the ``case`` of ``case.*`` events) unchanged."""

from __future__ import annotations

import json
import tomllib
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from cases import rules as r
from cases.codec import case_from_json, to_json
from hall.calendar import CalendarFile, DayUnit
from hall.conf.model import CaseKind

TZ = ZoneInfo("Asia/Shanghai")
REPO = Path(__file__).resolve().parents[2]


def at(day: str, hh: int = 10) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(hh), TZ)


def test_round_trip_of_a_busy_joint_case() -> None:
    text = (REPO / "config" / "calendar.toml").read_text(encoding="utf-8")
    cal = CalendarFile.model_validate(tomllib.loads(text)).calendar()
    case = r.register(
        number="GY202611230001X",
        kind=CaseKind.JOINT,
        item="XK-FG-001",
        unit="U05",
        window="W05",
        limit=r.Limit(10, DayUnit.CALENDAR),
        by="s1",
        at=at("2026-11-23"),
    )
    case = r.transition(case, r.Status.IN_PROGRESS, by="s1", at=at("2026-11-23", 11))
    case = r.notify_partners(case, cal, ["U03", "U07"], by="biz", at=at("2026-11-23", 15))
    case = r.report_special_needs(case, "U07", by="u7", at=at("2026-11-24"), reason="勘察")
    case = r.record_opinion(case, "U03", by="biz", at=at("2026-11-26"))
    case = r.hand_over(case, to_window="W06", by="s1", at=at("2026-11-27"))
    case = r.extend(case, cal, days=3, by="s1", approver="dir", at=at("2026-11-30"), reason="會審")
    data = json.loads(json.dumps(to_json(case), ensure_ascii=False))
    assert data["kind"] == "joint" and data["limit"] == {"days": 10, "unit": "calendar"}
    assert case_from_json(data) == case
