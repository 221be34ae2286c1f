"""Lobby display settings: ``config/display.toml`` (optional; defaults below).

The file belongs to the display alone, so the shared hall model stays untouched::

    [display]
    min_show_s = 4.0         # each call stays highlighted at least this long
    recent_rows = 6          # latest calls shown (the highlighted one and 5 rows)
    heartbeat_timeout_s = 6  # stale when the service said nothing this long (0 = off)
    language = "zh-Hant"

    [voice]
    enabled = true
    voice = "cmn-latn-pinyin"
    speed = 150
    repeat = 2
    volume = 1.0
    chime_muted = false
    voice_muted = false
    player = "auto"          # auto | aplay | paplay | record
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from display.voice.announcer import VoiceSettings
from display.voice.tts import DEFAULT_VOICE

FILE_NAME = "display.toml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScreenSettings(_Strict):
    min_show_s: float = Field(default=4.0, ge=0.0, le=60.0)
    recent_rows: int = Field(default=6, ge=1, le=20)
    heartbeat_timeout_s: float = Field(default=6.0, ge=0.0, le=3600.0)
    """Stale when nothing came from the service this long (its heartbeat is every 2 s)."""
    language: Literal["zh-Hant", "zh-Hans", "en"] = "zh-Hant"


class VoiceConfig(_Strict):
    enabled: bool = True
    voice: str = DEFAULT_VOICE
    speed: int = Field(default=150, ge=80, le=400)
    repeat: int = Field(default=2, ge=1, le=5)
    volume: float = Field(default=1.0, ge=0.0, le=1.0)
    chime_muted: bool = False
    voice_muted: bool = False
    player: Literal["auto", "aplay", "paplay", "record"] = "auto"

    def announcer_settings(self) -> VoiceSettings:
        return VoiceSettings(
            repeat=self.repeat,
            volume=self.volume,
            chime_muted=self.chime_muted,
            voice_muted=self.voice_muted,
        )


class DisplaySettings(_Strict):
    display: ScreenSettings = ScreenSettings()
    voice: VoiceConfig = VoiceConfig()


def load_display_settings(config_dir: Path) -> DisplaySettings:
    """``<config_dir>/display.toml`` if present, else the defaults."""
    path = Path(config_dir) / FILE_NAME
    if not path.is_file():
        return DisplaySettings()
    return DisplaySettings.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
