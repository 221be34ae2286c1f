"""Simulated applicants and window staff, so a demo hall is alive.

Applicants take tickets at the kiosks (through :class:`kiosk.desk.TicketDesk`,
printed on the printer simulator); a few windows open, call, serve, sometimes
mark a no-show, and finish with the item's case kind. Time runs faster than in
a real hall: a service takes seconds, not minutes.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable

from hall.conf import HallConfig
from hall.mqtt import CommandFailed, HallClient, MqttError
from kiosk.desk import TicketDesk

log = logging.getLogger("demo")

DEMO_WINDOWS = ("W01", "W02", "W04", "W05", "W07", "W09", "W12", "W35")
LANGS = ("zh-Hant", "zh-Hant", "zh-Hant", "zh-Hans", "en")


class DemoTraffic:
    def __init__(
        self,
        config: HallConfig,
        connect: Callable[[str], HallClient],
        printer_url: str | None,
        pace: float = 1.0,
        seed: int | None = None,
        kiosks: list[str] | None = None,
        skip_windows: list[str] | None = None,
    ):
        self.config = config
        self.connect = connect
        self.printer_url = printer_url
        self.pace = pace
        self.random = random.Random(seed)
        self.kiosks = kiosks
        """Kiosk clients of the simulated applicants (None: the first two)."""
        self.stop_event = threading.Event()
        self.threads: list[threading.Thread] = []
        skip = {w.upper() for w in skip_windows or ()}
        self.windows = [w for w in DEMO_WINDOWS if w in config.window_by_id and w not in skip]
        """Windows the simulated staff work; not those run by a terminal GUI (one login each)."""
        served = {i for w in self.windows for i in config.items_by_window.get(w, ())}
        self.items = sorted(served)

    def sleep(self, low: float, high: float) -> bool:
        """Sleep a random while; False when asked to stop."""
        return not self.stop_event.wait(self.random.uniform(low, high) * self.pace)

    def start(self) -> None:
        kiosk_ids = self.kiosks
        if kiosk_ids is None:
            kiosk_ids = [c.id for c in self.config.clients if c.role.value == "kiosk"][:2]
        for kiosk_id in kiosk_ids:
            self._spawn(self._applicants, kiosk_id)
        for window_id in self.windows:
            terminal = self.config.terminal_of(window_id)
            if terminal is not None:
                self._spawn(self._window, terminal.id, window_id)

    def stop(self) -> None:
        self.stop_event.set()
        for th in self.threads:
            th.join(10)

    def _spawn(self, target: Callable[..., None], *args: str) -> None:
        th = threading.Thread(target=self._guard, args=(target, *args), daemon=True)
        self.threads.append(th)
        th.start()

    def _guard(self, target: Callable[..., None], *args: str) -> None:
        while not self.stop_event.is_set():
            try:
                target(*args)
                return
            except MqttError as exc:
                log.warning("%s: %s; retrying", args[0], exc)
                self.sleep(2, 4)

    def _applicants(self, kiosk_id: str) -> None:
        from devices.printer import TicketPrinter

        client = self.connect(kiosk_id)
        printer = TicketPrinter.from_url(self.printer_url) if self.printer_url else None
        desk = TicketDesk(self.config, client, printer)
        while self.sleep(4, 10):
            item = self.random.choice(self.items)
            priority = "elderly" if self.random.random() < 0.15 else "normal"
            result = desk.take_ticket(item, priority, self.random.choice(LANGS))
            if result.ok:
                assert result.ticket is not None
                log.info(
                    "%s: %s for %s (%d ahead, ~%.0f min)%s",
                    kiosk_id,
                    result.ticket["number"],
                    item,
                    result.people_ahead,
                    result.est_wait_min,
                    "" if result.printed else f" NOT PRINTED: {result.error}",
                )
            else:
                log.info("%s: refused %s: %s", kiosk_id, item, result.error)

    def _window(self, client_id: str, window_id: str) -> None:
        client = self.connect(client_id)
        try:
            client.command("window.open")
        except CommandFailed as exc:
            log.info("%s: %s", window_id, exc.code)
        while self.sleep(1, 3):
            try:
                ticket = client.command("window.call_next")["ticket"]
            except CommandFailed as exc:
                if exc.code == "window_busy":
                    client.command("window.finish")
                continue
            if ticket is None:
                continue
            log.info("%s calls %s", window_id, ticket["number"])
            if not self.sleep(2, 5):
                return
            if self.random.random() < 0.08:
                client.command("window.skip")
                log.info("%s: %s did not come", window_id, ticket["number"])
                continue
            client.command("window.start")
            if not self.sleep(6, 20):
                return
            outcome = self.config.item_by_code[ticket["item"]].case_kind.value
            client.command("window.finish", {"outcome": outcome})
