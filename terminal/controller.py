"""A window terminal without a screen: link + presenter + outbox (the Kivy app wraps it)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from hall.conf import HallConfig
from hall.conf.model import Role
from hall.contract import result
from hall.mqtt import Endpoint, MqttError
from hall.protocol import Topics
from terminal.link import TerminalLink
from terminal.outbox import CommandOutbox, Outcome
from terminal.presenter import COMMAND_OF, CasePanel, Message, WindowPresenter

NOTICE_KINDS = ("promised", "joint", "reply", "supplement")
"""Case kinds whose registration prints a notice (即辦件 prints none)."""

log = logging.getLogger(__name__)


def window_client_id(config: HallConfig, window_id: str) -> str:
    """The MQTT client bound to ``window_id`` in clients.toml."""
    for c in config.clients:
        if c.role == Role.WINDOW and c.window == window_id:
            return c.id
    raise ValueError(f"no window client is bound to {window_id} in clients.toml")


class WindowController:
    """Presses become commands; outcomes and connection changes become presenter state."""

    def __init__(
        self,
        config: HallConfig,
        window_id: str,
        endpoint: Endpoint,
        hold_s: float = 30.0,
        on_change: Callable[[], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.window_id = window_id
        self.on_change = on_change
        self.presenter = WindowPresenter(config, window_id, clock)
        self.link = TerminalLink(
            endpoint,
            Topics(config.topic_root),
            window_id,
            self.presenter.service_client,
            self._deliver,
            config.hall_file.mqtt.request_timeout_s,
        )
        self.outbox = CommandOutbox(
            self.link.current,
            self._outcome,
            client_id=endpoint.client_id,
            hold_s=hold_s,
            on_change=self._outbox_changed,
        )
        self.outcomes: list[Outcome] = []
        self._outcome_cond = threading.Condition()
        self._finish_after: dict[str, Any] | None = None
        """``window.finish`` args to send once the case registered (see :meth:`finish_case`)."""
        self._looked_up: str | None = None
        self.notice_printer: Callable[[dict[str, Any]], bool] | None = None
        """Prints a case notice for a registered case (True when printed); see terminal.notice."""

    def start(self, wait_s: float = 5.0) -> WindowController:
        self.outbox.start()
        self.link.start(wait_s)
        self.poll()
        return self

    def stop(self) -> None:
        self.outbox.stop()
        self.link.stop()

    def poll(self) -> None:
        """Copy the link state into the presenter; wake the outbox when the link is back."""
        connected = self.link.connected
        was = self.presenter.connected
        self.presenter.set_connected(connected)
        client = self.link.client
        responding = client.service_responding() if client is not None else True
        if responding != self.presenter.service_responding:
            self.presenter.set_service_responding(responding)
            self._changed()
        if connected and not was:
            self.outbox.poke()
        if connected != was:
            self._changed()

    # ------------------------------------------------------------ actions

    def press(self, action: str, **args: Any) -> bool:
        """Carry out a button: ``finish(outcome=, note=)``, ``call(number=)``,
        ``transfer(to_window=, to_item=, note=)``, ``after_hours()`` toggles."""
        ctype = COMMAND_OF[action]
        if action == "after_hours":
            args = {"on": not self.presenter.view().after_hours}
        args = {k: v for k, v in args.items() if v not in (None, "")}
        if not self.link.connected:
            self.presenter.set_message(Message("terminal.msg.held", "info", (("action", action),)))
        cmd = self.outbox.press(ctype, args)
        return cmd is not None

    def send(self, ctype: str, args: dict[str, Any] | None = None) -> bool:
        """Any command through the outbox (one at a time, held offline, never doubled)."""
        return self.outbox.press(ctype, dict(args or {})) is not None

    def open_sign_in(self) -> None:
        self.presenter.set_sign_in_open(True)
        self._changed()

    def close_sign_in(self) -> None:
        self.presenter.set_sign_in_open(False)
        self._changed()

    def sign_in(self, staff: str, pin: str) -> bool:
        """``staff.sign_in`` with the staff id and PIN typed on the sign-in panel."""
        return self.send("staff.sign_in", {"staff": staff.strip().upper(), "pin": pin.strip()})

    def sign_out(self) -> bool:
        return self.send("staff.sign_out")

    def finish_case(
        self,
        kind: str,
        name: str,
        contact: str,
        materials: list[tuple[str, int]] | None = None,
        missing: list[str] | None = None,
        reason: str = "",
        note: str = "",
    ) -> bool:
        """Register the case of the ticket at the counter, then finish the ticket as ``kind``."""
        ticket = self.presenter.ticket
        if ticket is None:
            self.presenter.set_message(Message("errors.no_current_ticket", "error"))
            self._changed()
            return False
        if ticket.get("case_no"):
            return self._finish_returning(ticket["case_no"], kind, note)
        args: dict[str, Any] = {
            "item": ticket["item"],
            "kind": kind,
            "applicant": {"name": name.strip(), "contact": contact.strip()},
            "materials": [{"name": n, "count": c} for n, c in materials or []],
            "ticket": ticket["id"],
        }
        if missing:
            args["missing"] = [m.strip() for m in missing if m.strip()]
        if reason:
            args["reason"] = reason.strip()
        self._finish_after = {"outcome": kind, "note": note}
        if not self.send("case.register", args):
            self._finish_after = None
            return False
        return True

    def _finish_returning(self, number: str, kind: str, note: str) -> bool:
        """A returning ticket: its case exists. A 補辦件 whose materials are now complete goes
        on as ``kind`` (``case.update`` to ``accepted``: its clock starts); else the ticket is
        just finished."""
        case = self.presenter.view().case
        complete = (
            case is not None
            and case.number == number
            and case.status == "waiting_materials"
            and kind in ("immediate", "promised", "joint")
        )
        if not complete:
            return self.press("finish", outcome=kind, note=note)
        self._finish_after = {"outcome": kind, "note": note}
        args = {"case": number, "to": "accepted", "kind": kind}
        if not self.send("case.update", args):
            self._finish_after = None
            return False
        return True

    def lookup_case(self, number: str) -> bool:
        """Look a case up (``case.lookup``) and show it on the case panel; a read, sent once."""
        client = self.link.client
        if client is None or not client.connected:
            return False
        try:
            reply = client.request("case.lookup", {"case": number})
        except (MqttError, TimeoutError) as exc:  # shown again when the ticket is recalled
            log.info("case.lookup %s: %s", number, exc)
            self._looked_up = None
            return False
        if reply.ok:
            self.presenter.set_case(CasePanel.of(result(reply).case.model_dump()))
        else:
            code = reply.error.code if reply.error else ""
            self.presenter.set_message(Message(f"errors.{code}", "error"))
        self._changed()
        return reply.ok

    def _look_up_returning(self) -> None:
        """A returning ticket at the counter: look its case up once (off the MQTT thread)."""
        number = self.presenter.view().case_no
        if number is None or number == self._looked_up:
            return
        self._looked_up = number
        threading.Thread(target=self.lookup_case, args=(number,), daemon=True).start()

    # ------------------------------------------------------------ plumbing

    def _deliver(self, topic: str, body: dict[str, Any]) -> None:
        self.presenter.handle(topic, body)
        self._look_up_returning()
        self.poll()
        self._changed()

    def _outbox_changed(self) -> None:
        pending = self.outbox.pending
        action = None
        if pending is not None:
            window = pending.ctype.startswith("window.")
            action = pending.ctype.split(".", 1)[1] if window else pending.ctype.replace(".", "_")
        self.presenter.set_pending(action)
        self._changed()

    def wait_outcomes(self, count: int, timeout: float) -> list[Outcome]:
        """Wait until ``count`` commands have ended; returns every outcome so far."""
        deadline = time.monotonic() + timeout
        with self._outcome_cond:
            while len(self.outcomes) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(self.outcomes)} of {count} commands ended")
                self._outcome_cond.wait(left)
            return list(self.outcomes)

    def _outcome(self, outcome: Outcome) -> None:
        with self._outcome_cond:
            self.outcomes.append(outcome)
            self._outcome_cond.notify_all()
        action = outcome.command.ctype.split(".", 1)[1]
        params: tuple[tuple[str, str], ...] = (("action", action),)
        if outcome.command.ctype.startswith(("staff.", "case.")):
            self._staff_or_case_outcome(outcome)
            return
        if outcome.status == "error" and outcome.code == "sign_in_required":
            self.presenter.set_sign_in_open(True)
        if outcome.status == "ok":
            result = outcome.reply.result if outcome.reply else {}
            ticket = result.get("ticket") if isinstance(result, dict) else None
            if action in ("call_next", "call") and ticket is None:
                msg = Message("terminal.msg.nobody", "info")
            else:
                number = ticket.get("number", "") if isinstance(ticket, dict) else ""
                msg = Message("terminal.msg.done", "ok", (*params, ("number", number)))
        elif outcome.status == "error":
            msg = Message(f"errors.{outcome.code}", "error", params)
        else:
            msg = Message(f"terminal.msg.{outcome.status}", "error", params)
        self.presenter.set_message(msg)
        self._changed()

    def _staff_or_case_outcome(self, outcome: Outcome) -> None:
        ctype = outcome.command.ctype
        action = ctype.replace(".", "_")
        if outcome.status != "ok" or outcome.reply is None:
            if ctype in ("case.register", "case.update"):
                self._finish_after = None
            if outcome.code == "sign_in_required":
                self.presenter.set_sign_in_open(True)
            key = f"errors.{outcome.code}" if outcome.status == "error" else None
            key = key or f"terminal.msg.{outcome.status}"
            self.presenter.set_message(Message(key, "error", (("action", action),)))
        elif ctype == "staff.sign_in":
            staff = result(outcome.reply).staff
            self.presenter.set_staff((staff.staff, staff.name))
            self.presenter.set_sign_in_open(False)
            signed = Message("terminal.msg.signed_in", "ok", (("name", staff.name),))
            self.presenter.set_message(signed)
        elif ctype == "staff.sign_out":
            self.presenter.set_staff(None)
            self.presenter.set_message(Message("terminal.msg.signed_out", "ok"))
        elif ctype in ("case.register", "case.update"):
            case = result(outcome.reply).case.model_dump()
            case["reason"] = outcome.command.args.get("reason", "")
            printing = case["kind"] in NOTICE_KINDS and self.notice_printer is not None
            panel = CasePanel.of(case, registered=True)
            self.presenter.set_case(replace(panel, notice="printing" if printing else None))
            if printing:  # off the outbox's thread: the finish goes at once
                threading.Thread(
                    target=self._print_notice, args=(case,), name="notice", daemon=True
                ).start()
            self.presenter.set_message(
                Message("terminal.msg.case_registered", "ok", (("number", case["number"]),))
            )
            finish, self._finish_after = self._finish_after, None
            if finish is not None:
                self.press("finish", **finish)
        self._changed()

    def _print_notice(self, case: dict[str, Any]) -> None:
        assert self.notice_printer is not None
        printed = self.notice_printer(case)
        self.presenter.set_notice(case["number"], "printed" if printed else "print_failed")
        self._changed()

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()
