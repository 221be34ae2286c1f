"""The display without a screen: feed → presenter → announcer (used by the app, tests, bench)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from display.feed import DisplayFeed
from display.presenter import CallView, DisplayPresenter
from display.settings import DisplaySettings, VoiceConfig
from display.voice.announcer import Announcement, Announcer, Composer
from display.voice.phrases import all_pieces
from display.voice.player import Player, make_player
from display.voice.tts import EspeakRenderer, PieceCache, TtsError
from hall.conf import HallConfig
from hall.mqtt import Endpoint
from hall.protocol import Topics

log = logging.getLogger(__name__)


def build_announcer(
    voice: VoiceConfig,
    config: HallConfig,
    cache_dir: Path,
    player: Player | None = None,
    on_start: Callable[[Announcement, float], None] | None = None,
) -> Announcer:
    """An announcer with every piece this hall can need already rendered (a call starts fast)."""
    cache = PieceCache(EspeakRenderer(voice.voice, voice.speed), cache_dir)
    prefixes = sorted({i.prefix for i in config.items})
    started = time.monotonic()
    n = cache.warm(all_pieces(prefixes, [w.id for w in config.windows]))
    log.info("voice: %d pieces ready in %.1fs", n, time.monotonic() - started)
    composer = Composer(cache, voice.announcer_settings())
    return Announcer(composer, player or make_player(voice.player), on_start)


class DisplayRuntime:
    """One lobby display's logic, connected to the broker."""

    def __init__(
        self,
        config: HallConfig,
        endpoint: Endpoint,
        settings: DisplaySettings,
        cache_dir: Path,
        player: Player | None = None,
        clock: Callable[[], float] = time.time,
        on_voice_start: Callable[[Announcement, float], None] | None = None,
    ) -> None:
        self.config = config
        self.settings = settings
        self.announcer: Announcer | None = None
        if settings.voice.enabled:
            try:
                self.announcer = build_announcer(
                    settings.voice, config, cache_dir, player, on_voice_start
                )
            except TtsError as exc:  # the screen must run even when the sound cannot
                log.error("voice announcements off: %s", exc)
        self.presenter = DisplayPresenter(config, settings.display, self._announce, clock)
        self.feed = DisplayFeed(
            endpoint, Topics(config.topic_root), self.presenter.service_client, self._deliver
        )

    def _deliver(self, topic: str, body: dict) -> None:
        self.presenter.set_connected(True)
        self.presenter.handle(topic, body)

    def _announce(self, call: CallView) -> None:
        if self.announcer is not None:
            key = f"{call.ticket}@{call.at:.3f}"
            self.announcer.enqueue(Announcement(call.number, call.window, key))

    def start(self, wait_s: float = 5.0) -> DisplayRuntime:
        if self.announcer is not None:
            self.announcer.start()
        self.feed.start(wait_s)
        return self

    def poll_connection(self) -> None:
        """Copy the link's state into the presenter (call it from a periodic tick)."""
        self.presenter.set_connected(self.feed.connected)

    def stop(self) -> None:
        self.feed.stop()
        if self.announcer is not None:
            self.announcer.stop()
