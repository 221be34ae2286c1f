"""The camera scanner: a worker thread that decodes frames and reports stable codes.

A reader thread pulls frames from the source (a blocking ``read`` on a stuck camera
cannot hang the worker: the worker waits for frames with a timeout and reports a fault).
A live camera that gives no frames for ``frame_timeout_s`` is released and opened again
by the reader thread itself (never while another thread reads it), at doubling intervals
up to ``max_reopen_s``, until frames return.
The worker runs the cheap first pass on every frame and the full ladder, within a time
budget, on frames where the first pass found nothing. A code is reported once it was
read in ``stable_frames`` of the last ``window`` frames, and not again while it stays in
view (until it has been gone for ``hold_off_s``).
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from hall.codes import Classification, Reason, classify

from .decode import Decoded, decode_frame
from .sources import FrameSource, open_source
from .zbar import DEFAULT_SYMBOLOGIES

EventKind = Literal["code", "fault", "recovered", "end"]


@dataclass(frozen=True)
class ScanEvent:
    kind: EventKind
    at: float
    """``time.monotonic()`` when it happened."""
    code: Decoded | None = None
    classification: Classification | None = None
    message: str = ""
    reason: str | None = None
    """Message key for the kiosk (``scan.camera_fault``)."""


@dataclass
class CameraStats:
    frames: int = 0
    deep_frames: int = 0
    reads: int = 0
    dropped: int = 0
    faults: int = 0
    reopens: int = 0
    decode_s: float = 0.0


class CameraScanner:
    """Scan codes from a camera, a video file or an image folder in a worker thread.

    Events go to ``on_event`` (called from the worker thread) and to :meth:`next_event`.
    """

    def __init__(
        self,
        source: FrameSource | int | str,
        *,
        on_event: Callable[[ScanEvent], None] | None = None,
        stable_frames: int = 2,
        window: int = 3,
        hold_off_s: float = 2.0,
        frame_timeout_s: float = 2.0,
        deep_budget_s: float | None = 0.6,
        hall_code: str,
        symbologies: Sequence[str] = DEFAULT_SYMBOLOGIES,
        reopen: Callable[[], FrameSource] | None = None,
        max_reopen_s: float = 10.0,
    ) -> None:
        if not 1 <= stable_frames <= window:
            raise ValueError("need 1 <= stable_frames <= window")
        if isinstance(source, int | str):
            spec = source
            source = open_source(spec)
            reopen = reopen or (lambda: open_source(spec))
        self.source = source
        self.on_event = on_event
        self.stable_frames = stable_frames
        self.window = window
        self.hold_off_s = hold_off_s
        self.frame_timeout_s = frame_timeout_s
        self.max_reopen_s = max_reopen_s
        """A silent camera is reopened after ``frame_timeout_s``, then at doubling
        intervals up to this (reset when frames come)."""
        self.deep_budget_s = deep_budget_s
        self.hall_code = hall_code
        self.symbologies = tuple(symbologies)
        self.stats = CameraStats()
        self._reopen = reopen
        self._frames: queue.Queue[np.ndarray | None] = queue.Queue(maxsize=2)
        self._events: queue.Queue[ScanEvent] = queue.Queue()
        self._stop = threading.Event()
        self._recent: deque[set[tuple[str, str]]] = deque(maxlen=window)
        self._last_seen: dict[tuple[str, str], float] = {}
        self._reported: set[tuple[str, str]] = set()
        self._threads: list[threading.Thread] = []
        self.faulted = False
        self.ended = threading.Event()

    # ----------------------------------------------------------------- life cycle

    def start(self) -> CameraScanner:
        for target, name in ((self._read_loop, "camera-reader"), (self._work_loop, "camera-scan")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self, timeout: float = 2.0) -> None:
        """Stop both threads and release the source.

        The reader releases the source itself when its read returns (an OpenCV capture
        released while another thread reads it can crash the process). A reader stuck
        longer than ``timeout`` is left as a daemon, unless its source says a release
        from another thread is what unblocks it (``release_unblocks_read``)."""
        self._stop.set()
        if not self._threads:
            with contextlib.suppress(Exception):
                self.source.release()
            return
        reader = self._threads[0]
        reader.join(timeout)
        if reader.is_alive() and getattr(self.source, "release_unblocks_read", False):
            with contextlib.suppress(Exception):
                self.source.release()
            reader.join(timeout)
        for thread in self._threads[1:]:
            thread.join(timeout)

    def __enter__(self) -> CameraScanner:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def next_event(self, timeout: float | None = None) -> ScanEvent | None:
        """The next event, or None after ``timeout`` seconds."""
        try:
            return self._events.get(timeout=timeout)
        except queue.Empty:
            return None

    # ------------------------------------------------------------------- threads

    def _read_loop(self) -> None:
        try:
            self._read_frames()
        finally:
            with contextlib.suppress(Exception):
                self.source.release()

    def _read_frames(self) -> None:
        live = self.source.live
        failing_since: float | None = None
        wait = self.frame_timeout_s
        while not self._stop.is_set():
            try:
                ok, frame = self.source.read()
            except Exception:  # a driver error is a missing frame
                ok, frame = False, None
            if ok and frame is not None:
                failing_since, wait = None, self.frame_timeout_s
                self._put(frame, block=not live)
                continue
            if not live:
                self._put(None, block=True)
                return
            now = time.monotonic()
            if failing_since is None:
                failing_since = now
            elif self._reopen is not None and now - failing_since >= wait:
                self._reopen_source()
                failing_since = time.monotonic()
                # a camera that stays away is tried less often (each try may log a driver
                # warning), but at least every max_reopen_s
                wait = min(wait * 2, max(self.max_reopen_s, self.frame_timeout_s))
            self._stop.wait(0.05)

    def _reopen_source(self) -> None:
        """Release the silent camera and open it again (on the reader thread only)."""
        assert self._reopen is not None
        with contextlib.suppress(Exception):
            self.source.release()
        try:
            source = self._reopen()
        except Exception:  # not there (yet): no frames, try again later
            source = NoFrames()
        self.stats.reopens += 1
        if self._stop.is_set():
            with contextlib.suppress(Exception):
                source.release()
            return
        self.source = source

    def _put(self, frame: np.ndarray | None, *, block: bool) -> None:
        """Hand a frame to the worker: a recording waits, a live camera drops the oldest."""
        while not self._stop.is_set():
            try:
                self._frames.put(frame, timeout=0.1 if block else 0)
                return
            except queue.Full:
                if not block:
                    with contextlib.suppress(queue.Empty):
                        self._frames.get_nowait()
                        self.stats.dropped += 1

    def _work_loop(self) -> None:
        silent_since = time.monotonic()
        while not self._stop.is_set():
            try:
                frame = self._frames.get(timeout=min(0.2, self.frame_timeout_s))
            except queue.Empty:
                if time.monotonic() - silent_since >= self.frame_timeout_s:
                    self._fault(time.monotonic() - silent_since)
                    silent_since = time.monotonic()
                continue
            if frame is None:
                self._emit(ScanEvent("end", time.monotonic(), message="end of source"))
                self.ended.set()
                return
            silent_since = time.monotonic()
            if self.faulted:
                self.faulted = False
                self._emit(ScanEvent("recovered", time.monotonic(), message="frames again"))
            self.process(frame)

    def _fault(self, silent_s: float) -> None:
        self.stats.faults += 1
        if not self.faulted:
            self.faulted = True
            self._emit(
                ScanEvent(
                    "fault",
                    time.monotonic(),
                    message=f"no frame from the camera for {silent_s:.1f} s",
                    reason="scan.camera_fault",
                )
            )

    # ----------------------------------------------------------------- decoding

    def process(self, frame: np.ndarray, now: float | None = None) -> list[ScanEvent]:
        """Decode one frame and report the codes that became stable (also usable directly)."""
        started = time.perf_counter()
        reads = _confirmed(decode_frame(frame, ladder="fast", symbologies=self.symbologies))
        deep = not reads
        if deep:
            reads = _confirmed(
                decode_frame(frame, symbologies=self.symbologies, budget_s=self.deep_budget_s)
            )
        self.stats.frames += 1
        self.stats.deep_frames += deep
        self.stats.reads += bool(reads)
        self.stats.decode_s += time.perf_counter() - started
        return self._observe(reads, time.monotonic() if now is None else now)

    def _observe(self, reads: list[Decoded], now: float) -> list[ScanEvent]:
        keys = {(r.symbology, r.payload) for r in reads}
        self._recent.append(keys)
        for key in keys:
            self._last_seen[key] = now
        gone = [k for k, t in self._last_seen.items() if now - t >= self.hold_off_s]
        for key in gone:
            self._last_seen.pop(key)
            self._reported.discard(key)
        events = []
        for read in reads:
            key = (read.symbology, read.payload)
            seen = sum(key in frame_keys for frame_keys in self._recent)
            if seen >= self.stable_frames and key not in self._reported:
                self._reported.add(key)
                result = classify(read.payload, self.hall_code)
                reason = result.reason.value if isinstance(result.reason, Reason) else None
                event = ScanEvent("code", now, read, result, reason=reason)
                events.append(event)
                self._emit(event)
        return events

    def _emit(self, event: ScanEvent) -> None:
        self._events.put(event)
        if self.on_event is not None:
            with contextlib.suppress(Exception):  # a broken callback must not kill the scanner
                self.on_event(event)


class NoFrames:
    """A camera that could not be opened: no frames (until the next reopen)."""

    live = True

    def read(self) -> tuple[bool, np.ndarray | None]:
        return False, None

    def release(self) -> None:
        pass


def _confirmed(reads: list[Decoded]) -> list[Decoded]:
    """Only reads the ladder confirmed: a lone unconfirmed 1D read may be a misread."""
    return [read for read in reads if read.confirmed]
