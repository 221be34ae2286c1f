"""``hall up``, ``hall service``, ``hall broker`` and ``hall secrets``."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--config", default="config", help="hall config directory (config/)")
        p.add_argument("--var", default=None, help="runtime directory (var/, or $HALL_VAR)")

    up = sub.add_parser("up", help="start the whole hall on this machine (broker, service, apps)")
    common(up)
    up.add_argument(
        "--port",
        type=int,
        default=None,
        help="broker port (default: config, or a free one when that is taken)",
    )
    up.add_argument(
        "--demo",
        action="store_true",
        help="demo: ignore opening hours and run simulated kiosk and window traffic",
    )
    up.set_defaults(func=_up)

    service = sub.add_parser("service", help="run the queue service (single writer of hall state)")
    common(service)
    service.add_argument("--host", default=None)
    service.add_argument("--port", type=int, default=None)
    service.add_argument("--db", default=None, help="SQLite event log (var/hall.db)")
    service.add_argument(
        "--ignore-hours",
        action="store_true",
        help="serve outside opening hours (demos, benchmarks)",
    )
    service.set_defaults(func=_service)

    broker = sub.add_parser("broker", help="run the hall's own Mosquitto in the foreground")
    common(broker)
    broker.add_argument("--port", type=int, default=None)
    broker.set_defaults(func=_broker)

    sec = sub.add_parser("secrets", help="create missing client passwords in var/secrets.toml")
    common(sec)
    sec.set_defaults(func=_secrets)


def _load(args: argparse.Namespace):
    from hall.conf.cli import load_or_exit
    from hall.runtime import RuntimeDir

    return load_or_exit(args.config), RuntimeDir.default(args.var)


def _logging() -> None:
    logging.basicConfig(
        level=os.environ.get("HALL_LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def _secrets(args: argparse.Namespace) -> int:
    from hall import secrets

    config, var = _load(args)
    passwords = secrets.ensure(var.secrets, [c.id for c in config.clients])
    print(f"{var.secrets}: {len(passwords)} client passwords")
    return 0


def _service(args: argparse.Namespace) -> int:
    from broker.service import FatalServiceError, QueueService
    from broker.store import Store
    from hall.mqtt import ConnectFailed

    _logging()
    config, var = _load(args)
    endpoint = var.endpoint(config, config.service_client.id, args.host, args.port)
    store = Store(args.db or var.database)
    service = QueueService(config, store, endpoint, enforce_hours=not args.ignore_hours)
    try:
        service.start()
    except ConnectFailed as exc:
        print(f"queue service: {exc}", file=sys.stderr)
        return 3
    ready = var.ready_file("queue-service")
    ready.parent.mkdir(parents=True, exist_ok=True)
    ready.write_text(f"{os.getpid()} {service.epoch}\n")
    logging.getLogger("hall").info(
        "queue service up: epoch %s, seq %d, %d events replayed",
        service.epoch,
        service.state.seq,
        service.replayed,
    )
    try:
        service.wait()
    except KeyboardInterrupt:
        pass
    except FatalServiceError as exc:
        print(f"queue service stopped: {exc}", file=sys.stderr)
        return 70
    finally:
        service.stop()
        store.close()
        ready.unlink(missing_ok=True)
    return 0


def _broker(args: argparse.Namespace) -> int:
    from broker.mosquitto import Mosquitto
    from hall import secrets

    config, var = _load(args)
    passwords = secrets.ensure(var.secrets, [c.id for c in config.clients])
    m = Mosquitto(config, passwords, var.broker_dir, port=args.port)
    conf = m.write_files()
    os.execvp("mosquitto", ["mosquitto", "-c", str(conf)])
    return 0  # not reached


def _up(args: argparse.Namespace) -> int:
    from broker.mosquitto import Mosquitto, free_port, port_open
    from broker.supervisor import Child, Supervisor
    from hall import secrets

    _logging()
    config, var = _load(args)
    passwords = secrets.ensure(var.secrets, [c.id for c in config.clients])
    host = "127.0.0.1"
    port = args.port or config.hall_file.mqtt.port
    if args.port is None and port_open(host, port):
        taken, port = port, free_port(host)
        print(f"port {taken} is taken (another broker?); the hall's broker uses {port}")
    broker = Mosquitto(config, passwords, var.broker_dir, port=port, host=host)
    conf = broker.write_files()
    var.write_broker_address(host, port)
    for d in (var.logs, var.tickets, var.screenshots):
        d.mkdir(parents=True, exist_ok=True)
    hall_cmd = [sys.executable, "-m", "hall.cli"]
    common = ["--config", str(Path(args.config).resolve()), "--var", str(var.root)]
    ready_file = var.ready_file("queue-service")
    ready_file.unlink(missing_ok=True)
    service_argv = [*hall_cmd, "service", *common, "--port", str(port)]
    if args.demo:
        service_argv.append("--ignore-hours")
    children = [
        Child(
            "mosquitto",
            ["mosquitto", "-c", str(conf)],
            var.logs / "mosquitto.log",
            ready=lambda: port_open(host, port),
        ),
        Child(
            "queue-service", service_argv, var.logs / "queue-service.log", ready=ready_file.exists
        ),
    ]
    children += _app_children(args, var, hall_cmd, common, port)
    supervisor = Supervisor(children)
    try:
        supervisor.start_all()
    except RuntimeError as exc:
        supervisor.stop_all()
        print(f"hall up: {exc}", file=sys.stderr)
        return 1
    _print_banner(config, var, port, children, args.demo)
    supervisor.run()
    print("hall stopped")
    return 0


def _app_children(args: argparse.Namespace, var, hall_cmd, common, port):
    """The apps and simulated devices that exist so far, each a supervised child."""
    from broker.mosquitto import free_port, port_open
    from broker.supervisor import Child

    printer_port = free_port()
    children = [
        Child(
            "printer-sim",
            [
                *hall_cmd,
                "device",
                "printer-sim",
                "--port",
                str(printer_port),
                "--out",
                str(var.tickets),
            ],
            var.logs / "printer-sim.log",
            ready=lambda: port_open("127.0.0.1", printer_port),
        ),
    ]
    if args.demo:
        children.append(
            Child(
                "demo-traffic",
                [
                    *hall_cmd,
                    "demo-traffic",
                    *common,
                    "--port",
                    str(port),
                    "--printer",
                    f"tcp:127.0.0.1:{printer_port}",
                ],
                var.logs / "demo-traffic.log",
            )
        )
    return children


def _print_banner(config, var, port: int, children, demo: bool) -> None:
    root = config.topic_root
    print(
        f"\n{config.hall_file.hall.name.zh_Hant} ({config.code}) is up {time.strftime('%H:%M:%S')}"
    )
    print(f"  broker      mqtt://127.0.0.1:{port}  (config, passwords, ACL in {var.broker_dir})")
    print(f"  event log   {var.database}")
    print(f"  logs        {var.logs}/<process>.log")
    print(f"  tickets     {var.tickets}  (printed tickets as PNG)")
    print(f"  screenshots {var.screenshots}")
    print(f"  processes   {', '.join(c.name for c in children)}")
    if demo:
        print("  demo mode: opening hours ignored, simulated kiosks and windows at work")
    print("\nWatch the hall (as the diag client):")
    print(
        f'  mosquitto_sub -p {port} -u diag -P "$(grep \'^"diag"\' {var.secrets} | '
        f"cut -d'\"' -f4)\" -t '{root}/events' -t '{root}/state/board' -v"
    )
    print("Stop with Ctrl-C.\n", flush=True)
