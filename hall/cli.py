"""The ``hall`` console command: one entry point with a subcommand per part.

Each part declares a module with a ``register(subparsers)`` function as an entry point in
the ``hall.commands`` group (``pyproject.toml``), so this core names none of the packages
built on it. Heavy imports happen inside the handlers so ``hall --help`` stays fast. A part
that fails to load is reported on stderr, never dropped silently; the others still work.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points

GROUP = "hall.commands"


def command_group(
    sub: argparse._SubParsersAction, name: str, help_text: str, dest: str
) -> argparse._SubParsersAction:
    """A subcommand group that several parts add to (``hall report daily`` comes from
    ``reports``, ``hall report attendance`` from ``attendance``): made once, then shared."""
    parser = sub.choices.get(name)
    if parser is None:
        parser = sub.add_parser(name, help=help_text)
        return parser.add_subparsers(dest=dest, metavar="KIND", required=True)
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hall", description="Service-hall system of the county government service center."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    found = sorted(entry_points(group=GROUP), key=lambda ep: ep.name)
    if not found:
        print(
            f"hall: no command groups installed ({GROUP}); run `pip install -e .`", file=sys.stderr
        )
    for ep in found:
        try:
            module = ep.load()
            module.register(sub)
        except Exception as exc:  # one broken part must not take the others down
            print(
                f"hall: commands of {ep.value} are unavailable: {type(exc).__name__}: {exc}",
                file=sys.stderr,
            )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
