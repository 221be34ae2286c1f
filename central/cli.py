"""``hall central``: the many-hall record (issue 13).

- ``hall central bridge``: the hall's bridge section for its mosquitto.conf;
- ``hall central respond``: the hall's responder to the centre's range requests;
- ``hall central broker``: the central broker's config, passwords and ACL;
- ``hall central migrate`` / ``hall central collect``: the central database and collector.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path

DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/hall_central"


def _db_url(args: argparse.Namespace) -> str:
    return args.db or os.environ.get("HALL_CENTRAL_DB", DEFAULT_DB)


def register(sub: argparse._SubParsersAction) -> None:
    central = sub.add_parser("central", help="the many-hall record (bridge, collector, responder)")
    acts = central.add_subparsers(dest="central_command", metavar="ACTION", required=True)

    from hall.cli import command_group

    # The same command as `hall protocol bridge` (the hall's broker config, beside the ACL).
    protocol = command_group(sub, "protocol", "the MQTT contract", "protocol_command")
    for acts_of in (acts, protocol):
        _bridge_parser(acts_of)

    respond = acts.add_parser("respond", help="answer the centre's range requests (at a hall)")
    respond.add_argument("--config", default="config")
    respond.add_argument("--db", default=None, help="event log (default: <HALL_VAR>/hall.db)")
    respond.add_argument("--client", default="central-link", help="client id (role central)")
    respond.set_defaults(func=_respond)

    broker = acts.add_parser("broker", help="write the central broker's config, passwords, ACL")
    broker.add_argument("--dir", required=True)
    broker.add_argument("--port", type=int, default=1883)
    broker.add_argument("--host", default="0.0.0.0")
    broker.add_argument("--halls", required=True, help="comma-separated hall codes")
    broker.add_argument(
        "--secrets",
        required=True,
        help="TOML of passwords (made if missing): bridge-<CODE>, collector",
    )
    broker.set_defaults(func=_broker)

    migrate = acts.add_parser("migrate", help="create or upgrade the central database's schema")
    migrate.add_argument("--db", default=None, help=f"PostgreSQL URL (default {DEFAULT_DB})")
    migrate.set_defaults(func=_migrate)

    collect = acts.add_parser("collect", help="run the collector")
    collect.add_argument("--db", default=None, help=f"PostgreSQL URL (default {DEFAULT_DB})")
    collect.add_argument("--broker", default="127.0.0.1:1883", help="central broker HOST:PORT")
    collect.add_argument(
        "--password", default=None, help="collector's password (default: HALL_COLLECTOR_PASSWORD)"
    )
    collect.add_argument("--cafile", default=None)
    collect.add_argument("--stats", default=None, help="JSON file of figures, every second")
    collect.set_defaults(func=_collect)


def _hostport(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    return host or "127.0.0.1", int(port)


def _bridge(args: argparse.Namespace) -> int:
    from central.bridge import Tls, bridge_conf
    from hall.conf.cli import load_or_exit

    config = load_or_exit(args.config)
    password = args.password or os.environ.get("HALL_BRIDGE_PASSWORD")
    if not password:
        print("hall central bridge: give --password or HALL_BRIDGE_PASSWORD", file=sys.stderr)
        return 2
    host, port = _hostport(args.central)
    tls = Tls(args.cafile, args.certfile, args.keyfile) if args.cafile else None
    text = bridge_conf(config, host, port, password, tls=tls, queue=args.queue)
    if args.out:
        Path(args.out).write_text(text)
        Path(args.out).chmod(0o600)
        print(args.out)
    else:
        sys.stdout.write(text)
    return 0


def _respond(args: argparse.Namespace) -> int:
    from central.responder import Responder
    from hall.conf.cli import load_or_exit
    from hall.runtime import RuntimeDir

    config = load_or_exit(args.config)
    runtime = RuntimeDir.default()
    db = Path(args.db) if args.db else runtime.database
    e = runtime.endpoint(config, args.client)
    responder = Responder(
        db, config.code, config.topic_root, e.host, e.port, args.client, e.password
    )
    return _run_until_signal(responder)


def _broker(args: argparse.Namespace) -> int:
    import getpass

    from central.bridge import COLLECTOR_ID, bridge_user, central_files
    from hall import secrets

    codes = [c.strip() for c in args.halls.split(",") if c.strip()]
    passwords = secrets.ensure(args.secrets, [COLLECTOR_ID, *(bridge_user(c) for c in codes)])
    conf = central_files(
        Path(args.dir), args.port, passwords, codes, host=args.host, user=getpass.getuser()
    )
    print(f"mosquitto -c {conf}")
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from central.db import migrate

    applied = migrate(_db_url(args))
    print(f"applied: {', '.join(applied) or 'nothing (up to date)'}")
    return 0


def _collect(args: argparse.Namespace) -> int:
    from central.collector import Collector

    password = args.password or os.environ.get("HALL_COLLECTOR_PASSWORD")
    if not password:
        print("hall central collect: give --password or HALL_COLLECTOR_PASSWORD", file=sys.stderr)
        return 2
    host, port = _hostport(args.broker)
    collector = Collector(
        _db_url(args), host, port, password, tls_ca=args.cafile, stats_path=args.stats
    )
    return _run_until_signal(collector)


def _run_until_signal(part: object) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    part.start()  # type: ignore[attr-defined]
    print("ready", flush=True)
    done.wait()
    part.stop()  # type: ignore[attr-defined]
    return 0


def _bridge_parser(acts: argparse._SubParsersAction) -> None:
    bridge = acts.add_parser("bridge", help="write the hall broker's bridge to the centre")
    bridge.add_argument("--config", default="config")
    bridge.add_argument("--central", required=True, help="HOST:PORT of the central broker")
    bridge.add_argument(
        "--password", default=None, help="bridge-<CODE>'s password (default: HALL_BRIDGE_PASSWORD)"
    )
    bridge.add_argument("--cafile", default=None, help="TLS: CA of the central broker")
    bridge.add_argument("--certfile", default=None, help="TLS: this hall's certificate")
    bridge.add_argument("--keyfile", default=None, help="TLS: this hall's key")
    bridge.add_argument("--queue", type=int, default=None, help="messages held (default: a day)")
    bridge.add_argument("--out", default=None, help="file to write (default: stdout)")
    bridge.set_defaults(func=_bridge)
