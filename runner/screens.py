"""``hall screens``: save an X screen as PNG every few seconds (the demo's window).

Grabs the whole screen through X (not through an app), so it shows whatever
runs there: the kiosk, the lobby display, an error dialog. Writes
``<name>-<local time>.png`` (``screen-...`` by default), keeps ``latest.png`` (or
``<latest>``) as the newest and only the last ``keep`` files, so a demo left running does not
fill the disk.

A screen that is still blank (one colour: its apps are starting) is not saved until
something has been drawn on it; from then on every screenshot is saved, a blank one too
(an app that died leaves its screen empty, and the screenshot says so). ``hall up`` stops
this process before the apps, so the last screenshot shows the hall at work, not the
screen the apps left when they were stopped.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image

log = logging.getLogger("screens")


def grab_image(display: str) -> Image.Image:
    """The whole screen of ``display`` (its root window, through X)."""
    from PIL import ImageGrab

    return ImageGrab.grab(xdisplay=display)


def save(image: Image.Image, path: Path) -> Path:
    """``image`` as a PNG at ``path`` (written atomically)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    image.save(tmp, format="PNG")
    tmp.replace(path)
    return path


def grab(display: str, path: Path) -> Path:
    """One PNG of the whole screen of ``display`` at ``path`` (written atomically)."""
    return save(grab_image(display), path)


def blank(image: Image.Image) -> bool:
    """True when every pixel has the same colour (nothing drawn)."""
    return all(low == high for low, high in image.getextrema())


def prune(directory: Path, keep: int, name: str = "screen") -> None:
    shots = sorted(directory.glob(f"{name}-2*.png"))
    for old in shots[: max(0, len(shots) - keep)]:
        old.unlink(missing_ok=True)


def run(
    display: str,
    out: Path,
    every_s: float,
    keep: int,
    stop: threading.Event,
    name: str = "screen",
    latest_name: str = "latest.png",
) -> int:
    """Grab until ``stop`` is set; returns the number of screenshots written (none while the
    screen is still blank at the start)."""
    n = 0
    drawn = said = False
    while not stop.is_set():
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        try:
            image = grab_image(display)
            if not drawn and blank(image):
                if not said:
                    log.info("%s: nothing drawn yet (apps starting); no screenshot yet", display)
                    said = True
                stop.wait(every_s)
                continue
            if not drawn:
                log.info("%s: drawn; a screenshot every %g s", display, every_s)
                drawn = True
            shot = save(image, out / f"{name}-{stamp}.png")
            tmp = out / f".{latest_name}.tmp"
            tmp.write_bytes(shot.read_bytes())
            tmp.replace(out / latest_name)
            prune(out, keep, name)
            n += 1
        except OSError as exc:  # the X server is (re)starting
            log.warning("screenshot of %s failed: %s", display, exc)
        stop.wait(every_s)
    return n


def register(sub: argparse._SubParsersAction) -> None:
    screens = sub.add_parser("screens", help="save an X screen as PNG every few seconds")
    screens.add_argument("--display", required=True, help="X display, e.g. :93")
    screens.add_argument("--out", default="var/screens", help="directory for the PNGs")
    screens.add_argument("--every", type=float, default=5.0, help="seconds between screenshots")
    screens.add_argument("--keep", type=int, default=60, help="screenshots kept (newest)")
    screens.add_argument("--name", default="screen", help="file names: NAME-<time>.png")
    screens.add_argument("--latest", default="latest.png", help="file name of the newest")
    screens.set_defaults(func=_main)


def _main(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    started = time.monotonic()
    n = run(args.display, Path(args.out), args.every, args.keep, stop, args.name, args.latest)
    log.info("%d screenshots in %.0f s", n, time.monotonic() - started)
    return 0
