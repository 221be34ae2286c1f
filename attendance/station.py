"""The sign-in station: wait for a finger, identify it, record a punch or a failed attempt.

The station stands on :class:`devices.fingerprint.FingerprintReader` (which never hangs: every
reply is awaited at most its ``timeout``) and sends what happened through a recorder
(:mod:`attendance.recorder`). Two ways to drive it:

- :meth:`SignInStation.attempt`: one explicit press (a person touched "sign in" on the screen,
  or pressed the box's button): waits up to ``wait_s`` for a finger; no finger is a failed
  ``no_finger`` attempt.
- :meth:`SignInStation.step` / :meth:`run`: the unattended loop by the door. Waiting for a
  finger is idle time, not an attempt. After each attempt the station waits for the finger to
  leave the sensor before it takes the next one.

A reader that stops answering (silent, unplugged, power cut) turns the station ``offline``
after at most one reply timeout; that first fault is recorded as a ``device_fault`` attempt,
then the station keeps trying quietly (the adapter reopens the port and shakes hands again)
and turns ``online`` when the reader answers. Status changes go to ``on_status`` (the retained
MQTT status, once the writer publishes attendance).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from attendance.recorder import Recorder
from attendance.rules import AttemptResult, Context, Rejected, classify
from attendance.state import Command
from devices.fingerprint.reader import FingerprintReader, FingerprintResult
from hall.i18n import t

ONLINE, OFFLINE = "online", "offline"


@dataclass(frozen=True)
class Outcome:
    """One attempt at the reader, as recorded and as shown to the person."""

    result: AttemptResult
    at: datetime
    device: str
    staff: str | None = None
    name: str | None = None
    session: str | None = None
    late: bool | None = None
    counted: bool | None = None
    page: int | None = None
    detail: str = ""
    record: str | None = None
    """The id of the punch or failed attempt in the record (None if the recorder refused)."""

    def to_json(self) -> dict[str, Any]:
        """The JSON line of ``hall signin --no-gui``."""
        out: dict[str, Any] = {
            "result": self.result.value,
            "staff": self.staff,
            "session": self.session,
            "late": self.late,
            "at": self.at.isoformat(timespec="seconds"),
            "device": self.device,
        }
        if self.name is not None:
            out["name"] = self.name
        if self.counted is not None:
            out["counted"] = self.counted
        if self.detail:
            out["detail"] = self.detail
        if self.record is not None:
            out["record"] = self.record
        return out

    def message(self, lang: str) -> str:
        """What the screen by the reader says, in ``lang``."""
        if self.result is AttemptResult.MATCHED:
            key = (
                "attendance.station.repeat"
                if self.counted is False
                else ("attendance.station.late" if self.late else "attendance.station.signed_in")
            )
            if self.session is None:
                key = "attendance.station.no_session"
            session = t(f"attendance.session.{self.session}", lang) if self.session else ""
            return t(key, lang, name=self.name, session=session, time=self.at.strftime("%H:%M"))
        return t(f"attendance.station.{self.result.value}", lang)


class SignInStation:
    """One fingerprint reader by the door, recording into one recorder."""

    def __init__(
        self,
        reader: FingerprintReader,
        ctx: Context,
        recorder: Recorder,
        device: str = "signin-01",
        *,
        clock: Callable[[], datetime] | None = None,
        wait_s: float = 5.0,
        idle_s: float = 0.5,
        lift_s: float = 3.0,
        retry_s: float = 1.0,
        on_status: Callable[[str, str], None] | None = None,
    ) -> None:
        self.reader = reader
        self.ctx = ctx
        self.recorder = recorder
        self.device = device
        self.clock = clock or (lambda: datetime.now(ctx.tz))
        self.wait_s = wait_s
        self.idle_s = idle_s
        self.lift_s = lift_s
        self.retry_s = retry_s
        self.on_status = on_status
        self.status = ONLINE
        self.status_detail = ""
        self._finger_down = False
        self._announced = False

    @property
    def finger_down(self) -> bool:
        """A finger was read and has not been seen to leave the sensor yet."""
        return self._finger_down

    # ------------------------------------------------------------------ one attempt

    def attempt(self, wait_s: float | None = None) -> Outcome:
        """One explicit press: identify within ``wait_s`` and record whatever happened."""
        found = self.reader.identify(self.wait_s if wait_s is None else wait_s)
        return self._settle(found, idle=False)  # type: ignore[return-value]

    def step(self) -> Outcome | None:
        """One turn of the unattended loop; an outcome when something was recorded."""
        if self._finger_down:
            lifted = self._lifted()
            if isinstance(lifted, FingerprintResult):
                return self._settle(lifted, idle=True)
            if not lifted:
                return None
        found = self.reader.identify(self.idle_s)
        return self._settle(found, idle=True)

    def run(
        self,
        emit: Callable[[Outcome], None],
        stop: threading.Event,
        trigger: threading.Event | None = None,
    ) -> None:
        """Loop until ``stop``; ``trigger`` (set by a button) asks for an explicit attempt."""
        while not stop.is_set():
            if trigger is not None and trigger.is_set():
                trigger.clear()
                outcome: Outcome | None = self.attempt()
            else:
                outcome = self.step()
            if outcome is not None:
                emit(outcome)
            if self.status == OFFLINE:
                stop.wait(self.retry_s)

    # ------------------------------------------------------------------ internals

    def _settle(self, found: FingerprintResult, idle: bool) -> Outcome | None:
        result = AttemptResult(found.result)
        if result is AttemptResult.DEVICE_FAULT:
            was_online = self.status == ONLINE
            self._set_status(OFFLINE, found.detail or "")
            if idle and not was_online:
                return None  # still offline: already recorded when it went
            return self._record_failure(result, found.detail or "")
        self._set_status(ONLINE, "")
        if result is AttemptResult.NO_FINGER:
            if idle:
                return None
            return self._record_failure(result, found.detail or "")
        self._finger_down = True
        if result is AttemptResult.MATCHED:
            member = self.ctx.staff_by_page(found.page)
            if member is None:
                return self._record_failure(
                    AttemptResult.NO_MATCH, f"page {found.page} is not on the roster"
                )
            return self._record_punch(member.id, member.name, found)
        return self._record_failure(result, found.detail or "")

    def _record_punch(self, staff: str, name: str, found: FingerprintResult) -> Outcome:
        now = self.clock()
        command = Command(
            "punch.record",
            self.device,
            now,
            {"staff": staff, "page": found.page, "device": self.device, "verified": "fingerprint"},
        )
        try:
            (event,) = self.recorder.submit(command)
        except (Rejected, OSError) as exc:
            where = classify(self.ctx, staff, now)
            return Outcome(
                AttemptResult.MATCHED,
                now,
                self.device,
                staff,
                name,
                where.session.value if where.session else None,
                where.late,
                page=found.page,
                detail=f"not recorded: {exc}",
            )
        d = event.data
        return Outcome(
            AttemptResult.MATCHED,
            now,
            self.device,
            staff,
            name,
            d["session"],
            d["late"],
            d["counted"],
            found.page,
            record=d["id"],
        )

    def _record_failure(self, result: AttemptResult, detail: str) -> Outcome:
        now = self.clock()
        command = Command(
            "attempt.record",
            self.device,
            now,
            {"result": result.value, "device": self.device, "detail": detail},
        )
        try:
            (event,) = self.recorder.submit(command)
        except (Rejected, OSError) as exc:
            where = classify(self.ctx, None, now)
            session = where.session.value if where.session else None
            return Outcome(
                result, now, self.device, session=session, detail=f"{detail}; not recorded: {exc}"
            )
        return Outcome(
            result,
            now,
            self.device,
            session=event.data["session"],
            detail=detail,
            record=event.data["id"],
        )

    def _lifted(self) -> bool | FingerprintResult:
        """Poll the sensor for up to ``lift_s``: True once the finger is gone.

        A device fault while polling is returned as the result, so a reader that dies under
        a resting finger is reported within one reply timeout.
        """
        deadline = time.monotonic() + self.lift_s
        while True:
            found = self.reader.identify(0)
            if found.result == AttemptResult.DEVICE_FAULT:
                self._finger_down = False
                return found
            if found.result == AttemptResult.NO_FINGER:
                self._finger_down = False
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(self.reader.poll_s)

    def _set_status(self, status: str, detail: str) -> None:
        changed = status != self.status or not self._announced
        self.status, self.status_detail = status, detail
        if not changed:
            return
        self._announced = True
        with contextlib.suppress(Rejected, OSError):
            self.recorder.submit(
                Command(
                    "device.status",
                    self.device,
                    self.clock(),
                    {"device": self.device, "status": status, "detail": detail},
                )
            )
        if self.on_status is not None:
            self.on_status(status, detail)


class StationScreen:
    """What the screen by the reader shows, as plain data (the Kivy view only draws it)."""

    def __init__(self, hall_name: dict[str, str], hold_s: float = 8.0) -> None:
        self.hall_name = hall_name
        self.hold_s = hold_s
        self.status = ONLINE
        self.last: Outcome | None = None
        self._shown = 0.0

    def show(self, outcome: Outcome, now_s: float | None = None) -> None:
        self.last = outcome
        self._shown = time.monotonic() if now_s is None else now_s

    def set_status(self, status: str) -> None:
        self.status = status

    def view(self, lang: str, now: datetime, now_s: float | None = None) -> dict[str, Any]:
        """Texts and tone for ``lang``; the last outcome fades back to the prompt."""
        elapsed = (time.monotonic() if now_s is None else now_s) - self._shown
        outcome = self.last if self.last is not None and elapsed < self.hold_s else None
        if outcome is None:
            tone, message = "idle", t("attendance.station.prompt", lang)
        else:
            message = outcome.message(lang)
            if outcome.result is not AttemptResult.MATCHED:
                tone = "fail"
            elif outcome.late or outcome.counted is False or outcome.session is None:
                tone = "warn"
            else:
                tone = "ok"
        if self.status == OFFLINE:
            tone = "fail" if outcome is None else tone
            message = message if outcome is not None else t("attendance.station.device_fault", lang)
        return {
            "title": f"{self.hall_name.get(lang, '')} · {t('attendance.station.title', lang)}",
            "clock": now.strftime("%H:%M:%S"),
            "message": message,
            "tone": tone,
            "status": self.status,
            "status_text": t(f"attendance.station.{self.status}", lang),
            "button": t("attendance.station.button", lang),
            "result": outcome.result.value if outcome else None,
            "staff": outcome.staff if outcome else None,
        }
