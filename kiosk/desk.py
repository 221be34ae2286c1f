"""The kiosk's work without a screen: take a number, print it, tell the service how it went.

The order matters (earlier queue systems got it wrong): the printer is checked,
the service saves the ticket, the slip is printed, then the service learns
whether it came out. A printer fault never loses or duplicates a ticket: the
number stays in the queue marked ``failed`` so the guide officer can reprint it,
and the screen shows the number, its QR and the fault.

One applicant's request is one :class:`TicketRequest`; its command id is made
once, when the request is made, and every retry (after a timeout, a lost
connection, a second tap) sends the same id, so the service answers it with the
ticket it already issued instead of issuing another. The Kivy kiosk drives this
class; so does the demo.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from typing import Any, Protocol

from hall.conf import HallConfig
from hall.i18n import t
from hall.mqtt import HallClient, MqttError
from kiosk.request import DeskResult, TicketRequest

__all__ = ["DeskResult", "SlipPrinter", "TicketDesk", "TicketRequest"]

log = logging.getLogger(__name__)


EXPIRED_RETRIES = 3
"""Immediate re-asks (same command id) after an ``expired`` answer."""


class SlipPrinter(Protocol):
    def print_slip(self, slip: Any) -> Any: ...


class TicketDesk:
    """Issue tickets for one kiosk client and print them on its printer."""

    def __init__(
        self,
        config: HallConfig,
        client: HallClient,
        printer: SlipPrinter | None,
        print_notice: bool = True,
    ):
        self.config = config
        self.client = client
        self.printer = printer
        self.print_notice = print_notice
        self.printer_state = "unknown"
        self.status_extra: dict[str, Any] = {}
        """Kept in every status published (location, the scanner's state)."""
        self._done: dict[str, DeskResult] = {}
        self._status_lock = threading.Lock()
        """One status at a time (worker: printer state; scanner thread: its state), so the
        last one published, which the broker keeps, holds both latest states."""
        """Results of requests already issued, by command id (a late retry gets the same)."""

    def request(self, item_code: str, **kw: Any) -> TicketRequest:
        """A new applicant request (its command id is made here, once)."""
        kw.setdefault("print_notice", self.print_notice)
        return TicketRequest(item_code, **kw)

    def take_ticket(
        self,
        item: str | TicketRequest,
        priority: str = "normal",
        lang: str = "zh-Hant",
        id_masked: str | None = None,
        case_no: str | None = None,
    ) -> DeskResult:
        """Issue and print a ticket. Pass the :class:`TicketRequest` of a failed result
        (``result.request``) to retry it: the same command id gets the same ticket."""
        if isinstance(item, TicketRequest):
            req = item
        else:
            req = self.request(
                item, priority=priority, lang=lang, id_masked=id_masked, case_no=case_no
            )
        lang = req.lang
        done = self._done.get(req.command_id)
        if done is not None:  # already issued and printed for this request: not again
            return done
        fault = self.check_printer(lang)
        for _ in range(EXPIRED_RETRIES + 1):
            try:
                reply = self.client.request(req.command, req.args(), cmd_id=req.command_id)
            except MqttError as exc:
                log.warning("issue failed: %s", exc)
                return DeskResult(
                    False,
                    error="service_unreachable",
                    message=t("errors.service_unreachable", lang),
                    request=req,
                )
            # "expired" answers a copy that waited past its deadline (sent before the
            # service came back) and was NOT carried out: asking again with the same id
            # is safe and gets the ticket of a later copy if one was carried out.
            if reply.ok or reply.error is None or reply.error.code != "expired":
                break
        issued = time.monotonic()
        if not reply.ok:
            assert reply.error is not None
            code = reply.error.code
            return DeskResult(False, error=code, message=t(f"errors.{code}", lang), request=req)
        result = reply.result
        ticket = result["ticket"]
        if fault is not None:
            printed, error, message, handed = False, fault[0], fault[1], issued
        else:
            printed, error, message, handed = self._print(ticket, result, req)
        self._report(ticket, printed, error)
        result = DeskResult(
            True,
            ticket,
            result["people_ahead"],
            result["est_wait_min"],
            printed,
            error,
            message,
            req,
            tuple(result.get("windows", ())),
            {"issued": issued, "print_handed": handed},
            case=result.get("case"),
        )
        self._done[req.command_id] = result
        while len(self._done) > 64:
            self._done.pop(next(iter(self._done)))
        return result

    # ------------------------------------------------------------ printer

    def check_printer(self, lang: str = "zh-Hant") -> tuple[str, str] | None:
        """Ask the printer before issuing: ``(fault key, message)`` when it cannot print.

        Updates :attr:`printer_state` and the kiosk's retained status when it changes.
        """
        if self.printer is None:
            self._set_printer_state("none")
            return "no_printer", t("errors.no_printer", lang)
        status = getattr(self.printer, "status", None)
        if status is None:
            return None
        from devices.printer import PrinterFault
        from devices.printer.status import check_ready

        try:
            current = status()
            warnings = check_ready(current) if current is not None else []
        except PrinterFault as fault:
            self._set_printer_state(fault.key)
            return fault.key, fault.message(lang)
        self._set_printer_state(warnings[0].key if warnings else "ok")
        return None

    def _set_printer_state(self, state: str) -> None:
        if state == self.printer_state:
            return
        self.printer_state = state
        self.publish_status()

    def publish_status(self, **extra: Any) -> None:
        """The kiosk's retained status with its printer's state (the guide officer sees it);
        ``extra`` (location, scanner) is kept for the statuses that follow."""
        with self._status_lock:
            self.status_extra.update(extra)
            body = {"app": "kiosk", "printer": self.printer_state, **self.status_extra}
            try:  # also what the status says after a reconnect
                self.client.publish_status(**body)
            except (MqttError, RuntimeError, ValueError) as exc:
                log.warning("could not publish kiosk status: %s", exc)

    def _print(
        self, ticket: dict[str, Any], result: dict[str, Any], req: TicketRequest
    ) -> tuple[bool, str | None, str, float]:
        lang = req.lang
        if self.printer is None:
            return False, "no_printer", t("errors.no_printer", lang), time.monotonic()
        from devices.printer import PrinterFault

        slip = self.slip(ticket, result, lang, req.print_notice)
        handed = time.monotonic()
        try:
            self.printer.print_slip(slip)
        except PrinterFault as fault:
            log.warning("ticket %s not printed: %s", ticket["number"], fault)
            self._set_printer_state(fault.key)
            return False, fault.key, fault.message(lang), handed
        self._set_printer_state("ok")
        return True, None, "", handed

    def reprint(self, ticket: dict[str, Any], result: dict[str, Any], lang: str) -> DeskResult:
        """Print a ticket's slip again (an applicant scanned its QR); no new number."""
        fault = self.check_printer(lang)
        if fault is not None:
            return DeskResult(True, ticket, printed=False, error=fault[0], message=fault[1])
        req = TicketRequest(ticket["item"], ticket["priority"], lang, print_notice=False)
        printed, error, message, _ = self._print(ticket, result, req)
        return DeskResult(True, ticket, result.get("people_ahead", 0), 0.0, printed, error, message)

    def slip(
        self, ticket: dict[str, Any], result: dict[str, Any], lang: str, notice: bool | None = None
    ) -> Any:
        """The printable slip of an issued ticket, in the applicant's language."""
        from devices.printer import TicketSlip

        item = self.config.item_by_code[ticket["item"]]
        windows = [self.config.window_by_id[w].name.get(lang) for w in result["windows"]]
        notice = self.print_notice if notice is None else notice
        priority = ticket.get("priority", "normal")
        classes = {p.code: p for p in self.config.hall_file.priority}
        return TicketSlip(
            language=lang,
            hall_name=self.config.hall_file.hall.name.get(lang),
            ticket_number=ticket["number"],
            service_name=item.name.get(lang),
            window_names=windows,
            people_ahead=result.get("people_ahead", 0),
            est_wait_minutes=round(result.get("est_wait_min", 0)),
            issued_at=datetime.fromtimestamp(ticket["issued_at"], self.config.tz),
            reference=ticket["ref"],
            id_masked=ticket.get("id_masked"),
            materials=[m.get(lang) for m in item.materials] if notice else None,
            priority_name=(
                classes[priority].name.get(lang)
                if priority != "normal" and priority in classes
                else None
            ),
        )

    def _report(self, ticket: dict[str, Any], printed: bool, error: str | None) -> None:
        try:
            self.client.request(
                "ticket.print_result",
                {"ticket": ticket["id"], "ok": printed, "error": (error or "")[:200]},
            )
        except MqttError as exc:  # the ticket is saved; only the print flag is missing
            log.warning("could not report print result of %s: %s", ticket["number"], exc)
