"""``hall rating --window W03`` / ``python -m rating.app``: a window's rating pad (Kivy)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ui.launch import add_screen_arguments, endpoint_of, load_hall, open_window, window_of


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--window", default=None, help="the window the pad stands at, e.g. W03")
    p.add_argument("--client", default=None, help="or the pad's client id (rating-03)")
    add_screen_arguments(p, size="1024x600")
    p.add_argument("--timeout", type=float, default=30.0, metavar="S",
                   help="back to idle when nobody rates within S seconds")  # fmt: skip
    p.add_argument("--thanks", type=float, default=4.0, metavar="S",
                   help="how long the thanks stay on screen")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    config = load_hall(args)
    window_id = window_of(config, args, "hall rating")
    if window_id is None:
        return 2
    from rating.controller import RatingController, rating_client_id

    try:
        client = args.client or rating_client_id(config, window_id)
    except ValueError as exc:
        print(f"hall rating: {exc}", file=sys.stderr)
        return 2
    open_window(args, f"hall rating {window_id}")
    from rating.view import RatingApp

    endpoint = endpoint_of(args, config, client)
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
