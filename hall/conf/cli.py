"""``hall config check [DIR]``: validate a hall config and print its summary."""

from __future__ import annotations

import argparse
import json
import sys

from hall.conf import ConfigError, HallConfig, load_config


def register(sub: argparse._SubParsersAction) -> None:
    config = sub.add_parser("config", help="hall configuration")
    config_sub = config.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    check = config_sub.add_parser("check", help="validate a config directory and summarise it")
    check.add_argument("--config", default=None, help="hall config directory (config/)")
    check.add_argument("directory", nargs="?", default=None, help=argparse.SUPPRESS)
    check.add_argument("--json", action="store_true", help="print the summary as JSON")
    check.set_defaults(func=_check)


def report(directory: str, exc: ConfigError) -> None:
    """Print every problem of a config on stderr, one per line."""
    print(f"config {directory}: {len(exc.issues)} error(s)", file=sys.stderr)
    for issue in exc.issues:
        print(f"  {issue}", file=sys.stderr)


def load_or_exit(directory: str) -> HallConfig:
    """Load a config for a command; on errors report them and exit with status 2."""
    try:
        return load_config(directory)
    except ConfigError as exc:
        report(directory, exc)
        raise SystemExit(2) from None


def _check(args: argparse.Namespace) -> int:
    args.directory = args.config or args.directory or "config"
    try:
        config = load_config(args.directory)
    except ConfigError as exc:
        report(args.directory, exc)
        return 1
    from hall.conf.machine import load_machine

    machine, machine_issues = load_machine(config)
    if machine_issues:
        report(args.directory, ConfigError(machine_issues))
        return 1
    summary = config.summary()
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
        return 0
    print(f"hall {summary['hall']}: config {args.directory} is valid")
    print(f"  units: {summary['units']}")
    after_hours = ", ".join(summary["after_hours_windows"])
    print(f"  windows: {summary['windows']} (after hours: {after_hours})")
    print(f"  items: {summary['items']}")
    for cls, n in summary["items_per_class"].items():
        print(f"    {cls}: {n}")
    print(f"  ticket prefixes: {' '.join(summary['prefixes'])}")
    cal = config.calendar
    years = ", ".join(str(y) for y in cal.years)
    print(
        f"  calendar: {years} ({len(cal.holidays)} holidays, "
        f"{len(cal.workdays)} make-up working days)"
    )
    roles = ", ".join(f"{r} {n}" for r, n in sorted(summary["clients_per_role"].items()))
    print(f"  clients: {roles}")
    if config.roster is not None:
        people = ", ".join(f"{r} {n}" for r, n in config.roster.summary().items() if r != "staff")
        print(f"  staff: {len(config.roster.staff)} ({people})")
    apps = ", ".join(f"{a.kind.value} {a.client}" for a in machine.app) or "none"
    sims = ", ".join(s.kind.value for s in machine.simulator) or "none"
    print(f"  this machine (machine.toml): apps {apps}; simulators {sims}")
    return 0
