"""Where the hall's apps draw: the attached screen, or a virtual one (Xvfb).

A kiosk or lobby PC has a screen and ``DISPLAY`` set; a server, CI or a demo
over SSH has none, and the apps then run on an Xvfb child of ``hall up``
whose screen is saved as PNG every few seconds (:mod:`runner.screens`).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from hall.conf.machine import DisplayMode

X11_DIR = Path("/tmp/.X11-unix")


class DisplayUnavailable(RuntimeError):
    """Apps need a screen and none can be had (no DISPLAY, no Xvfb)."""


@dataclass(frozen=True)
class DisplayPlan:
    display: str
    """Value of ``DISPLAY`` for the apps, e.g. ``:0`` or ``:93``."""
    virtual: bool
    """True: ``hall up`` runs Xvfb on ``display`` (and on each of ``screens``)."""
    screens: tuple[str, ...] = ()
    """Virtual: ``DISPLAY`` of screen 0, 1, ... (one Xvfb each: SDL opens its windows on an
    X server's default screen, whatever ``:N.1`` says)."""

    def for_screen(self, index: int) -> str:
        """``DISPLAY`` of an app on screen ``index`` (an attached screen: ``DISPLAY`` itself)."""
        if self.virtual and index < len(self.screens):
            return self.screens[index]
        return self.display

    @property
    def number(self) -> int:
        return display_number(self.display)

    @property
    def socket(self) -> Path:
        return socket_of(self.display)


def display_number(display: str) -> int:
    return int(display.lstrip(":").split(".")[0])


def socket_of(display: str) -> Path:
    """The X server's Unix socket: there once it accepts clients."""
    return X11_DIR / f"X{display_number(display)}"


def display_in_use(n: int) -> bool:
    return Path(f"/tmp/.X{n}-lock").exists() or (X11_DIR / f"X{n}").exists()


def free_display(first: int = 90, last: int = 199, count: int = 1) -> list[int]:
    """``count`` X display numbers that no server uses now."""
    free = [n for n in range(first, last + 1) if not display_in_use(n)][:count]
    if len(free) < count:
        raise DisplayUnavailable(f"no {count} free X display numbers in :{first}..:{last}")
    return free


def plan_display(
    mode: DisplayMode, environ: dict[str, str] | None = None, screens: int = 1
) -> DisplayPlan:
    """The screen(s) the apps use under ``mode`` (see :class:`DisplayMode`)."""
    env = os.environ if environ is None else environ
    attached = env.get("DISPLAY", "")
    if mode is DisplayMode.SCREEN or (mode is DisplayMode.AUTO and attached):
        if not attached:
            raise DisplayUnavailable(
                "machine.display is 'screen' but DISPLAY is not set (no screen attached?)"
            )
        return DisplayPlan(attached, virtual=False)
    if shutil.which("Xvfb") is None:
        raise DisplayUnavailable(
            "no screen (DISPLAY is not set) and Xvfb is not installed (apt-get install xvfb)"
        )
    numbers = free_display(count=screens)
    return DisplayPlan(f":{numbers[0]}", True, tuple(f":{n}" for n in numbers))


def xvfb_argv(display: str, screen: str) -> list[str]:
    """Xvfb on ``display`` with one screen of size ``screen`` (``WxH``)."""
    return [
        "Xvfb",
        display,
        "-screen",
        "0",
        f"{screen}x24",
        "-nolisten",
        "tcp",
        "-noreset",
        "+extension",
        "GLX",
    ]
