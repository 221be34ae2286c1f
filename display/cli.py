"""``hall display``: the lobby display (Kivy) with voice announcements."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    from display.app import add_arguments, run

    p = sub.add_parser("display", help="lobby display with voice announcements (Kivy)")
    add_arguments(p)
    p.set_defaults(func=run)
