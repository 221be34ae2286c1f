"""The kiosk's work without a screen: take a number, print it, tell the service how it went.

The order matters (earlier queue systems got it wrong): the service saves the
ticket first, then the slip is printed, then the service learns whether it came
out. A printer fault never loses or duplicates a ticket: the number stays in the
queue marked ``failed`` so the guide officer can reprint it, and the screen
shows the number and the fault. The Kivy kiosk drives this class; so does the demo.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from hall.conf import HallConfig
from hall.i18n import t
from hall.mqtt import HallClient, MqttError

log = logging.getLogger(__name__)


class SlipPrinter(Protocol):
    def print_slip(self, slip: Any) -> Any: ...


@dataclass(frozen=True)
class DeskResult:
    """What the kiosk screen shows after a request."""

    ok: bool
    ticket: dict[str, Any] | None = None
    people_ahead: int = 0
    est_wait_min: float = 0.0
    printed: bool = False
    error: str | None = None
    """Machine-readable reason (service error code or printer fault key)."""
    message: str = ""
    """The reason in the applicant's language."""


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

    def take_ticket(
        self,
        item_code: str,
        priority: str = "normal",
        lang: str = "zh-Hant",
        id_masked: str | None = None,
        case_no: str | None = None,
    ) -> DeskResult:
        args: dict[str, Any] = {"item": item_code, "priority": priority, "lang": lang}
        if id_masked:
            args["id_masked"] = id_masked
        if case_no:
            args["case_no"] = case_no
        try:
            reply = self.client.request("ticket.issue", args)
        except MqttError as exc:
            log.warning("issue failed: %s", exc)
            return DeskResult(
                False, error="service_unreachable", message=t("errors.service_unreachable", lang)
            )
        if not reply.ok:
            assert reply.error is not None
            code = reply.error.code
            return DeskResult(False, error=code, message=t(f"errors.{code}", lang))
        result = reply.result
        ticket = result["ticket"]
        printed, error, message = self._print(ticket, result, lang)
        self._report(ticket, printed, error)
        return DeskResult(
            True, ticket, result["people_ahead"], result["est_wait_min"], printed, error, message
        )

    def _print(
        self, ticket: dict[str, Any], result: dict[str, Any], lang: str
    ) -> tuple[bool, str | None, str]:
        if self.printer is None:
            return False, "no_printer", t("errors.no_printer", lang)
        from devices.printer import PrinterFault

        try:
            self.printer.print_slip(self.slip(ticket, result, lang))
        except PrinterFault as fault:
            log.warning("ticket %s not printed: %s", ticket["number"], fault)
            return False, fault.key, fault.message(lang)
        return True, None, ""

    def slip(self, ticket: dict[str, Any], result: dict[str, Any], lang: str) -> Any:
        """The printable slip of an issued ticket, in the applicant's language."""
        from devices.printer import TicketSlip

        item = self.config.item_by_code[ticket["item"]]
        windows = [self.config.window_by_id[w].name.get(lang) for w in result["windows"]]
        return TicketSlip(
            language=lang,
            hall_name=self.config.hall_file.hall.name.get(lang),
            ticket_number=ticket["number"],
            service_name=item.name.get(lang),
            window_names=windows,
            people_ahead=result["people_ahead"],
            est_wait_minutes=round(result["est_wait_min"]),
            issued_at=datetime.fromtimestamp(ticket["issued_at"], self.config.tz),
            reference=ticket["ref"],
            id_masked=ticket.get("id_masked"),
            materials=[m.get(lang) for m in item.materials] if self.print_notice else None,
        )

    def _report(self, ticket: dict[str, Any], printed: bool, error: str | None) -> None:
        try:
            self.client.request(
                "ticket.print_result",
                {"ticket": ticket["id"], "ok": printed, "error": (error or "")[:200]},
            )
        except MqttError as exc:  # the ticket is saved; only the print flag is missing
            log.warning("could not report print result of %s: %s", ticket["number"], exc)
