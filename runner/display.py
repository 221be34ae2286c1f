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
    """True: ``hall up`` runs Xvfb on ``display``."""

    @property
    def number(self) -> int:
        return int(self.display.lstrip(":").split(".")[0])

    @property
    def socket(self) -> Path:
        return X11_DIR / f"X{self.number}"


def display_in_use(n: int) -> bool:
    return Path(f"/tmp/.X{n}-lock").exists() or (X11_DIR / f"X{n}").exists()


def free_display(first: int = 90, last: int = 199) -> int:
    for n in range(first, last + 1):
        if not display_in_use(n):
            return n
    raise DisplayUnavailable(f"no free X display number in :{first}..:{last}")


def plan_display(mode: DisplayMode, environ: dict[str, str] | None = None) -> DisplayPlan:
    """The screen the apps use under ``mode`` (see :class:`DisplayMode`)."""
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
    return DisplayPlan(f":{free_display()}", virtual=True)


def xvfb_argv(plan: DisplayPlan, screen: str) -> list[str]:
    return [
        "Xvfb",
        plan.display,
        "-screen",
        "0",
        f"{screen}x24",
        "-nolisten",
        "tcp",
        "-noreset",
        "+extension",
        "GLX",
    ]
