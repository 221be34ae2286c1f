"""The duty console's commands run off the screen's thread (no window here: the presenter).

Against the real writer: while the service is down a command waits on the console's worker,
the console still answers (``view()``), says what is on its way, refuses a second press, and
hands the result back through ``deliver`` once the service is back. A command the writer
could not be reached for keeps its command id when pressed again, so it is carried out once.
"""

from __future__ import annotations

import queue
from collections.abc import Callable
from datetime import datetime

import pytest

from attendance.console import DutyConsole, Feedback
from attendance.mqtt_recorder import read_log
from attendance.rules import Context
from hall.i18n import t
from tests.attendance.conftest import connect_recorder
from tests.support import FakeClock, RunningHall

pytestmark = [pytest.mark.broker, pytest.mark.service_on_clock]  # `hall` runs on `clock`


class Screen:
    """The screen's thread: what ``deliver`` hands over waits here until the test runs it."""

    def __init__(self) -> None:
        self.inbox: queue.Queue[Callable[[], None]] = queue.Queue()
        self.results: list[Feedback] = []

    def deliver(self, fn: Callable[[], None]) -> None:
        self.inbox.put(fn)

    def done(self, feedback: Feedback) -> None:
        self.results.append(feedback)

    def run_next(self, timeout: float = 30.0) -> Feedback:
        self.inbox.get(timeout=timeout)()
        return self.results[-1]


def _console(hall: RunningHall, ctx: Context, clock: FakeClock, timeout_s: float) -> DutyConsole:
    recorder = connect_recorder(hall, "duty-01", ctx, follow=True, request_timeout_s=timeout_s)
    screen = Screen()
    console = DutyConsole(
        ctx,
        recorder,
        clock=lambda: datetime.fromtimestamp(clock(), ctx.tz),
        lang="en",
        deliver=screen.deliver,
    )
    console.screen = screen  # type: ignore[attr-defined]
    return console


def _entered(hall: RunningHall, staff: str) -> int:
    events, _last = read_log(hall.directory / "hall.db")
    return sum(1 for e in events if e.type == "manual.entered" and e.data["staff"] == staff)


def test_a_command_waits_on_the_worker_and_its_result_comes_back(
    hall: RunningHall, mctx: Context, clock: FakeClock
) -> None:
    console = _console(hall, mctx, clock, timeout_s=4.0)
    screen: Screen = console.screen  # type: ignore[attr-defined]
    try:
        assert console.begin("sign_in", screen.done, "S003", "1234")
        assert screen.run_next().ok and console.user is not None and console.busy is None

        hall.stop_service()  # the writer is gone while the officer records a sign-in
        assert console.begin("enter", screen.done, "S013", "morning", "machine_fault")
        assert console.busy == "enter"
        view = console.view()  # the screen's thread is not held up
        assert view.busy == "enter" and view.busy_text in (
            t("attendance.console.busy", "en"),
            t("attendance.console.busy_no_answer", "en"),
        )
        # A second press while it is on its way is not sent (nor queued).
        assert not console.begin("enter", screen.done, "S013", "morning", "machine_fault")
        assert not console.begin("note", screen.done, "something else")
        assert screen.inbox.empty()

        hall.start_service(clock=clock)  # back within the command's deadline
        result = screen.run_next()
        assert result.ok, result
        assert console.busy is None and console.view().busy is None
        assert _entered(hall, "S013") == 1
        statuses = {r.staff: r.status for r in console.view().rows}
        assert statuses["S013"] == "pending"
    finally:
        console.close()


def test_a_command_the_writer_did_not_get_is_sent_again_with_its_id(
    hall: RunningHall, mctx: Context, clock: FakeClock
) -> None:
    console = _console(hall, mctx, clock, timeout_s=0.5)
    screen: Screen = console.screen  # type: ignore[attr-defined]
    try:
        assert console.begin("sign_in", screen.done, "S003", "1234")
        assert screen.run_next().ok

        hall.stop_service()
        assert console.begin("enter", screen.done, "S014", "morning", "power_cut")
        failed = screen.run_next()
        assert not failed.ok and failed.code == "service_unavailable"
        assert failed.text == t("attendance.error.service_unavailable", "en")
        first_id = console.last_command_id

        hall.start_service(clock=clock)
        assert console.begin("enter", screen.done, "S014", "morning", "power_cut")
        again = screen.run_next()
        assert again.ok, again
        assert console.last_command_id == first_id  # the same command, not a second one
        assert _entered(hall, "S014") == 1
        # Another command gets its own id.
        assert console.begin("enter", screen.done, "S012", "morning", "power_cut")
        assert screen.run_next().ok and console.last_command_id != first_id
    finally:
        console.close()
