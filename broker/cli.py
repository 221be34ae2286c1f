"""``hall service`` and ``hall init``: the queue service (``hall up`` is in :mod:`runner.cli`)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from pathlib import Path

SWITCH_INTERVAL_S = 0.001
"""The queue service's GIL switch interval (Python's default: 0.005 s)."""


def register(sub: argparse._SubParsersAction) -> None:
    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--config", default="config", help="hall config directory (config/)")
        p.add_argument("--var", default=None, help="runtime directory (var/, or $HALL_VAR)")

    service = sub.add_parser("service", help="run the queue service (single writer of hall state)")
    common(service)
    service.add_argument("--host", default=None)
    service.add_argument(
        "--broker-port", "--port", dest="port", type=int, default=None,
        help="the hall broker's port (default: var/run/broker address, then the config)",
    )  # fmt: skip
    service.add_argument("--db", default=None, help="SQLite event log (var/hall.db)")
    service.add_argument(
        "--ignore-hours",
        action="store_true",
        help="serve outside opening hours (demos, benchmarks)",
    )
    service.set_defaults(func=_service)

    init = sub.add_parser("init", help="create a new hall's event log (once, on a new machine)")
    common(init)
    init.add_argument("--db", default=None, help="SQLite event log (var/hall.db)")
    init.set_defaults(func=_init)


def _load(args: argparse.Namespace):
    from hall.conf.cli import load_or_exit
    from hall.runtime import RuntimeDir

    return load_or_exit(args.config), RuntimeDir.default(args.var)


def _logging() -> None:
    logging.basicConfig(
        level=os.environ.get("HALL_LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def _init(args: argparse.Namespace) -> int:
    from broker.store import Store, StoreError

    config, var = _load(args)
    path = Path(args.db or var.database)
    try:
        Store.create(path, config.code).close()
    except StoreError as exc:
        print(f"hall init: {exc}", file=sys.stderr)
        return 1
    print(f"new event log for hall {config.code}: {path}")
    return 0


def _service(args: argparse.Namespace) -> int:
    from broker.service import FatalServiceError, QueueService
    from broker.store import Store, StoreError
    from hall.mqtt import ConnectFailed

    _logging()
    # The worker gives the GIL up around every SQLite call and publish; getting it back
    # waited for paho's network thread for up to the default 5 ms switch interval.
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    config, var = _load(args)
    endpoint = var.endpoint(config, config.service_client.id, args.host, args.port)
    try:
        store = Store(args.db or var.database, hall_code=config.code)
    except StoreError as exc:
        print(f"queue service: {exc}", file=sys.stderr)
        return 78  # EX_CONFIG: an operator must act; a restart would not help
    service = QueueService(config, store, endpoint, enforce_hours=not args.ignore_hours)
    try:
        service.start()
    except ConnectFailed as exc:
        print(f"queue service: {exc}", file=sys.stderr)
        return 3
    ready = var.ready_file("queue-service")
    ready.parent.mkdir(parents=True, exist_ok=True)
    ready.write_text(f"{os.getpid()} {service.epoch}\n")
    # SIGTERM (the supervisor, systemd) stops it like Ctrl-C: offline status, no ready file.
    signal.signal(signal.SIGTERM, lambda _sig, _frame: service.request_stop())
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
