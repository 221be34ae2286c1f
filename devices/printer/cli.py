"""``hall device ticket`` (print a sample slip) and ``hall device printer-sim`` (simulator)."""

from __future__ import annotations

import argparse
import sys
import time

from hall.i18n import LANGUAGES as LANGUAGE_CHOICES


def register(device_sub: argparse._SubParsersAction) -> None:
    ticket = device_sub.add_parser("ticket", help="print a sample ticket or case notice")
    ticket.add_argument(
        "--printer",
        required=True,
        help="usb:VID:PID, serial:/dev/ttyUSB0?baud=19200, tcp:HOST:9100, "
        "file:/path/out.bin or sim",
    )
    ticket.add_argument(
        "--profile", default=None, help="printer profile (hall device printer-profiles)"
    )
    ticket.add_argument("--lang", default="zh-Hant", choices=LANGUAGE_CHOICES)
    ticket.add_argument("--sample", action="store_true", help="print the built-in sample slip")
    ticket.add_argument(
        "--notice",
        action="store_true",
        help="a case notice (承諾件通知書) instead of a queue ticket",
    )
    ticket.add_argument(
        "--kind",
        default="promised",
        choices=("promised", "joint", "reply", "supplement"),
        help="case notice kind with --notice",
    )
    ticket.add_argument("--status", action="store_true", help="only read and show the status")
    ticket.set_defaults(func=_ticket)

    profiles = device_sub.add_parser("printer-profiles", help="list the printer profiles")
    profiles.set_defaults(func=_profiles)

    sim = device_sub.add_parser("printer-sim", help="run the virtual ESC/POS printer")
    sim.add_argument(
        "--listen-port", "--port", dest="listen_port", type=int, default=9100,
        help="TCP port the simulator listens on (raw ESC/POS, like a network printer)",
    )  # fmt: skip
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--out", default="var/printer-sim", help="directory for receipt PNGs")
    sim.add_argument("--profile", default=None)
    sim.add_argument("--file", default=None, help="render a captured .bin file and exit")
    sim.add_argument(
        "--gallery",
        default=None,
        metavar="DIR",
        help="print the sample slips to a simulator, keep their PNGs in DIR, exit",
    )
    for flag in ("paper-out", "paper-near-end", "offline", "cover-open"):
        sim.add_argument(f"--{flag}", action="store_true", help=f"report {flag} in status")
    sim.set_defaults(func=_printer_sim)


def _profiles(args: argparse.Namespace) -> int:
    from devices.printer.profiles import all_profiles

    for name, profile in sorted(all_profiles().items()):
        print(f"{name:16} {profile.encoding or 'raster':10} {profile.columns} columns")
    return 0


def _ticket(args: argparse.Namespace) -> int:
    from devices.printer.errors import PrinterFault
    from devices.printer.profiles import UnknownProfile
    from devices.printer.samples import sample_case_notice, sample_ticket
    from devices.printer.service import TicketPrinter
    from devices.printer.slips import CaseKind
    from devices.printer.url import PrinterURLError

    if not (args.sample or args.status):
        print("error: say --sample (print the sample slip) or --status", file=sys.stderr)
        return 2
    try:
        printer = TicketPrinter.from_url(args.printer, args.profile)
    except (PrinterURLError, UnknownProfile) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    slip = (
        sample_case_notice(args.lang, CaseKind(args.kind))
        if args.notice
        else sample_ticket(args.lang)
    )
    with printer:
        try:
            if args.status:
                print(f"status: {printer.status()}")
                return 0
            result = printer.print_slip(slip)
        except PrinterFault as exc:
            print(
                f"printer fault: {type(exc).__name__}: {exc.message(args.lang)} ({exc})",
                file=sys.stderr,
            )
            return 1
        for warning in result.warnings:
            print(f"warning: {warning.message(args.lang)}", file=sys.stderr)
        print(
            f"printed {result.receipts} receipt(s), {result.bytes_sent} bytes "
            f"to {args.printer} (profile {printer.profile.name})"
        )
        simulator = printer.simulator
        if simulator is not None:
            simulator.wait_for_receipts(result.receipts)
            for path in simulator.png_paths:
                print(f"receipt PNG: {path}")
        elif args.printer.startswith("file:"):
            print(f"render it with: hall device printer-sim --file {args.printer[5:]} --out DIR")
    return 0


def _printer_sim(args: argparse.Namespace) -> int:
    from pathlib import Path

    from devices.printer.profiles import get_profile
    from devices.printer.sim_model import StatusFlags
    from devices.printer.simulator import PrinterSimulator, render_capture

    if args.gallery:
        from devices.printer.gallery import write_gallery

        for path in write_gallery(Path(args.gallery)):
            print(f"receipt PNG: {path}")
        return 0
    profile = get_profile(args.profile)
    out = Path(args.out)
    if args.file:
        for path in render_capture(Path(args.file).read_bytes(), profile, out):
            print(f"receipt PNG: {path}")
        return 0
    flags = StatusFlags(
        paper_out=args.paper_out,
        paper_near_end=args.paper_near_end,
        offline=args.offline,
        cover_open=args.cover_open,
    )
    simulator = PrinterSimulator(profile, out, host=args.host, port=args.listen_port, flags=flags)
    simulator.start()
    print(
        f"printer simulator ({profile.name}, {profile.paper_dots} dots) on "
        f"{args.host}:{simulator.port}; receipts in {out}/ (Ctrl-C to stop)",
        flush=True,
    )
    seen = 0
    try:
        while True:
            time.sleep(0.2)
            for path in simulator.png_paths[seen:]:
                print(f"receipt PNG: {path}", flush=True)
            seen = len(simulator.png_paths)
    finally:
        simulator.stop()
