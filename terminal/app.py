"""``hall window W03`` / ``python -m terminal.app W03``: a window terminal (Kivy)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ui.launch import add_screen_arguments, endpoint_of, load_hall, open_window, window_of


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("window", nargs="?", default=None, help="window id, e.g. W03")
    p.add_argument("--client", default=None, help="or the window's client id (window-03)")
    add_screen_arguments(p, size="1280x800")
    p.add_argument(
        "--printer", default=None, metavar="URL",
        help="the window's printer for case notices (sim, tcp://host:port, usb:...)",
    )  # fmt: skip
    p.add_argument(
        "--hold", type=float, default=30.0, metavar="S",
        help="how long a command pressed offline is held before it is refused",
    )  # fmt: skip


def run(args: argparse.Namespace) -> int:
    config = load_hall(args)
    window_id = window_of(config, args, "hall window")
    if window_id is None:
        return 2
    open_window(args, f"hall window {window_id}")
    from terminal.controller import WindowController, window_client_id
    from terminal.view import TerminalApp

    try:
        client = args.client or window_client_id(config, window_id)
    except ValueError as exc:
        print(f"hall window: {exc}", file=sys.stderr)
        return 2
    controller = WindowController(config, window_id, endpoint_of(args, config, client), args.hold)
    lang = args.lang or config.hall_file.hall.default_language
    notice = None
    if args.printer:
        from devices.printer.service import TicketPrinter
        from devices.printer.url import PrinterURLError
        from terminal.notice import NoticePrinter

        try:
            printer = TicketPrinter.from_url(args.printer)
        except PrinterURLError as exc:
            print(f"hall window: --printer: {exc}", file=sys.stderr)
            return 2
        notice = NoticePrinter(config, printer, lang)
        controller.notice_printer = notice
    try:
        TerminalApp(controller, lang=lang).run()
    finally:
        if notice is not None:
            notice.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hall window", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
