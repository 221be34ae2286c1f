"""``hall device ...``: diagnostics for technicians installing a hall.

Each device family registers its own actions (``devices.<family>.cli.register``).
"""

from __future__ import annotations

import argparse
import importlib

FAMILIES = ("devices.printer.cli", "devices.scanner.cli", "devices.fingerprint.cli")


def register(sub: argparse._SubParsersAction) -> None:
    device = sub.add_parser("device", help="device diagnostics (printer, scanner, fingerprint)")
    device_sub = device.add_subparsers(dest="device_command", metavar="DEVICE", required=True)
    for name in FAMILIES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is None or not name.startswith(exc.name):
                raise
            continue
        module.register(device_sub)
