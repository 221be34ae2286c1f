"""A virtual ESC/POS printer: answers status queries and renders each job to a PNG.

TCP mode listens on 127.0.0.1:<port> (9100 by default, 0 = a free port) like a network
printer; :meth:`PrinterSimulator.serve_fd` serves a pseudo-terminal like a serial printer;
:func:`render_capture` renders a captured byte file. Set ``simulator.flags`` (paper_out,
paper_near_end, offline, cover_open, mute, garbled) to make the status answers report faults.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import tempfile
import threading
from pathlib import Path

from devices.printer.profiles import PrinterProfile
from devices.printer.sim_model import Receipt, StatusFlags
from devices.printer.sim_parser import EscPosInterpreter
from devices.printer.sim_render import render_receipt

POLL_SECONDS = 0.05


class PrinterSimulator:
    """Virtual printer; receipts and their PNG paths accumulate in order."""

    def __init__(
        self,
        profile: PrinterProfile,
        out_dir: Path | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 9100,
        flags: StatusFlags | None = None,
    ) -> None:
        self.profile = profile
        self.out_dir = Path(out_dir) if out_dir else Path(tempfile.mkdtemp(prefix="printer-sim-"))
        self.host = host
        self.requested_port = port
        self.flags = flags or StatusFlags()
        self.receipts: list[Receipt] = []
        self.png_paths: list[Path] = []
        self._server: socket.socket | None = None
        self._clients: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._changed = threading.Condition()

    # ------------------------------------------------------------ lifecycle

    def start(self) -> PrinterSimulator:
        """Listen and serve in background threads; returns self."""
        self.out_dir.mkdir(parents=True, exist_ok=True)
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((self.host, self.requested_port))
        server.listen(4)
        server.settimeout(POLL_SECONDS)
        self._server = server
        self._spawn(self._accept_loop, server)
        return self

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("simulator not started")
        return self._server.getsockname()[1]

    @property
    def url(self) -> str:
        return f"tcp:{self.host}:{self.port}"

    def stop(self) -> None:
        self._stopping.set()
        self.drop_connections()
        if self._server is not None:
            self._server.close()
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout=2)

    def drop_connections(self) -> None:
        """Close every client connection, as a power-cycled printer does."""
        for client in list(self._clients):
            with contextlib.suppress(OSError):
                client.shutdown(socket.SHUT_RDWR)
            client.close()
            self._clients.discard(client)

    def __enter__(self) -> PrinterSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -------------------------------------------------------------- results

    def wait_for_receipts(self, count: int, timeout: float = 5.0) -> list[Receipt]:
        """Block until ``count`` receipts were rendered (TimeoutError otherwise)."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.receipts) >= count, timeout):
                raise TimeoutError(f"{len(self.receipts)} of {count} receipts after {timeout}s")
            return list(self.receipts)

    def interpreter(self) -> EscPosInterpreter:
        """A fresh interpreter that renders into this simulator."""
        return EscPosInterpreter(self.profile.encoding, self.flags, self._store)

    def _store(self, receipt: Receipt) -> None:
        with self._changed:
            path = self.out_dir / f"receipt-{len(self.png_paths) + 1:04d}.png"
            render_receipt(receipt, self.profile.paper_dots).save(path)
            self.receipts.append(receipt)
            self.png_paths.append(path)
            self._changed.notify_all()

    # -------------------------------------------------------------- serving

    def _spawn(self, target, *args) -> None:  # type: ignore[no-untyped-def]
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _accept_loop(self, server: socket.socket) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(POLL_SECONDS)
            self._clients.add(client)
            self._spawn(self._serve_socket, client)

    def _serve_socket(self, client: socket.socket) -> None:
        interpreter = self.interpreter()
        try:
            while not self._stopping.is_set():
                try:
                    data = client.recv(65536)
                except TimeoutError:
                    continue
                if not data:
                    break
                reply = interpreter.feed(data)
                if reply:
                    client.sendall(reply)
        except OSError:
            pass  # dropped (power cycle) or closed by stop()
        finally:
            interpreter.finish()
            self._clients.discard(client)
            with contextlib.suppress(OSError):
                client.close()

    def serve_fd(self, fd: int) -> threading.Thread:
        """Serve a byte stream on ``fd`` (the master side of a pty) until stop()."""
        self.out_dir.mkdir(parents=True, exist_ok=True)
        thread = threading.Thread(target=self._serve_fd, args=(fd,), daemon=True)
        thread.start()
        self._threads.append(thread)
        return thread

    def _serve_fd(self, fd: int) -> None:
        interpreter = self.interpreter()
        while not self._stopping.is_set():
            ready, _, _ = select.select([fd], [], [], POLL_SECONDS)
            if not ready:
                continue
            try:
                data = os.read(fd, 65536)
            except OSError:
                break
            if not data:
                break
            reply = interpreter.feed(data)
            if reply:
                os.write(fd, reply)
        interpreter.finish()


def render_capture(data: bytes, profile: PrinterProfile, out_dir: Path) -> list[Path]:
    """Render a captured byte stream (e.g. from a ``file:`` printer) into PNGs."""
    simulator = PrinterSimulator(profile, out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    interpreter = simulator.interpreter()
    interpreter.feed(data)
    interpreter.finish()
    return list(simulator.png_paths)
