"""``hall up``, ``hall broker``, ``hall secrets`` and ``hall screens``: running a hall machine."""

from __future__ import annotations

import argparse
import fcntl
import logging
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import TextIO

from runner import applicants, screens, staff

# Exit statuses of ``hall up``.
EXIT_START_FAILED = 1
EXIT_CONFIG = 2
EXIT_ALREADY_RUNNING = 75  # EX_TEMPFAIL: another hall up owns this var/


def register(sub: argparse._SubParsersAction) -> None:
    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--config", default="config", help="hall config directory (config/)")
        p.add_argument("--var", default=None, help="runtime directory (var/, or $HALL_VAR)")

    up = sub.add_parser(
        "up", help="start the hall on this machine: broker, service, and the machine's apps"
    )
    common(up)
    up.add_argument(
        "--broker-port",
        "--port",
        dest="port",
        type=int,
        default=None,
        help="broker port (default: config, or a free one when that is taken)",
    )
    up.add_argument(
        "--machine",
        default=None,
        help="machine file: which apps and simulators run here (default: CONFIG/machine.toml)",
    )
    up.add_argument(
        "--ignore-hours",
        action="store_true",
        help="serve outside opening hours (no simulated traffic)",
    )
    up.add_argument(
        "--demo",
        action="store_true",
        help="demo: ignore opening hours and also run the machine file's demo entries "
        "(simulated applicants and window staff)",
    )
    up.set_defaults(func=_up)

    broker = sub.add_parser("broker", help="run the hall's own Mosquitto in the foreground")
    common(broker)
    broker.add_argument("--broker-port", "--port", dest="port", type=int, default=None)
    broker.set_defaults(func=_broker)

    sec = sub.add_parser("secrets", help="create missing client passwords in var/secrets.toml")
    common(sec)
    sec.set_defaults(func=_secrets)

    screens.register(sub)
    applicants.register(sub)
    staff.register(sub)


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


def _broker(args: argparse.Namespace) -> int:
    from hall import secrets
    from runner.mosquitto import Mosquitto

    config, var = _load(args)
    passwords = secrets.ensure(var.secrets, [c.id for c in config.clients])
    m = Mosquitto(config, passwords, var.broker_dir, port=args.port)
    conf = m.write_files()
    os.execvp("mosquitto", ["mosquitto", "-c", str(conf)])
    return 0  # not reached


# ------------------------------------------------------------------ hall up


class AlreadyRunning(RuntimeError):
    pass


def lock_runtime(run_dir: Path) -> TextIO:
    """Hold ``run/hall-up.lock`` for as long as this process lives (released by the kernel
    even on ``kill -9``); :class:`AlreadyRunning` when another ``hall up`` holds it."""
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / "hall-up.lock"
    handle = path.open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        owner = handle.read().strip() or "?"
        handle.close()
        raise AlreadyRunning(owner) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


def installed_commands() -> set[str]:
    from hall.cli import build_parser

    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    return set()


def ensure_event_log(config, var) -> str | None:
    """Create the hall's event log on its very first start; a message when it did."""
    from broker.store import Store, identity_file

    db = var.database
    if identity_file(db).exists() or (db.exists() and db.stat().st_size > 0):
        return None  # the service checks it (and refuses a lost or damaged log)
    Store.create(db, config.code).close()
    return f"first start: new event log {db}"


def _up(args: argparse.Namespace) -> int:
    from broker.store import StoreError
    from hall import secrets
    from hall.conf.cli import report
    from hall.conf.load import ConfigError
    from hall.conf.machine import load_machine
    from hall.net import free_port, port_open
    from runner.display import DisplayUnavailable
    from runner.mosquitto import Mosquitto
    from runner.plan import UpOptions, plan_up
    from runner.supervisor import Supervisor, reap_leftovers

    _logging()
    config, var = _load(args)
    machine, issues = load_machine(config, args.machine)
    if issues:
        report(args.machine or str(config.directory / "machine.toml"), ConfigError(issues))
        return EXIT_CONFIG
    try:
        lock = lock_runtime(var.run)
    except AlreadyRunning as exc:
        print(
            f"hall up: another `hall up` (pid {exc}) is running on {var.root}; "
            f"one hall per runtime directory. Stop it first, or use another --var.",
            file=sys.stderr,
        )
        return EXIT_ALREADY_RUNNING
    state_file = var.run / "children.json"
    for leftover in reap_leftovers(state_file):
        print(f"ended {leftover}, left over from a hall up that was killed")
    try:
        note = ensure_event_log(config, var)
    except StoreError as exc:
        print(f"hall up: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    if note:
        print(note)
    passwords = secrets.ensure(var.secrets, [c.id for c in config.clients])
    host = "127.0.0.1"
    port = args.port or config.hall_file.mqtt.port
    if args.port is None and port_open(host, port):
        taken, port = port, free_port(host)
        print(f"port {taken} is taken (another broker?); the hall's broker uses {port}")
    broker = Mosquitto(config, passwords, var.broker_dir, port=port, host=host)
    conf = broker.write_files()
    var.write_broker_address(host, port)
    for d in (var.logs, var.tickets, var.root / "screens"):
        d.mkdir(parents=True, exist_ok=True)
    var.ready_file("queue-service").unlink(missing_ok=True)
    opts = UpOptions(
        config_dir=Path(args.config).resolve(),
        var=var,
        broker_conf=conf,
        port=port,
        host=host,
        demo=args.demo,
        ignore_hours=args.ignore_hours,
        installed=installed_commands(),
    )
    try:
        plan = plan_up(config, machine, opts)
    except DisplayUnavailable as exc:
        print(f"hall up: {exc}", file=sys.stderr)
        return EXIT_START_FAILED
    supervisor = Supervisor(plan.children, state_file=state_file)
    try:
        supervisor.start_all()
    except RuntimeError as exc:
        supervisor.stop_all()
        print(f"hall up: {exc}", file=sys.stderr)
        for child in plan.children:
            if child.process is not None and child.process.returncode not in (None, 0):
                print(_tail(child.log_path), file=sys.stderr)
        return EXIT_START_FAILED
    print(banner(config, var, port, plan, args.demo, args.ignore_hours), flush=True)
    supervisor.run()
    lock.close()
    print("hall stopped")
    return 0


def _tail(path: Path, lines: int = 8) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()[-lines:]
    except FileNotFoundError:
        return ""
    return "\n".join(f"  | {line}" for line in text)


def banner(config, var, port: int, plan, demo: bool, ignore_hours: bool) -> str:
    """What ``hall up`` prints once everything runs: what is where, in the hall's local time."""
    root = config.topic_root
    now = datetime.now(config.tz)
    names = ", ".join(c.name for c in plan.children)
    out = [
        "",
        f"{config.hall_file.hall.name.zh_Hant} ({config.code}) is up "
        f"{now:%Y-%m-%d %H:%M:%S} {config.hall_file.hall.timezone} (UTC{now:%z})",
        f"  broker      mqtt://127.0.0.1:{port}  (config, passwords, ACL in {var.broker_dir})",
        f"  event log   {var.database}",
        f"  logs        {var.logs}/<process>.log",
        f"  tickets     {var.tickets}  (printed tickets as PNG)",
    ]
    if plan.display is not None:
        if plan.display.virtual:
            out.append(
                f"  screen      virtual {', '.join(plan.display.screens)} (Xvfb): a screenshot "
                f"every few seconds in {var.root / 'screens'}/ (the first once "
                f"the screen's apps have drawn)"
            )
            out += [f"              {latest}  ({shows})" for latest, shows in plan.screens]
        else:
            out.append(f"  screen      {plan.display.display} (the attached screen)")
    out.append(f"  processes   {names}")
    out += [f"  note        {n}" for n in plan.notes]
    if demo:
        out.append("  demo mode: opening hours ignored, simulated applicants and windows at work")
    elif ignore_hours:
        out.append("  opening hours ignored (--ignore-hours)")
    out += [
        "",
        "Watch the hall (as the diag client):",
        f'  mosquitto_sub -p {port} -u diag -P "$(grep \'^"diag"\' {var.secrets} | '
        f"cut -d'\"' -f4)\" -t '{root}/events' -t '{root}/state/board' -v",
        "Stop with Ctrl-C.",
        "",
    ]
    return "\n".join(out)
