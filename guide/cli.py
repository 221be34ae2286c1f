"""``hall guide``: the guide officer's console (Kivy)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    from guide.app import add_arguments, run

    p = sub.add_parser("guide", help="guide officer's console (Kivy)")
    add_arguments(p)
    p.set_defaults(func=run)
