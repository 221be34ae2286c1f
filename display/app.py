"""``hall display`` / ``python -m display.app``: the lobby display with voice (1920×1080)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default="config", help="hall config directory")
    p.add_argument("--var", default=None, help="runtime directory (secrets, voice cache)")
    p.add_argument("--host", default=None)
    p.add_argument("--port", "--broker-port", dest="port", type=int, default=None)
    p.add_argument("--client", default=None, help="display client id (default: first display)")
    p.add_argument("--lang", default=None, choices=("zh-Hant", "zh-Hans", "en"))
    p.add_argument("--size", default="1920x1080", help="window size WxH")
    p.add_argument("--fullscreen", action="store_true")
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
    from ui.boot import WindowSettings, configure

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    width, height = (int(v) for v in args.size.lower().split("x"))
    configure(
        WindowSettings(
            width=width,
            height=height,
            fullscreen=args.fullscreen,
            kiosk=args.fullscreen,
            title="hall display",
        )
    )
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
