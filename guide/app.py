"""``hall guide`` / ``python -m guide.app``: the guide officer's console (Kivy)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ui.launch import add_screen_arguments, endpoint_of, load_hall, open_window


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--client", default=None, help="the console's client id (default: the first "
                   "guide client in clients.toml)")  # fmt: skip
    add_screen_arguments(p, size="1280x800")


def run(args: argparse.Namespace) -> int:
    config = load_hall(args)
    from guide.controller import guide_client_id

    try:
        client = args.client or guide_client_id(config)
    except ValueError as exc:
        print(f"hall guide: {exc}", file=sys.stderr)
        return 2
    open_window(args, "hall guide", kiosk=False)
    from guide.controller import GuideController
    from guide.view import GuideApp

    controller = GuideController(config, endpoint_of(args, config, client))
    GuideApp(controller, lang=args.lang or config.hall_file.hall.default_language).run()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hall guide", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
