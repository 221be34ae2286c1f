"""``hall window W03``: a window terminal (Kivy)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    from terminal.app import add_arguments, run

    p = sub.add_parser("window", help="window terminal for one window (Kivy)")
    add_arguments(p)
    p.set_defaults(func=run)
