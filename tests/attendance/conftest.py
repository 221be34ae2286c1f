"""Attendance fixtures: the sample hall's rules context and a small command helper."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from attendance.handlers import Handlers
from attendance.rules import Context
from attendance.state import AttendanceState, Command, Event
from hall.conf import HallConfig, load_config

CONFIG = Path(__file__).resolve().parents[2] / "config"
TZ = ZoneInfo("Asia/Shanghai")

# The sample rota in November 2026: Wednesday S008 (officer) / S004 (director),
# Thursday S009 / S005, Friday S007 / S002. S001 is the center director.
WED = (2026, 11, 25)
OFFICER, DIRECTOR = "S008", "S004"


@pytest.fixture(scope="session")
def sample() -> HallConfig:
    return load_config(CONFIG)


@pytest.fixture(scope="session")
def ctx(sample: HallConfig) -> Context:
    return Context.from_config(sample)


def at(day: tuple[int, int, int], hh: int, mm: int = 0) -> datetime:
    return datetime(*day, hh, mm, tzinfo=TZ)


class Desk:
    """Runs commands against one state, as the writer will."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.rules = Handlers(ctx)
        self.state = AttendanceState()
        self.events: list[Event] = []

    def do(self, ctype: str, by: str, when: datetime, **data: Any) -> list[Event]:
        events = self.rules.execute(self.state, Command(ctype, by, when, data))
        self.events += events
        return events


@pytest.fixture
def desk(ctx: Context) -> Desk:
    return Desk(ctx)


from ui.testing import gui_display, launch_app  # noqa: E402, F401  (GUI fixtures)
