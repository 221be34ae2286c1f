"""``hall rating --window W03``: a window's rating pad (好差評, Kivy)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    from rating.app import add_arguments, run

    p = sub.add_parser("rating", help="rating pad at a window's counter (Kivy)")
    add_arguments(p)
    p.set_defaults(func=run)
