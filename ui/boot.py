"""Prepare Kivy before anything imports it: environment, window and kiosk settings.

Kivy reads its configuration when ``kivy`` is first imported and creates the
window when ``kivy.core.window`` is imported, so :func:`configure` must run
before both. It is idempotent; a second call with other settings is ignored
once the window exists.
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass


@dataclass(frozen=True)
class WindowSettings:
    """How the app window looks and behaves."""

    width: int = 1280
    height: int = 800
    fullscreen: bool = False
    kiosk: bool = False
    """Kiosk mode: no cursor, no multitouch marks, Escape does not quit, no screensaver."""
    title: str = "hall"
    multisamples: int = 0


_applied: WindowSettings | None = None


def configure(settings: WindowSettings | None = None) -> WindowSettings:
    """Set Kivy's environment and config for ``settings``; call before importing Kivy."""
    global _applied
    if _applied is not None:
        return _applied
    settings = settings or WindowSettings()
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    # SDL2's own clipboard: Kivy otherwise tries xclip/xsel first and logs a traceback
    # for each missing tool on a kiosk or Xvfb without them.
    os.environ.setdefault("KIVY_CLIPBOARD", "sdl2")
    if "KIVY_HOME" not in os.environ:
        os.environ["KIVY_HOME"] = tempfile.mkdtemp(prefix="hall-kivy-")
    if "kivy.core.window" in sys.modules:  # too late to change the window: keep what is there
        _applied = settings
        return settings
    from kivy.config import Config

    Config.set("graphics", "width", str(settings.width))
    Config.set("graphics", "height", str(settings.height))
    Config.set("graphics", "fullscreen", "auto" if settings.fullscreen else "0")
    Config.set("graphics", "resizable", "0" if settings.kiosk else "1")
    Config.set("kivy", "exit_on_escape", "0" if settings.kiosk else "1")
    # Flat rectangles need no multisampling; without it the window's buffers are a third
    # of the size (it is process memory under a software renderer such as Xvfb's llvmpipe).
    Config.set("graphics", "multisamples", str(settings.multisamples))
    if settings.kiosk:
        Config.set("graphics", "show_cursor", "0")
        Config.set("graphics", "allow_screensaver", "0")
        # A touch screen reports as a mouse too: no red multitouch dots on right clicks.
        Config.set("input", "mouse", "mouse,disable_multitouch")
    Config.set("kivy", "log_level", os.environ.get("HALL_KIVY_LOG", "warning"))
    _applied = settings
    return settings
