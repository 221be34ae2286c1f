"""A simulated network camera: MJPEG over HTTP, as IP cameras and webcam servers stream it.

The kiosk opens it like any camera (``cv2.VideoCapture("http://127.0.0.1:PORT/video.mjpg")``,
OpenCV's FFmpeg backend), so the whole real path runs: JPEG frames on a socket, the
capture's open and read timeouts, the scanner's reader and worker threads. What is in
front of the camera is set by :meth:`SimCamera.show` (a frame, or an empty view); the
faults a real camera has are :meth:`SimCamera.freeze` (the stream stays open but no frame
comes: a hung camera) and :meth:`SimCamera.unplug` (connections dropped, nothing
listening: a camera that is gone), undone by :meth:`SimCamera.thaw` and
:meth:`SimCamera.plug`.

``hall device camera-sim --frames DIR`` serves the images of a folder in turn.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

BOUNDARY = b"frame"
EMPTY_VIEW = np.full((480, 640, 3), 200, np.uint8)
"""What the camera sees with nothing held up to it: a plain light surface."""


class SimCamera:
    """An MJPEG-over-HTTP camera on ``127.0.0.1`` (``port=0``: a free port, kept across
    unplug / plug so the kiosk's configured URL stays right)."""

    def __init__(self, port: int = 0, fps: float = 10.0, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = port
        self.fps = fps
        self.frames_sent = 0
        self._jpeg = _encode(EMPTY_VIEW)
        self._lock = threading.Lock()
        self._frozen = threading.Event()
        self._stop = threading.Event()
        self._server: socket.socket | None = None
        self._conns: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/video.mjpg"

    # ------------------------------------------------------------ life cycle

    def start(self) -> SimCamera:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((self.host, self.port))
        server.listen(8)
        server.settimeout(0.2)
        self.port = server.getsockname()[1]
        self._server = server
        self._stop.clear()
        thread = threading.Thread(target=self._accept, args=(server,), daemon=True)
        thread.name = "camera-sim"
        thread.start()
        self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            with contextlib.suppress(OSError):
                self._server.close()
            self._server = None
        with self._lock:
            conns, self._conns = list(self._conns), set()
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                conn.close()
        for thread in self._threads:
            thread.join(2)
        self._threads = []

    def __enter__(self) -> SimCamera:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --------------------------------------------------------------- control

    def show(self, frame: np.ndarray | str | Path | None) -> None:
        """Hold ``frame`` (an image or its file) up to the camera; None: nothing in view."""
        if isinstance(frame, str | Path):
            image = cv2.imread(str(frame))
            if image is None:
                raise ValueError(f"cannot read an image from {frame}")
            frame = image
        jpeg = _encode(EMPTY_VIEW if frame is None else frame)
        with self._lock:
            self._jpeg = jpeg

    def freeze(self) -> None:
        """The stream stays open but no frame comes (a hung camera or driver)."""
        self._frozen.set()

    def thaw(self) -> None:
        self._frozen.clear()

    def unplug(self) -> None:
        """Drop every connection and stop listening (the camera is gone)."""
        self.stop()

    def plug(self) -> None:
        """Listen again on the same port."""
        self.start()

    # --------------------------------------------------------------- serving

    def _accept(self, server: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                conn, _addr = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self._conns.add(conn)
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            thread.name = "camera-sim-stream"
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(5)
            request = b""
            while b"\r\n\r\n" not in request and len(request) < 8192:
                chunk = conn.recv(1024)
                if not chunk:
                    return
                request += chunk
            conn.sendall(
                b"HTTP/1.0 200 OK\r\nCache-Control: no-cache\r\nConnection: close\r\n"
                b"Content-Type: multipart/x-mixed-replace; boundary=" + BOUNDARY + b"\r\n\r\n"
            )
            period = 1.0 / self.fps
            while not self._stop.is_set():
                started = time.monotonic()
                if not self._frozen.is_set():
                    with self._lock:
                        jpeg = self._jpeg
                    conn.sendall(
                        b"--" + BOUNDARY + b"\r\nContent-Type: image/jpeg\r\n"
                        b"Content-Length: %d\r\n\r\n" % len(jpeg) + jpeg + b"\r\n"
                    )
                    self.frames_sent += 1
                self._stop.wait(max(0.0, period - (time.monotonic() - started)))
        except OSError:
            pass  # the reader went away (or we were unplugged)
        finally:
            with self._lock:
                self._conns.discard(conn)
            with contextlib.suppress(OSError):
                conn.close()


def _encode(frame: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 90])
    if not ok:
        raise ValueError("cannot encode the frame as JPEG")
    return data.tobytes()


def serve_folder(folder: Path, port: int, every_s: float, fps: float) -> int:
    """``hall device camera-sim``: show the folder's images in turn, each for ``every_s``,
    with an empty view between them, until interrupted."""
    from .sources import IMAGE_SUFFIXES

    files: Sequence[Path] = sorted(p for p in folder.iterdir() if p.suffix in IMAGE_SUFFIXES)
    if not files:
        raise SystemExit(f"no images in {folder}")
    with SimCamera(port, fps) as camera:
        print(f"camera: {camera.url}  ({len(files)} images, {every_s:g} s each)", flush=True)
        try:
            while True:
                for path in files:
                    camera.show(path)
                    time.sleep(every_s)
                    camera.show(None)
                    time.sleep(every_s / 2)
        except KeyboardInterrupt:
            return 0
