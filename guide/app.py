"""``hall guide`` / ``python -m guide.app``: the guide officer's console (Kivy)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--client", default=None, help="the console's client id (default: the first "
                   "guide client in clients.toml)")  # fmt: skip
    p.add_argument("--config", default="config", help="hall config directory")
    p.add_argument("--var", default=None, help="runtime directory (secrets)")
    p.add_argument("--host", default=None)
    p.add_argument("--port", "--broker-port", dest="port", type=int, default=None)
    p.add_argument("--lang", default=None, choices=("zh-Hant", "zh-Hans", "en"))
    p.add_argument("--size", default="1280x800", help="window size WxH")
    p.add_argument("--fullscreen", action="store_true")


def run(args: argparse.Namespace) -> int:
    from hall.conf.cli import load_or_exit
    from hall.runtime import RuntimeDir
    from ui.boot import WindowSettings, configure

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    width, height = (int(v) for v in args.size.lower().split("x"))
    config = load_or_exit(args.config)
    from guide.controller import guide_client_id

    try:
        client = args.client or guide_client_id(config)
    except ValueError as exc:
        print(f"hall guide: {exc}", file=sys.stderr)
        return 2
    configure(
        WindowSettings(width=width, height=height, fullscreen=args.fullscreen, title="hall guide")
    )
    from guide.controller import GuideController
    from guide.view import GuideApp

    var = RuntimeDir.default(args.var)
    endpoint = var.endpoint(config, client, host=args.host, port=args.port)
    controller = GuideController(config, endpoint)
    GuideApp(controller, lang=args.lang or config.hall_file.hall.default_language).run()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hall guide", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
