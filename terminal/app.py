"""``hall window W03`` / ``python -m terminal.app W03``: a window terminal (Kivy)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("window", nargs="?", default=None, help="window id, e.g. W03")
    p.add_argument("--client", default=None, help="or the window's client id (window-03)")
    p.add_argument("--config", default="config", help="hall config directory")
    p.add_argument("--var", default=None, help="runtime directory (secrets)")
    p.add_argument("--host", default=None)
    p.add_argument("--port", "--broker-port", dest="port", type=int, default=None)
    p.add_argument("--lang", default=None, choices=("zh-Hant", "zh-Hans", "en"))
    p.add_argument("--size", default="1280x800", help="window size WxH")
    p.add_argument("--fullscreen", action="store_true")
    p.add_argument(
        "--printer", default=None, metavar="URL",
        help="the window's printer for case notices (sim, tcp://host:port, usb:...)",
    )  # fmt: skip
    p.add_argument(
        "--hold", type=float, default=30.0, metavar="S",
        help="how long a command pressed offline is held before it is refused",
    )  # fmt: skip


def run(args: argparse.Namespace) -> int:
    from hall.conf.cli import load_or_exit
    from hall.runtime import RuntimeDir
    from ui.boot import WindowSettings, configure

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    width, height = (int(v) for v in args.size.lower().split("x"))
    config = load_or_exit(args.config)
    window_id = (args.window or "").upper()
    if not window_id and args.client in config.client_by_id:
        window_id = config.client_by_id[args.client].window or ""
    if window_id not in config.window_by_id:
        print(
            f"hall window: no window {window_id or '(none given)'} in the config", file=sys.stderr
        )
        return 2
    configure(
        WindowSettings(
            width=width,
            height=height,
            fullscreen=args.fullscreen,
            kiosk=args.fullscreen,
            title=f"hall window {window_id}",
        )
    )
    from terminal.controller import WindowController, window_client_id
    from terminal.view import TerminalApp

    try:
        client = args.client or window_client_id(config, window_id)
    except ValueError as exc:
        print(f"hall window: {exc}", file=sys.stderr)
        return 2
    var = RuntimeDir.default(args.var)
    endpoint = var.endpoint(config, client, host=args.host, port=args.port)
    controller = WindowController(config, window_id, endpoint, hold_s=args.hold)
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
