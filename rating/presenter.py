"""The rating pad's view state (no Kivy): idle → ask → (reason for a low level) → thanks.

``ticket.finished`` at the pad's window starts a rating; nobody rating within the timeout
goes back to idle; a ticket is offered and sent once at most. Texts are translation keys.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from hall.contract.queue import TicketFinished
from ui.link import connection_state

LEVELS = (5, 4, 3, 2, 1)
"""非常滿意 … 非常不滿意, in the order the buttons show them."""
LOW = 2
"""A level at or below this asks for a reason (and shows on the guide console)."""
REASONS = ("wait", "attitude", "explain", "materials", "slow", "system")
"""Common reasons offered as chips (``rating.reason.<code>``); free text may be added."""
SCREENS = ("idle", "ask", "reason", "sending", "thanks", "error")


@dataclass(frozen=True)
class RatingView:
    screen: str
    ticket: str | None
    number: str | None
    level: int | None
    reasons: tuple[str, ...]
    """The chips chosen (reason codes)."""
    left_s: int | None
    """Seconds before the pad gives up and goes back to idle."""
    error: str | None
    """Translation key of the last failure (``errors.<code>`` or ``rating.msg.*``)."""
    connection: str
    rated: int
    """Tickets rated on this pad since it started."""


def number_of(ticket_id: str) -> str:
    """The number on the slip from a ticket id (``20261127-A012`` → ``A012``)."""
    return ticket_id.rsplit("-", 1)[-1]


class RatingPresenter:
    """Thread-safe: MQTT handlers call :meth:`handle`, the screen calls :meth:`tick` and
    the buttons, and reads :meth:`view`."""

    def __init__(
        self,
        window_id: str,
        timeout_s: float = 30.0,
        thanks_s: float = 4.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.window_id = window_id
        self.timeout_s = timeout_s
        self.thanks_s = thanks_s
        self.clock = clock
        self._lock = threading.Lock()
        self.screen = "idle"
        self.ticket: str | None = None
        self.level: int | None = None
        self.reasons: list[str] = []
        self.error: str | None = None
        self.connected = False
        self.service_responding = True
        self._since = clock()
        self._offered: set[str] = set()
        self._rated: set[str] = set()
        self._next: str | None = None

    # ------------------------------------------------------------ inputs

    def set_connected(self, connected: bool, responding: bool = True) -> None:
        self.connected, self.service_responding = connected, responding

    def handle_event(self, body: dict[str, Any]) -> bool:
        """An event from the stream; True when it started a rating."""
        if body.get("type") != "ticket.finished" or not isinstance(body.get("data"), dict):
            return False
        try:
            done = TicketFinished.model_validate(body["data"])
        except ValidationError:
            return False
        with self._lock:
            if done.window != self.window_id or done.ticket in self._offered:
                return False
            self._offered.add(done.ticket)
            if self.screen == "sending":  # the next applicant: asked after this one's thanks
                self._next = done.ticket
                return False
            self._go("ask", ticket=done.ticket)
            return True

    def choose(self, level: int) -> bool:
        """A level button; True when it should be sent now (a low one asks a reason first)."""
        if level not in LEVELS:
            raise ValueError(f"level {level} is not 1..5")
        with self._lock:
            if self.screen != "ask":
                return False
            self.level = level
            if level <= LOW:
                self._go("reason", ticket=self.ticket, level=level)
                return False
            self._go("sending", ticket=self.ticket, level=level)
            return True

    def toggle_reason(self, code: str) -> None:
        with self._lock:
            if self.screen != "reason" or code not in REASONS:
                return
            if code in self.reasons:
                self.reasons.remove(code)
            else:
                self.reasons.append(code)
            self._since = self.clock()  # someone is choosing: the timeout starts again

    def confirm_reason(self) -> bool:
        """The reason screen's send button; True when it should be sent now."""
        with self._lock:
            if self.screen != "reason":
                return False
            self._go("sending", ticket=self.ticket, level=self.level, keep_reasons=True)
            return True

    def touched(self) -> None:
        """Any touch while asking restarts the timeout (someone is there)."""
        with self._lock:
            if self.screen in ("ask", "reason"):
                self._since = self.clock()

    def sent(self, ok: bool, error: str | None = None) -> None:
        """The outcome of ``rating.submit``: thanks, or the error's key (``already_rated``
        counts as done: the ticket is never rated twice)."""
        with self._lock:
            if self.ticket is not None and (ok or error == "errors.already_rated"):
                self._rated.add(self.ticket)
            if ok:
                self._go("thanks", ticket=self.ticket, level=self.level)
            else:
                self._go("error", ticket=self.ticket, level=self.level, error=error)

    def tick(self) -> bool:
        """Timeouts; True when the screen changed."""
        with self._lock:
            elapsed = self.clock() - self._since
            if self.screen in ("ask", "reason") and elapsed >= self.timeout_s:
                self._go("idle")
                return True
            if self.screen in ("thanks", "error") and elapsed >= self.thanks_s:
                following, self._next = self._next, None
                if following:
                    self._go("ask", ticket=following)
                else:
                    self._go("idle")
                return True
            return False

    def _go(
        self,
        screen: str,
        ticket: str | None = None,
        level: int | None = None,
        error: str | None = None,
        keep_reasons: bool = False,
    ) -> None:
        self.screen, self.ticket, self.level, self.error = screen, ticket, level, error
        if not keep_reasons and screen != "thanks" and screen != "error":
            self.reasons = []
        self._since = self.clock()

    # ------------------------------------------------------------ output

    def payload(self, free_text: str = "") -> dict[str, Any]:
        """The ``rating.submit`` args for the rating being sent (reason codes as the
        shown words are the pad's language; the code list and the free text are stored)."""
        with self._lock:
            if self.ticket is None or self.level is None:
                raise RuntimeError("nothing to send")
            reason = ", ".join([*self.reasons, *([free_text.strip()] if free_text.strip() else [])])
            return {"ticket": self.ticket, "level": self.level, "reason": reason[:300]}

    def view(self) -> RatingView:
        with self._lock:
            left = None
            if self.screen in ("ask", "reason"):
                left = max(0, int(self.timeout_s - (self.clock() - self._since) + 0.999))
            return RatingView(
                screen=self.screen,
                ticket=self.ticket,
                number=number_of(self.ticket) if self.ticket else None,
                level=self.level,
                reasons=tuple(self.reasons),
                left_s=left,
                error=self.error,
                connection=connection_state(self.connected, self.service_responding),
                rated=len(self._rated),
            )
