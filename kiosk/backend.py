"""The kiosk's :class:`~kiosk.presenter.Backend` over MQTT and the ticket printer."""

from __future__ import annotations

import logging
from typing import Any

from hall.mqtt import HallClient, MqttError
from kiosk.desk import DeskResult, TicketDesk, TicketRequest

log = logging.getLogger(__name__)


class ServiceBackend:
    """Issue through :class:`TicketDesk`; ask the service where a ticket stands."""

    def __init__(self, desk: TicketDesk, client: HallClient):
        self.desk = desk
        self.client = client

    def issue(self, request: TicketRequest) -> DeskResult:
        return self.desk.take_ticket(request)

    def ticket_status(self, ticket: str) -> dict[str, Any]:
        try:
            reply = self.client.request("ticket.status", {"ticket": ticket}, attempts=1)
        except MqttError as exc:
            log.warning("ticket.status %s: %s", ticket, exc)
            return {"ok": False, "error": "service_unreachable"}
        if not reply.ok:
            assert reply.error is not None
            return {"ok": False, "error": reply.error.code}
        return {"ok": True, "result": reply.result}

    def reprint(self, status: dict[str, Any], lang: str) -> DeskResult:
        return self.desk.reprint(status["ticket"], status, lang)
