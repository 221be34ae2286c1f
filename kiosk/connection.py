"""The kiosk's link to the hall: broker connection (kept trying), printer, scanner.

:class:`KioskConnection` is the presenter's :class:`~kiosk.presenter.Backend`. It
connects in the background through the apps' shared :class:`~ui.link.BackgroundLink`
(the printer is opened first, on that thread; retries back off from 1 s to
``retry_s``), so a kiosk started before the broker (or one whose broker restarts)
recovers on its own; until then every request answers ``service_unreachable`` at
once. It also runs a serial or camera scanner from ``kiosks.toml`` on a thread and
reports its state (``ok`` or a fault's message key) to the screen and in the kiosk's
retained status: a camera that is missing or gives no frames is a fault, reopened
until frames return.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import Any

from hall.conf import HallConfig
from hall.conf.kiosks import KioskSettings, ScannerKind
from hall.i18n import t
from hall.mqtt import HallClient
from hall.protocol import Topics
from hall.runtime import RuntimeDir
from kiosk.backend import ServiceBackend
from kiosk.desk import DeskResult, TicketDesk, TicketRequest
from ui.link import BackgroundLink

log = logging.getLogger(__name__)


class KioskConnection:
    def __init__(
        self,
        config: HallConfig,
        settings: KioskSettings,
        var: RuntimeDir,
        client_id: str,
        host: str | None = None,
        port: int | None = None,
        printer_url: str | None = None,
        scanner: str | None = None,
    ):
        self.config = config
        self.settings = settings
        self.var = var
        self.client_id = client_id
        self.host = host
        self.port = port
        self.printer_url = printer_url or settings.kiosk.printer
        self.scanner_spec = scanner
        self.printer: Any = None
        self.client: HallClient | None = None
        """The link's client, set once the desk and backend on it are ready."""
        self.desk: TicketDesk | None = None
        self.backend: ServiceBackend | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._on_queues: Callable[[dict[str, Any]], None] | None = None
        self._on_scanner: Callable[[str], None] | None = None
        self.scanner_state = "ok"
        self._status_lock = threading.Lock()
        """``ok`` or a fault's message key (``scan.camera_fault``, ``scan.scanner_fault``)."""
        self.link = BackgroundLink(
            self._make_client,
            [Topics(config.topic_root).state("queues")],
            self._queues,
            name=f"kiosk {client_id}",
            thread_name="kiosk-connect",
            retry_s=settings.defaults.retry_s,
            first_retry_s=1.0,
            prepare=self._open_printer,  # python-escpos loads there, not on the GUI thread
            on_connected=self._connected,
        )

    # ------------------------------------------------------------ life cycle

    def start(
        self,
        on_queues: Callable[[dict[str, Any]], None],
        on_scan: Callable[[str], None],
        on_scanner: Callable[[str], None] | None = None,
    ) -> None:
        """``on_queues``, ``on_scan`` and ``on_scanner`` (scanner state) are called from
        worker threads: hand them to the GUI thread."""
        self._on_queues = on_queues
        self._on_scanner = on_scanner
        self.link.start()
        self._start_scanner(on_scan)

    def stop(self) -> None:
        self._stop.set()
        self.link.stop(wait_s=0.0)  # closes the client; the GUI thread does not wait
        if self.printer is not None:
            self.printer.close()

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        th = threading.Thread(target=target, name=name, daemon=True)
        self._threads.append(th)
        th.start()

    def _open_printer(self) -> None:
        if self.printer_url in ("", "none"):
            return
        from devices.printer import TicketPrinter

        try:
            self.printer = TicketPrinter.from_url(
                self.printer_url, self.settings.kiosk.printer_profile
            )
        except ValueError as exc:
            log.error("printer %s: %s", self.printer_url, exc)

    def _make_client(self) -> HallClient:
        """A new client for one connect attempt (the endpoint is read again each time)."""
        endpoint = self.var.endpoint(self.config, self.client_id, self.host, self.port)
        return HallClient(
            endpoint, Topics(self.config.topic_root), self.config.hall_file.mqtt.request_timeout_s
        )

    def _connected(self) -> None:
        """First connect (link thread): the desk, the backend, the retained kiosk status."""
        client = self.link.client
        assert client is not None
        desk = TicketDesk(self.config, client, self.printer)
        desk.check_printer()
        # with the scanner's lock: a scanner state that changes now is published after this
        # status, never before it (the retained status would keep the older state)
        with self._status_lock:
            self.desk = desk
            self.backend = ServiceBackend(desk, client)
            self.client = client
            desk.publish_status(location=self.settings.kiosk.location, scanner=self.scanner_state)
        endpoint = client.endpoint
        log.info("kiosk %s connected to %s:%d", self.client_id, endpoint.host, endpoint.port)

    def _queues(self, _topic: str, body: dict[str, Any]) -> None:
        """The retained queues snapshot (MQTT dispatcher thread) for the confirm screen."""
        if self._on_queues is not None:
            self._on_queues(body)

    def _start_scanner(self, on_scan: Callable[[str], None]) -> None:
        spec = self.scanner_spec
        scanner = self.settings.kiosk.scanner
        kind = scanner.kind.value
        port, baud, device = scanner.port, scanner.baud, scanner.device
        if spec:
            kind, _, rest = spec.partition(":")
            if kind == "serial":
                port, _, b = rest.partition(":")
                baud = int(b or baud)
            elif kind == "camera":
                device = rest
        if kind == ScannerKind.SERIAL.value:
            self._spawn(lambda: self._serial_loop(port, baud, on_scan), "kiosk-serial-scanner")
        elif kind == ScannerKind.CAMERA.value:
            self._spawn(lambda: self._camera_loop(device, on_scan), "kiosk-camera-scanner")
        # wedge: the window reads the keystrokes; none: nothing to start

    def _set_scanner(self, state: str) -> None:
        """The scanner's state changed: tell the screen and the guide officer (status)."""
        with self._status_lock:
            if state == self.scanner_state:
                return
            self.scanner_state = state
            if self.desk is not None:
                self.desk.publish_status(scanner=state)
        log.warning("kiosk %s scanner: %s", self.client_id, state)
        if self._on_scanner is not None:
            self._on_scanner(state)

    def _serial_loop(self, port: str, baud: int, on_scan: Callable[[str], None]) -> None:
        from devices.scanner.serial_scanner import SerialScanner

        scanner = SerialScanner(port, baud)
        while not self._stop.is_set():
            read = scanner.read_code(timeout=1.0)  # every read ends by its deadline
            if read.status == "error":
                self._set_scanner("scan.scanner_fault")
                self._stop.wait(1.0)
                continue
            self._set_scanner("ok")
            if read.ok and read.payload:
                on_scan(read.payload)

    CAMERA_RETRY_S = 2.0
    """A camera (or recording) that cannot be opened is tried again this often."""

    def _camera_loop(self, device: str, on_scan: Callable[[str], None]) -> None:
        """Run the camera scanner for as long as the kiosk runs: a camera that is missing
        or silent is a fault until frames come again; a recording (video file, image
        folder) that has played to its end is one too, until the file is replaced."""
        from devices.scanner.sources import open_source

        spec: int | str = int(device) if device.isdigit() else device
        while not self._stop.is_set():
            try:
                source = open_source(spec)
            except (OSError, ValueError) as exc:
                log.warning("camera %s: %s", device, exc)
                self._set_scanner("scan.camera_fault")
                self._stop.wait(self.CAMERA_RETRY_S)
                continue
            if getattr(source, "opened", True):
                self._set_scanner("ok")  # a camera that is missing stays a fault (no frames)
            stamp = _file_stamp(device)
            if not self._run_camera(source, spec, on_scan):
                return  # the kiosk is stopping
            log.info("camera %s: the recording has ended", device)
            self._set_scanner("scan.camera_fault")
            while not self._stop.is_set() and _file_stamp(device) == stamp:
                self._stop.wait(self.CAMERA_RETRY_S)

    def _run_camera(self, source: Any, spec: int | str, on_scan: Callable[[str], None]) -> bool:
        """Scan until the kiosk stops (False) or a recording ends (True)."""
        from devices.scanner.camera import CameraScanner
        from devices.scanner.sources import open_source

        camera = CameraScanner(
            source,
            hall_code=self.config.code,
            reopen=(lambda: open_source(spec)) if source.live else None,
            # a live camera's frame gets a time budget (the next one is coming); every frame
            # of a recording is read to the end of the ladder, however busy the machine is
            deep_budget_s=0.6 if source.live else None,
        )
        with camera:
            while not self._stop.is_set():
                event = camera.next_event(timeout=1.0)  # never waits longer
                if event is None:
                    continue
                if event.kind == "code" and event.code is not None:
                    self._set_scanner("ok")
                    on_scan(event.code.payload)
                elif event.kind == "fault":
                    self._set_scanner(event.reason or "scan.camera_fault")
                elif event.kind == "recovered":
                    self._set_scanner("ok")
                elif event.kind == "end":
                    return True
        return False

    # -------------------------------------------------------------- status

    def connected(self) -> bool:
        return self.client is not None and self.client.connected

    def service_up(self) -> bool:
        """False while the broker is away or the service's heartbeat has stopped."""
        client = self.client
        if client is None or not client.connected:
            return False
        responding = getattr(client, "service_responding", None)
        return bool(responding()) if responding is not None else True

    def printer_state(self) -> str:
        return self.desk.printer_state if self.desk is not None else "unknown"

    def scanner(self) -> str:
        return self.scanner_state

    # ------------------------------------------------------------- backend

    def issue(self, request: TicketRequest) -> DeskResult:
        if self.backend is None:
            return DeskResult(
                False,
                error="service_unreachable",
                message=t("errors.service_unreachable", request.lang),
                request=request,
            )
        return self.backend.issue(request)

    def ticket_status(self, ticket: str) -> dict[str, Any]:
        if self.backend is None:
            return {"ok": False, "error": "service_unreachable"}
        return self.backend.ticket_status(ticket)

    def reprint(self, status: dict[str, Any], lang: str) -> DeskResult:
        if self.desk is None:
            return DeskResult(True, status["ticket"], printed=False, error="service_unreachable")
        return self.desk.reprint(status["ticket"], status, lang)


def _file_stamp(path: str) -> tuple[int, int] | None:
    """A recording's modification time and size (None: no such file)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size
