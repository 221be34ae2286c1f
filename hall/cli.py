"""The ``hall`` console command: one entry point with a subcommand per part.

Each part contributes its subcommands through a ``register(subparsers)``
function listed in :data:`COMMAND_MODULES`; heavy imports happen inside the
handlers so ``hall --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

COMMAND_MODULES = (
    "hall.conf.cli",
    "hall.conf.staff_cli",
    "hall.protocol_cli",
    "broker.cli",
    "runner.cli",
    "kiosk.cli",
    "display.cli",
    "terminal.cli",
    "devices.cli",
    "bench.cli",
    "simulation.cli",
    "cases.cli",
    "reports.cli",
    "attendance.cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hall", description="Service-hall system of the county government service center."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub)
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
