"""Playback adapters: a WAV goes to aplay / paplay, or to a sink that records it.

:func:`make_player` picks ``aplay`` or ``paplay`` if installed, else the recording sink
(a hall without a sound card still runs, and the log says what it would have played).
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from typing import Protocol

from display.voice.audio import Clip

log = logging.getLogger(__name__)


class Player(Protocol):
    name: str

    def play(self, clip: Clip, label: str) -> None:
        """Play ``clip`` to the end (blocking)."""


@dataclass
class Played:
    label: str
    wav: bytes
    seconds: float
    started_at: float


@dataclass
class RecordingSink:
    """Plays nothing; keeps what it would have played. ``realtime`` waits the clip's length."""

    realtime: bool = False
    name: str = "record"
    played: list[Played] = field(default_factory=list)
    _cond: threading.Condition = field(default_factory=threading.Condition)

    def play(self, clip: Clip, label: str) -> None:
        with self._cond:
            self.played.append(Played(label, clip.to_wav(), clip.seconds, time.monotonic()))
            self._cond.notify_all()
        log.info("would play %.2fs: %s", clip.seconds, label)
        if self.realtime:
            time.sleep(clip.seconds)

    def wait_for(self, count: int, timeout: float) -> list[Played]:
        """Wait until ``count`` clips were played; returns them (raises on timeout)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.played) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(self.played)} of {count} clips played in {timeout}s")
                self._cond.wait(left)
            return list(self.played)


class CommandPlayer:
    """Pipes the WAV into ``aplay -q -`` or ``paplay`` (blocking until the sound ends)."""

    def __init__(self, argv: list[str]) -> None:
        self.argv = argv
        self.name = argv[0]

    def play(self, clip: Clip, label: str) -> None:
        try:
            subprocess.run(
                self.argv,
                input=clip.to_wav(),
                timeout=clip.seconds + 10,
                check=False,
                capture_output=True,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            log.warning("%s failed for %s: %s", self.name, label, exc)


def make_player(kind: str = "auto") -> Player:
    """``auto`` (aplay, paplay, else record), ``aplay``, ``paplay`` or ``record``."""
    if kind in ("auto", "aplay") and shutil.which("aplay"):
        return CommandPlayer(["aplay", "-q", "-"])
    if kind in ("auto", "paplay") and shutil.which("paplay"):
        return CommandPlayer(["paplay"])
    if kind not in ("auto", "record"):
        log.warning("player %s not installed; recording instead", kind)
    return RecordingSink(realtime=True)
