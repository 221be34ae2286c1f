"""Attendance fixtures: the sample hall's rules context and a small command helper; the clock
the test moves, which the mini hall's writer (``hall``) runs on, and recorders connected to it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from attendance.handlers import Handlers
from attendance.mqtt_recorder import MqttRecorder
from attendance.rules import Context
from attendance.state import AttendanceState, Command, Event
from devices.fingerprint.simulator import FingerprintSimulator
from hall.conf import HallConfig, load_config
from hall.mqtt import HallClient
from tests.support import FakeClock, RunningHall

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


@pytest.fixture
def fingerprint_module() -> Iterator[FingerprintSimulator]:
    """A simulated fingerprint module on a pty (300 pages, nobody enrolled): a test file's
    ``sim`` fixture enrolls the fingers it needs."""
    with FingerprintSimulator(library_size=300) as simulator:
        yield simulator


@pytest.fixture
def clock() -> FakeClock:
    """The writer's clock: Wednesday 2026-11-25 08:20 (the morning sign-in), moved by the test;
    ``hall`` (tests/conftest.py) runs on it in a module marked ``service_on_clock``."""
    return FakeClock.local(*WED, 8, 20)


@pytest.fixture
def mctx(mini_config: HallConfig) -> Context:
    """The mini hall's rules context (the hall of ``hall``)."""
    return Context.from_config(mini_config)


def connect_recorder(
    hall: RunningHall,
    client_id: str,
    ctx: Context,
    follow: bool = False,
    request_timeout_s: float = 5.0,
) -> MqttRecorder:
    """An :class:`MqttRecorder` connected to ``hall`` as ``client_id`` (closed with the hall)."""
    client = HallClient(hall.endpoint(client_id), hall.topics, request_timeout_s=request_timeout_s)
    hall.clients.append(client)
    return MqttRecorder.connect(client, ctx, follow=follow)


from ui.testing import gui_display, launch_app  # noqa: E402, F401  (GUI fixtures)
