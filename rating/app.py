"""``hall rating --window W03`` / ``python -m rating.app``: a window's rating pad (Kivy)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--window", default=None, help="the window the pad stands at, e.g. W03")
    p.add_argument("--client", default=None, help="or the pad's client id (rating-03)")
    p.add_argument("--config", default="config", help="hall config directory")
    p.add_argument("--var", default=None, help="runtime directory (secrets)")
    p.add_argument("--host", default=None)
    p.add_argument("--port", "--broker-port", dest="port", type=int, default=None)
    p.add_argument("--lang", default=None, choices=("zh-Hant", "zh-Hans", "en"))
    p.add_argument("--size", default="1024x600", help="window size WxH")
    p.add_argument("--fullscreen", action="store_true")
    p.add_argument("--timeout", type=float, default=30.0, metavar="S",
                   help="back to idle when nobody rates within S seconds")  # fmt: skip
    p.add_argument("--thanks", type=float, default=4.0, metavar="S",
                   help="how long the thanks stay on screen")  # fmt: skip


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
        shown = window_id or "(none given)"
        print(f"hall rating: no window {shown} in the config", file=sys.stderr)
        return 2
    from rating.controller import RatingController, rating_client_id

    try:
        client = args.client or rating_client_id(config, window_id)
    except ValueError as exc:
        print(f"hall rating: {exc}", file=sys.stderr)
        return 2
    configure(
        WindowSettings(
            width=width,
            height=height,
            fullscreen=args.fullscreen,
            kiosk=args.fullscreen,
            title=f"hall rating {window_id}",
        )
    )
    from rating.view import RatingApp

    var = RuntimeDir.default(args.var)
    endpoint = var.endpoint(config, client, host=args.host, port=args.port)
    controller = RatingController(
        config, window_id, endpoint, timeout_s=args.timeout, thanks_s=args.thanks
    )
    RatingApp(controller, lang=args.lang or config.hall_file.hall.default_language).run()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hall rating", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
