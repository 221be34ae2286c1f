"""``hall display`` / ``python -m display.app``: the lobby display with voice (1920×1080)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ui.launch import add_screen_arguments, open_window, start_logging


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--client", default=None, help="display client id (default: first display)")
    add_screen_arguments(p, size="1920x1080", var_help="runtime directory (secrets, voice cache)")
    p.add_argument("--no-voice", action="store_true", help="no announcements")
    p.add_argument("--player", default=None, choices=("auto", "aplay", "paplay", "record"))
    p.add_argument(
        "--min-show",
        type=float,
        default=None,
        metavar="S",
        help="seconds each call stays highlighted (display.toml: min_show_s)",
    )
    p.add_argument("--screenshot-every", type=float, default=0.0, metavar="S")


def run(args: argparse.Namespace) -> int:
    from hall.conf.cli import load_or_exit
    from hall.conf.model import Role
    from hall.runtime import RuntimeDir

    start_logging()
    open_window(args, "hall display")
    from display.runtime import DisplayRuntime
    from display.settings import load_display_settings
    from display.view import LobbyApp

    config = load_or_exit(args.config)
    settings = load_display_settings(config.directory)
    voice = settings.voice.model_copy(
        update={
            "enabled": settings.voice.enabled and not args.no_voice,
            **({"player": args.player} if args.player else {}),
        }
    )
    screen = settings.display
    if args.min_show is not None:
        screen = screen.model_copy(update={"min_show_s": args.min_show})
    settings = settings.model_copy(update={"voice": voice, "display": screen})
    var = RuntimeDir.default(args.var)
    client = args.client or next(c.id for c in config.clients if c.role == Role.DISPLAY)
    endpoint = var.endpoint(config, client, host=args.host, port=args.port)
    runtime = DisplayRuntime(config, endpoint, settings, var.root / "voice-cache")
    name = config.hall_file.hall.name
    app = LobbyApp(
        runtime,
        lang=args.lang or settings.display.language,
        hall_name={lang: name.get(lang) for lang in ("zh-Hant", "zh-Hans", "en")},
    )
    if args.screenshot_every:
        app.screenshot_every(var.screenshots / "display", args.screenshot_every)
    app.run()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hall display", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
