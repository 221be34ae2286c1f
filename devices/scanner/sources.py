"""Frame sources for the camera scanner: a camera, a video file or an image folder.

All of them answer ``read() -> (ok, frame)`` like ``cv2.VideoCapture``; ``ok`` False
means no frame (for files and folders: the end). ``live`` tells a camera (old frames
may be dropped, a silence is a fault) from a recording (every frame counts, the end
is the end).

Cameras: a device index (``0``), a V4L2 device path (``/dev/video0``) or a network
camera's stream URL (``http://10.0.0.7/video.mjpg``, ``rtsp://...``; OpenCV's FFmpeg
backend, opened and read with timeouts so a silent camera cannot block a read for
long). A camera that is not there opens as a source that gives no frames, which the
scanner reports as a fault and reopens.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".pgm"})


class FrameSource(Protocol):
    live: bool

    def read(self) -> tuple[bool, np.ndarray | None]: ...

    def release(self) -> None: ...


STREAM_SCHEMES = ("http://", "https://", "rtsp://", "rtsps://", "rtmp://", "udp://", "tcp://")
OPEN_TIMEOUT_MS = 3000
READ_TIMEOUT_MS = 2000
"""A network camera's open and read time limits (FFmpeg); a silent stream ends the read."""


def is_camera(target: int | str) -> bool:
    """A device index, a ``/dev/video*`` path or a stream URL: a live camera."""
    if isinstance(target, int):
        return True
    return target.startswith("/dev/") or target.lower().startswith(STREAM_SCHEMES)


class CaptureSource:
    """A ``cv2.VideoCapture`` on a camera (index, device path, stream URL) or a video file."""

    def __init__(self, target: int | str, *, width: int | None = None, height: int | None = None):
        self.target = target
        self.live = is_camera(target)
        if isinstance(target, str) and target.lower().startswith(STREAM_SCHEMES):
            timeouts = [
                cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
                OPEN_TIMEOUT_MS,
                cv2.CAP_PROP_READ_TIMEOUT_MSEC,
                READ_TIMEOUT_MS,
            ]
            self._capture = cv2.VideoCapture(target, cv2.CAP_FFMPEG, timeouts)
        else:
            self._capture = cv2.VideoCapture(target)
        if self.live and width and height:
            self._capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
            self._capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)

    @property
    def opened(self) -> bool:
        return bool(self._capture.isOpened())

    def read(self) -> tuple[bool, np.ndarray | None]:
        ok, frame = self._capture.read()
        return (bool(ok) and frame is not None), frame

    def release(self) -> None:
        self._capture.release()


class FolderSource:
    """The images of a folder in name order, as frames; unreadable files are skipped."""

    live = False

    def __init__(self, folder: str | os.PathLike[str], *, loop: bool = False):
        self.folder = Path(folder)
        self.files = sorted(p for p in self.folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        self.loop = loop
        self.skipped: list[Path] = []
        self._next = 0

    def read(self) -> tuple[bool, np.ndarray | None]:
        while self.files:
            if self._next >= len(self.files):
                if not self.loop:
                    return False, None
                self._next = 0
            path = self.files[self._next]
            self._next += 1
            frame = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
            if frame is not None:
                return True, frame
            self.skipped.append(path)
        return False, None

    def release(self) -> None:
        self._next = len(self.files)


def open_source(spec: int | str | os.PathLike[str]) -> FrameSource:
    """``0`` or ``"0"``: camera 0; ``/dev/video0`` or a stream URL: that camera (opened
    even when it is not there: it gives no frames until it is); a folder: its images;
    anything else: a video file (``FileNotFoundError`` / ``ValueError`` when missing or
    unreadable)."""
    if isinstance(spec, int) or (isinstance(spec, str) and spec.isdigit()):
        return CaptureSource(int(spec))
    if isinstance(spec, str) and is_camera(spec):
        return CaptureSource(spec)
    path = Path(spec)
    if path.is_dir():
        return FolderSource(path)
    if not path.exists():
        raise FileNotFoundError(f"no camera, folder or video file at {spec}")
    source = CaptureSource(str(path))
    if not source.opened:
        raise ValueError(f"OpenCV cannot open {spec} as a video")
    return source
