"""``hall window W03`` (or ``hall terminal --client window-03``): a window terminal (Kivy)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    from terminal.app import add_arguments, run

    p = sub.add_parser("window", help="window terminal for one window (Kivy)")
    add_arguments(p)
    p.set_defaults(func=run)
    # the same app under its kind's name, as `hall up` starts apps: `hall terminal --client ...`
    t = sub.add_parser("terminal", help="window terminal, by client id (as hall up starts it)")
    add_arguments(t)
    t.set_defaults(func=run)
