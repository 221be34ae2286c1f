"""Frame sources for the camera scanner: a device index, a video file or an image folder.

All of them answer ``read() -> (ok, frame)`` like ``cv2.VideoCapture``; ``ok`` False
means no frame (for files and folders: the end). ``live`` tells a camera (old frames
may be dropped, a silence is a fault) from a recording (every frame counts, the end
is the end).
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


class CaptureSource:
    """A ``cv2.VideoCapture`` on a device index or a video file."""

    def __init__(self, target: int | str, *, width: int | None = None, height: int | None = None):
        self.target = target
        self.live = isinstance(target, int)
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
    """``0`` or ``"0"``: camera 0; a folder: its images; anything else: a video file."""
    if isinstance(spec, int) or (isinstance(spec, str) and spec.isdigit()):
        return CaptureSource(int(spec))
    path = Path(spec)
    if path.is_dir():
        return FolderSource(path)
    if not path.exists():
        raise FileNotFoundError(f"no camera, folder or video file at {spec}")
    source = CaptureSource(str(path))
    if not source.opened:
        raise ValueError(f"OpenCV cannot open {spec} as a video")
    return source
