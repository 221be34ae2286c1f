"""The ``hall`` console command: one entry point with a subcommand per part.

Each part declares a module with a ``register(subparsers)`` function as an entry point in
the ``hall.commands`` group (``pyproject.toml``), so this core names none of the packages
built on it. Heavy imports happen inside the handlers so ``hall --help`` stays fast. A part
that fails to load is reported on stderr, never dropped silently; the others still work.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
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


def run_command(args: argparse.Namespace) -> int:
    """Run the parsed command's handler: its exit code; 130 on Ctrl-C, 0 on a closed pipe."""
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


def run_part(
    register: Callable[[argparse._SubParsersAction], object],
    prog: str,
    dest: str,
    metavar: str,
    argv: Sequence[str] | None = None,
) -> int:
    """One part's commands on their own (``python -m attendance.cli signin ...``), parsed and
    run as ``hall`` runs them."""
    parser = argparse.ArgumentParser(prog=prog)
    register(parser.add_subparsers(dest=dest, metavar=metavar, required=True))
    return run_command(parser.parse_args(argv))


def main(argv: Sequence[str] | None = None) -> int:
    return run_command(build_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
