"""Starting a hall screen from its command line (``hall display``, ``hall window``, ``hall guide``,
``hall rating``): the options every screen has, logging, the window and the MQTT endpoint.

No Kivy import here: :func:`open_window` only configures it (:func:`ui.boot.configure`), so
an app imports its Kivy view after calling it. The config and MQTT modules are imported when
used: ``hall`` imports every app's ``add_arguments`` to build its command line, and stays fast.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import TYPE_CHECKING

from hall.i18n import LANGUAGES

if TYPE_CHECKING:
    from hall.conf import HallConfig
    from hall.mqtt import Endpoint


def add_screen_arguments(
    p: argparse.ArgumentParser, size: str, var_help: str = "runtime directory (secrets)"
) -> None:
    """``--config --var --host --port --lang --size --fullscreen`` (``size``: the default WxH)."""
    p.add_argument("--config", default="config", help="hall config directory")
    p.add_argument("--var", default=None, help=var_help)
    p.add_argument("--host", default=None)
    p.add_argument("--port", "--broker-port", dest="port", type=int, default=None)
    p.add_argument("--lang", default=None, choices=LANGUAGES)
    p.add_argument("--size", default=size, help="window size WxH")
    p.add_argument("--fullscreen", action="store_true")


def start_logging() -> None:
    """Log lines with time and logger name at INFO to stderr (the runner keeps them)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")


def load_hall(args: argparse.Namespace) -> HallConfig:
    """Start logging and load ``--config`` (exits with the config's errors when it is wrong)."""
    from hall.conf.cli import load_or_exit

    start_logging()
    return load_or_exit(args.config)


def open_window(args: argparse.Namespace, title: str, kiosk: bool | None = None) -> None:
    """Configure Kivy's window from ``--size`` and ``--fullscreen``; ``kiosk`` (no cursor,
    Escape does not quit) is ``--fullscreen`` unless given."""
    from ui.boot import WindowSettings, configure

    width, height = (int(v) for v in args.size.lower().split("x"))
    configure(
        WindowSettings(
            width=width,
            height=height,
            fullscreen=args.fullscreen,
            kiosk=args.fullscreen if kiosk is None else kiosk,
            title=title,
        )
    )


def endpoint_of(args: argparse.Namespace, config: HallConfig, client: str) -> Endpoint:
    """Where ``client`` reaches the hall's broker (``--host``/``--port`` over the config), with
    its password from ``--var``."""
    from hall.runtime import RuntimeDir

    return RuntimeDir.default(args.var).endpoint(config, client, host=args.host, port=args.port)


def window_of(config: HallConfig, args: argparse.Namespace, prog: str) -> str | None:
    """The window a window-bound screen stands at: ``args.window`` (``w03`` → ``W03``), else
    the window of ``--client``; None (after saying so on stderr) when the config has no such
    window."""
    window_id = (args.window or "").upper()
    if not window_id and args.client in config.client_by_id:
        window_id = config.client_by_id[args.client].window or ""
    if window_id not in config.window_by_id:
        print(f"{prog}: no window {window_id or '(none given)'} in the config", file=sys.stderr)
        return None
    return window_id
