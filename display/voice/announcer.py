"""One ordered announcement queue: chime, then the call phrase, repeated, at a set volume.

Calls are announced strictly in the order they were queued, one at a time, none dropped.
The worker composes each announcement from cached clips (milliseconds) and hands it to the
player; ``on_start`` tells when the sound of each one began (the voice-latency benchmark).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from display.voice.audio import Clip, chime, concat, scale, silence
from display.voice.phrases import call_pieces, call_text
from display.voice.player import Player
from display.voice.tts import PieceCache

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VoiceSettings:
    repeat: int = 2
    """How many times the phrase is said (the chime rings once, before the first)."""
    volume: float = 1.0
    chime_muted: bool = False
    voice_muted: bool = False
    piece_gap_s: float = 0.06
    repeat_gap_s: float = 0.8


@dataclass(frozen=True)
class Announcement:
    number: str
    window: str
    key: str = ""
    """Identifies the call (ticket id and call count) for logs and tests."""
    queued_at: float = 0.0
    """``time.monotonic()`` when it was queued."""

    @property
    def text(self) -> str:
        return call_text(self.number, self.window)


class Composer:
    """Builds the audio of an announcement from the piece cache and the generated chime."""

    def __init__(self, cache: PieceCache, settings: VoiceSettings) -> None:
        self.cache = cache
        self.settings = settings
        self._chime = chime()

    def phrase(self, number: str, window: str) -> Clip:
        gap = silence(self.settings.piece_gap_s)
        clips: list[Clip] = []
        for piece in call_pieces(number, window):
            clips += [self.cache.clip(piece), gap]
        return concat(clips[:-1])

    def compose(self, number: str, window: str) -> Clip | None:
        """The whole announcement, or None when both chime and voice are muted."""
        s = self.settings
        parts: list[Clip] = []
        if not s.chime_muted:
            parts += [self._chime, silence(0.25)]
        if not s.voice_muted:
            phrase = self.phrase(number, window)
            for i in range(max(1, s.repeat)):
                if i:
                    parts.append(silence(s.repeat_gap_s))
                parts.append(phrase)
        if not parts:
            return None
        return scale(concat(parts), s.volume)


class Announcer:
    """A worker thread that plays queued announcements in order."""

    def __init__(
        self,
        composer: Composer,
        player: Player,
        on_start: Callable[[Announcement, float], None] | None = None,
    ) -> None:
        self.composer = composer
        self.player = player
        self.on_start = on_start
        self._queue: queue.Queue[Announcement | None] = queue.Queue()
        self._history: list[Announcement] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._idle = threading.Event()
        self._idle.set()

    @property
    def settings(self) -> VoiceSettings:
        return self.composer.settings

    def enqueue(self, item: Announcement) -> None:
        """Queue a call (thread-safe); it is announced after all queued before it."""
        if not item.queued_at:
            item = Announcement(item.number, item.window, item.key, time.monotonic())
        with self._lock:
            self._history.append(item)
            self._idle.clear()
        self._queue.put(item)

    def queued(self) -> list[Announcement]:
        """Every announcement ever queued, in queue order."""
        with self._lock:
            return list(self._history)

    def start(self) -> Announcer:
        self._thread = threading.Thread(target=self._run, name="announcer", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout)

    def wait_idle(self, timeout: float) -> bool:
        return self._idle.wait(timeout)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            try:
                clip = self.composer.compose(item.number, item.window)
                if clip is not None:
                    if self.on_start is not None:
                        self.on_start(item, time.monotonic())
                    self.player.play(clip, item.text)
            except Exception:  # one bad announcement must not silence the hall
                log.exception("announcement failed: %s", item)
            finally:
                if self._queue.empty():
                    self._idle.set()
