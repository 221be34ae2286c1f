"""``hall device fingerprint ...`` and ``hall device fingerprint-sim``.

``fingerprint`` prints exactly one JSON object on stdout and exits 0, or 1 when the result
is ``device_fault``. ``fingerprint-sim`` prints the pty path on its first line, then takes
control lines on stdin (``finger ID``, ``lift``, ``enroll PAGE ID``, ``delete PAGE``,
``fault NAME [TIMES]``, ``clear``, ``status``, ``quit``) until ``quit`` or a signal.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from typing import Any

ACTIONS = ("info", "identify", "enroll")


def _number(text: str) -> int:
    """An integer written in decimal or with a 0x prefix."""
    return int(text, 0)


def register(device_sub: argparse._SubParsersAction) -> None:
    fp = device_sub.add_parser(
        "fingerprint", help="talk to the R30x / AS608 sign-in reader; prints one JSON object"
    )
    fp.add_argument("action", choices=ACTIONS)
    fp.add_argument(
        "--serial", "--port", dest="serial", required=True, help="serial device, e.g. /dev/ttyUSB0"
    )
    fp.add_argument("--baud", type=int, default=57600)
    fp.add_argument("--timeout", type=float, default=2.0, help="seconds to wait for each reply")
    fp.add_argument("--wait", type=float, default=5.0, help="seconds to wait for a finger")
    fp.add_argument("--page", type=int, help="library page to enroll into (enroll)")
    fp.add_argument("--address", type=_number, default=0xFFFFFFFF)
    fp.add_argument("--password", type=_number, default=0)
    fp.set_defaults(func=_run, parser=fp)

    sim = device_sub.add_parser(
        "fingerprint-sim", help="run a virtual fingerprint module on a pseudo-terminal"
    )
    sim.add_argument("--enroll", action="append", default=[], metavar="PAGE:FINGER")
    sim.add_argument("--finger", help="virtual finger on the sensor at start")
    sim.add_argument("--fault", action="append", default=[], metavar="NAME[:TIMES]")
    sim.add_argument("--library-size", type=int, default=300)
    sim.add_argument("--address", type=_number, default=0xFFFFFFFF)
    sim.add_argument("--password", type=_number, default=0)
    sim.set_defaults(func=_run_sim, parser=sim)


def _emit(obj: dict[str, Any]) -> None:
    print(json.dumps(obj, ensure_ascii=False), flush=True)


def _run(args: argparse.Namespace) -> int:
    from devices.fingerprint.reader import FingerprintReader

    if args.action == "enroll" and args.page is None:
        args.parser.error("enroll needs --page N")
    if args.page is not None and not 0 <= args.page <= 0xFFFF:
        args.parser.error("--page must be between 0 and 65535")
    with FingerprintReader.serial(
        args.serial, args.baud, address=args.address, password=args.password, timeout=args.timeout
    ) as reader:
        if args.action == "info":
            out = reader.info()
        elif args.action == "identify":
            out = reader.identify(args.wait).to_dict()
        else:
            out = reader.enroll(args.page, args.wait).to_dict()
    _emit(out)
    return 1 if out.get("result") == "device_fault" else 0


def _run_sim(args: argparse.Namespace) -> int:
    from devices.fingerprint.simulator import Fault, FingerprintSimulator

    sim = FingerprintSimulator(
        library_size=args.library_size, address=args.address, password=args.password
    )
    try:
        for item in args.enroll:
            page, _, finger = item.partition(":")
            sim.enroll(int(page), finger)
        for item in args.fault:
            name, _, times = item.partition(":")
            sim.inject(Fault(name), int(times) if times else None)
    except ValueError as exc:
        args.parser.error(str(exc))
    sim.put_finger(args.finger)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    with sim:
        print(sim.port, flush=True)
        reader = threading.Thread(target=_control_loop, args=(sim, done), daemon=True)
        reader.start()
        try:
            while not done.wait(0.2):
                pass
        except KeyboardInterrupt:
            pass
    return 0


def _control_loop(sim: Any, done: threading.Event) -> None:
    """Apply control lines from stdin; at end of input keep serving until a signal."""
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        try:
            if _control(sim, words):
                break
        except (ValueError, IndexError) as exc:
            print(f"fingerprint-sim: {line.strip()!r}: {exc}", file=sys.stderr, flush=True)
    else:
        return
    done.set()


def _control(sim: Any, words: list[str]) -> bool:
    """One control command; True for ``quit``."""
    from devices.fingerprint.simulator import Fault

    verb, rest = words[0], words[1:]
    if verb == "quit":
        return True
    if verb == "finger":
        sim.put_finger(None if rest[0] == "none" else rest[0])
    elif verb == "lift":
        sim.put_finger(None)
    elif verb == "enroll":
        sim.enroll(int(rest[0]), rest[1])
    elif verb == "delete":
        sim.remove(int(rest[0]))
    elif verb == "fault":
        sim.inject(Fault(rest[0]), int(rest[1]) if len(rest) > 1 else None)
    elif verb == "clear":
        sim.clear_faults()
    elif verb == "status":
        _emit(sim.state())
    else:
        raise ValueError(f"unknown command {verb!r}")
    return False


def main(argv: list[str] | None = None) -> int:
    """These two actions on their own: ``python -m devices.fingerprint.cli fingerprint ...``."""
    from hall.cli import run_part

    return run_part(register, "hall device", "device_command", "DEVICE", argv)


if __name__ == "__main__":
    sys.exit(main())
