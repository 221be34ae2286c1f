"""``hall staff set-pin STAFF_ID``: store a new PIN hash for one person in staff.toml.

The PIN is read from a hidden prompt (asked twice) or, when stdin is not a terminal, from
its first line. Only that person's ``pin = ...`` line changes; comments, order and every
other entry stay byte for byte. The file is re-validated before it is replaced.
"""

from __future__ import annotations

import argparse
import getpass
import os
import re
import sys
import tempfile
import tomllib
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Any

from hall.conf.staff import PinError, StaffFile, hash_pin

ENTRY_RE = re.compile(r"^\s*\[\[\s*staff\s*\]\]\s*(#.*)?$")
TABLE_RE = re.compile(r"^\s*\[")
ID_RE = re.compile(r'^\s*id\s*=\s*"(?P<id>[^"]*)"')
PIN_LINE_RE = re.compile(r"^\s*pin\s*=")


class SetPinError(Exception):
    """The PIN could not be stored (unknown person, bad file)."""


def register(sub: argparse._SubParsersAction) -> None:
    staff = sub.add_parser("staff", help="the staff roster (config/staff.toml)")
    staff_sub = staff.add_subparsers(dest="staff_command", metavar="ACTION", required=True)
    set_pin = staff_sub.add_parser("set-pin", help="set one person's PIN (stored as a hash)")
    set_pin.add_argument("staff_id")
    set_pin.add_argument("--config", default="config", help="config directory")
    set_pin.set_defaults(func=_set_pin)
    rota = staff_sub.add_parser("rota", help="who is on duty on a day, and the rota's history")
    rota.add_argument("--day", type=date.fromisoformat, default=None, help="YYYY-MM-DD (today)")
    rota.add_argument("--days", type=int, default=1, help="this many days from --day")
    rota.add_argument("--config", default="config", help="config directory")
    rota.set_defaults(func=_rota)


def replace_pin(text: str, staff_id: str, pin_hash: str) -> str:
    """``text`` of a staff.toml with only ``staff_id``'s pin line set to ``pin_hash``."""
    lines = text.splitlines(keepends=True)
    headers = [n for n, line in enumerate(lines) if TABLE_RE.match(line)] + [len(lines)]
    for start, end in pairwise(headers):
        if not ENTRY_RE.match(lines[start]):
            continue
        ids = [m for m in range(start + 1, end) if ID_RE.match(lines[m])]
        if not ids or ID_RE.match(lines[ids[0]])["id"] != staff_id:  # type: ignore[index]
            continue
        new_line = f'pin = "{pin_hash}"\n'
        pins = [m for m in range(start + 1, end) if PIN_LINE_RE.match(lines[m])]
        if pins:
            lines[pins[0]] = new_line
        else:
            body = [m for m in range(start, end) if lines[m].strip()]
            last = body[-1]
            if not lines[last].endswith("\n"):
                lines[last] += "\n"
            lines.insert(last + 1, new_line)
        return "".join(lines)
    raise SetPinError(f"no staff entry with id {staff_id!r}")


def set_pin(path: Path, staff_id: str, pin: str) -> None:
    """Hash ``pin`` and store it for ``staff_id`` in ``path`` (atomically)."""
    text = path.read_text(encoding="utf-8")
    new_text = replace_pin(text, staff_id, hash_pin(pin))
    try:
        StaffFile.model_validate(tomllib.loads(new_text))
    except (tomllib.TOMLDecodeError, ValueError) as exc:
        raise SetPinError(f"{path} would not be valid after the change: {exc}") from exc
    fd, tmp = tempfile.mkstemp(prefix=".staff-", suffix=".toml", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(new_text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read_pin() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("PIN: ")
        if getpass.getpass("PIN again: ") != first:
            raise PinError("the two PINs differ")
        return first
    return sys.stdin.readline().strip()


def _set_pin(args: argparse.Namespace) -> int:
    path = Path(args.config) / "staff.toml"
    try:
        set_pin(path, args.staff_id, _read_pin())
    except (PinError, SetPinError, OSError) as exc:
        print(f"hall staff set-pin: {exc}", file=sys.stderr)
        return 1
    print(f"PIN of {args.staff_id} updated in {path}")
    return 0


def _rota(args: argparse.Namespace) -> int:
    """Print one JSON line per day: the assignment in force and every earlier one."""
    import json
    from datetime import datetime, timedelta

    from hall.conf.cli import load_or_exit

    config = load_or_exit(args.config)
    if config.roster is None:
        print(f"hall staff rota: {args.config} has no staff.toml", file=sys.stderr)
        return 1
    names = {s.id: s.name for s in config.roster.staff}
    first = args.day or datetime.now(config.tz).date()
    for n in range(max(args.days, 1)):
        day = first + timedelta(days=n)
        history = config.roster.rota.history(day)
        current = config.roster.rota.on(day)

        def entry(a: Any) -> dict[str, str]:
            return {
                "officer": a.officer,
                "officer_name": names.get(a.officer, ""),
                "director": a.director,
                "director_name": names.get(a.director, ""),
                "set_on": a.set_on.isoformat(),
                "set_by": a.set_by,
                "source": a.source,
            }

        print(
            json.dumps(
                {
                    "day": day.isoformat(),
                    "on_duty": entry(current) if current else None,
                    "history": [entry(a) for a in history],
                },
                ensure_ascii=False,
            )
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m hall.conf.staff_cli staff set-pin S001`` (the same as ``hall staff``)."""
    parser = argparse.ArgumentParser(prog="hall")
    register(parser.add_subparsers(dest="command", metavar="COMMAND", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
