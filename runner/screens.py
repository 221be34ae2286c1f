"""``hall screens``: save an X screen as PNG every few seconds (the demo's window).

Grabs the whole screen through X (not through an app), so it shows whatever
runs there: the kiosk, the lobby display, an error dialog. Writes
``<name>-<local time>.png`` (``screen-...`` by default), keeps ``latest.png`` (or
``<latest>``) as the newest and only the last ``keep`` files, so a demo left running does not
fill the disk.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
import time
from datetime import datetime
from pathlib import Path

log = logging.getLogger("screens")


def grab(display: str, path: Path) -> Path:
    """One PNG of the whole screen of ``display`` at ``path`` (written atomically)."""
    from PIL import ImageGrab

    image = ImageGrab.grab(xdisplay=display)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    image.save(tmp, format="PNG")
    tmp.replace(path)
    return path


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
    """Grab until ``stop`` is set; returns the number of screenshots written."""
    n = 0
    while not stop.is_set():
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        try:
            shot = grab(display, out / f"{name}-{stamp}.png")
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
