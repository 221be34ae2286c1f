"""``hall demo-traffic``: simulated applicants and window staff for a demo hall."""

from __future__ import annotations

import argparse
import logging
import signal


def register(sub: argparse._SubParsersAction) -> None:
    kiosk = sub.add_parser(
        "kiosk",
        help="the applicant kiosk (touch screen GUI)",
        description="The applicant kiosk. Headless: run under xvfb-run and pass "
        "--screenshots DIR --every SECONDS to see it.",
    )
    from kiosk.app import add_arguments

    add_arguments(kiosk)
    kiosk.set_defaults(func=_kiosk)
    demo = sub.add_parser("demo-traffic", help="simulated applicants and window staff (demo)")
    demo.add_argument("--config", default="config")
    demo.add_argument("--var", default=None)
    demo.add_argument("--port", type=int, default=None)
    demo.add_argument("--printer", default=None, help="printer URL for the kiosks, e.g. tcp:...")
    demo.add_argument(
        "--pace", type=float, default=1.0, help="time factor (0.1 = ten times faster)"
    )
    demo.add_argument(
        "--kiosks",
        default=None,
        help="comma-separated kiosk clients for the simulated applicants (default: the first "
        "two; empty: none, e.g. when applicants touch a kiosk screen instead)",
    )
    demo.add_argument(
        "--skip-windows",
        default="",
        help="comma-separated windows the simulated staff leave alone (a terminal GUI runs "
        "them, e.g. with simulated staff pressing its buttons: hall demo-staff)",
    )
    demo.set_defaults(func=_demo)


def _kiosk(args: argparse.Namespace) -> int:
    from kiosk.app import run

    return run(args)


def _demo(args: argparse.Namespace) -> int:
    from hall.conf.cli import load_or_exit
    from hall.mqtt import HallClient
    from hall.protocol import Topics
    from hall.runtime import RuntimeDir
    from kiosk.demo import DemoTraffic

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    config = load_or_exit(args.config)
    var = RuntimeDir.default(args.var)
    topics = Topics(config.topic_root)

    def connect(client_id: str) -> HallClient:
        client = HallClient(
            var.endpoint(config, client_id, port=args.port),
            topics,
            config.hall_file.mqtt.request_timeout_s,
        )
        return client.connect(10)

    kiosks = None if args.kiosks is None else [k for k in args.kiosks.split(",") if k]
    skip = [w for w in args.skip_windows.split(",") if w]
    traffic = DemoTraffic(
        config, connect, args.printer, pace=args.pace, kiosks=kiosks, skip_windows=skip
    )
    stop = {"now": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.update(now=True))
    traffic.start()
    try:
        while not stop["now"]:
            signal.pause()
    except KeyboardInterrupt:
        pass
    traffic.stop()
    return 0
