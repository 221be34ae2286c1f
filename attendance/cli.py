"""``hall signin`` (the sign-in station), ``hall duty`` (the duty console), ``hall leave`` and
``hall report attendance --month YYYY-MM``.

``hall signin``, ``hall duty`` and ``hall leave`` record through the queue service (the single
durable writer) over MQTT, as their client ids (``signin-01``, ``duty-01``, ``leave-01``;
``--client``) with the passwords of ``<HALL_VAR>/secrets.toml``
(:class:`attendance.mqtt_recorder.MqttRecorder`); the duty console shows the day's record the
writer keeps retained (``state/attendance.day``), so it needs no copy of the writer's log.
``hall leave`` signs the person in at the leave desk with their own staff id and PIN, sends
the request or decision, and signs out. ``--record-file PATH`` keeps the record in an
append-only JSON-lines file instead (:class:`attendance.recorder.FileRecorder`), for a box
without the hall network. ``hall report attendance`` reads the writer's log (``--log``) or
such a file (``--events``)."""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from hall.i18n import LANGUAGES

EVENTS_FILE = Path("attendance") / "events.jsonl"


def _month(text: str) -> tuple[int, int]:
    try:
        year, month = (int(p) for p in text.split("-"))
        date(year, month, 1)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a month (YYYY-MM): {text!r}") from exc
    return year, month


def _reader_spec(text: str) -> tuple[str, int]:
    """``serial:/dev/ttyUSB0`` or ``serial:/dev/ttyUSB0@57600`` -> (port, baud)."""
    if text == "sim":
        return "sim", 57600
    kind, _, rest = text.partition(":")
    if kind != "serial" or not rest:
        raise argparse.ArgumentTypeError(f"reader is serial:PORT[@BAUD], not {text!r}")
    port, _, baud = rest.partition("@")
    try:
        return port, int(baud) if baud else 57600
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"bad baud rate in {text!r}") from exc


def _report_kinds(sub: argparse._SubParsersAction) -> argparse._SubParsersAction:
    """The ``hall report`` subcommands (shared with the statistics reports)."""
    from hall.cli import command_group

    return command_group(sub, "report", "reports: daily, monthly, attendance", "report_kind")


def register(sub: argparse._SubParsersAction) -> None:
    signin = sub.add_parser("signin", help="the fingerprint sign-in station")
    signin.add_argument(
        "--reader",
        type=_reader_spec,
        required=True,
        help="serial:/dev/ttyUSB0[@57600], or sim (a simulator with the roster enrolled)",
    )
    signin.add_argument(
        "--no-gui", action="store_true", help="no screen: print one JSON line per attempt"
    )
    signin.add_argument("--device", default="signin-01", help="this station's device id")
    signin.add_argument("--config", default="config")
    signin.add_argument("--var", default=None, help="runtime directory (default: HALL_VAR or var/)")
    _network_arguments(signin, "signin-01")
    signin.add_argument(
        "--timeout", type=float, default=2.0, help="seconds to wait for each reply of the reader"
    )
    signin.add_argument(
        "--wait", type=float, default=5.0, help="seconds an explicit press waits for a finger"
    )
    signin.add_argument(
        "--button-stdin",
        action="store_true",
        help="each line on stdin is a press of the station's button",
    )
    signin.add_argument(
        "--max-attempts", type=int, default=None, help="stop after this many attempts"
    )
    signin.add_argument(
        "--demo-arrivals",
        type=float,
        default=0.0,
        metavar="S",
        help="with --reader sim: someone presses the reader every S seconds",
    )
    signin.add_argument("--demo-seed", type=int, default=None, help=argparse.SUPPRESS)
    _screen_arguments(signin)
    signin.set_defaults(func=_signin)

    duty = sub.add_parser("duty", help="the duty officer's and duty director's console")
    duty.add_argument("--config", default="config")
    duty.add_argument("--var", default=None, help="runtime directory (default: HALL_VAR or var/)")
    _network_arguments(duty, "duty-01")
    _screen_arguments(duty)
    duty.set_defaults(func=_duty)

    leave = sub.add_parser(
        "leave",
        help="leave: request, decide, list (at the leave desk, with the acting person's PIN)",
    )
    leave_sub = leave.add_subparsers(dest="leave_command", metavar="ACTION", required=True)
    request = leave_sub.add_parser(
        "request", help="ask for leave (for oneself, or as duty officer)"
    )
    request.add_argument("--by", required=True, help="staff id of the person asking")
    request.add_argument("--staff", default=None, help="whose leave (default: --by)")
    request.add_argument(
        "--kind", required=True, choices=("business_trip", "personal", "sick", "annual")
    )
    request.add_argument("--first", required=True, help="YYYY-MM-DD")
    request.add_argument("--last", default=None, help="YYYY-MM-DD (default: --first)")
    request.add_argument("--first-half", choices=("morning", "afternoon"), default="morning")
    request.add_argument("--last-half", choices=("morning", "afternoon"), default="afternoon")
    request.add_argument("--reason", default="")
    request.add_argument("--stand-in", default="", help="who the unit sends (over one day)")
    decide = leave_sub.add_parser("decide", help="approve or reject a leave request")
    decide.add_argument("leave", help="leave id, e.g. L00001")
    decide.add_argument("--by", required=True, help="staff id of the approver")
    verdict = decide.add_mutually_exclusive_group(required=True)
    verdict.add_argument("--approve", action="store_true")
    verdict.add_argument("--reject", action="store_true")
    decide.add_argument("--note", default="")
    listing = leave_sub.add_parser(
        "list", help="leave requests as JSON lines: one's own, those one decides (all for duty)"
    )
    listing.add_argument(
        "--by", default=None, help="staff id of the person asking (required over the network)"
    )
    listing.add_argument("--pending", action="store_true", help="only those not yet decided")
    for p in (request, decide, listing):
        p.add_argument("--config", default="config")
        p.add_argument("--var", default=None, help="runtime directory (default: HALL_VAR or var/)")
        _network_arguments(p, "leave-01")
        p.add_argument(
            "--clock-from",
            type=datetime.fromisoformat,
            default=None,
            metavar="ISO",
            help=argparse.SUPPRESS,
        )
        p.set_defaults(func=_leave)

    attendance = _report_kinds(sub).add_parser(
        "attendance", help="monthly attendance per person and unit (CSV + HTML)"
    )
    attendance.add_argument("--month", type=_month, required=True, help="YYYY-MM")
    attendance.add_argument("--config", default="config")
    attendance.add_argument(
        "--var", default=None, help="runtime directory (default: HALL_VAR or var/)"
    )
    source = attendance.add_mutually_exclusive_group()
    source.add_argument(
        "--log",
        default=None,
        help="the queue service's event log, read-only (default: <HALL_VAR>/hall.db, else "
        "an older <HALL_VAR>/attendance/events.jsonl)",
    )
    source.add_argument(
        "--events", default=None, help="an attendance record file of --record-file instead"
    )
    attendance.add_argument(
        "--out", default=None, help="output folder (default: <HALL_VAR>/reports/attendance)"
    )
    attendance.add_argument("--lang", choices=LANGUAGES, default=None)
    attendance.set_defaults(func=_report)


def _network_arguments(p: argparse.ArgumentParser, client: str) -> None:
    p.add_argument("--client", default=client, help=f"MQTT client id (default: {client})")
    p.add_argument("--host", default=None, help="broker host (default: from the runtime dir)")
    p.add_argument("--port", "--broker-port", dest="port", type=int, default=None)
    p.add_argument(
        "--record-file",
        default=None,
        metavar="PATH",
        help="no hall network: record into this append-only JSON-lines file instead of the "
        "queue service",
    )


def _recorder(
    args: argparse.Namespace, config: Any, ctx: Any, follow: bool = False, retry: bool = True
) -> Any:
    """The file recorder with ``--record-file``; else the writer over MQTT (retrying until the
    broker answers, so the app may start before it; once without ``retry``)."""
    if args.record_file:
        from attendance.recorder import FileRecorder

        return FileRecorder(args.record_file, ctx)
    from attendance.mqtt_recorder import MqttRecorder
    from hall.mqtt import ConnectFailed, HallClient
    from hall.protocol import Topics
    from hall.runtime import RuntimeDir

    endpoint = RuntimeDir.default(args.var).endpoint(
        config, args.client, host=args.host, port=args.port
    )
    while True:
        client = HallClient(endpoint, Topics(config.topic_root))
        try:
            return MqttRecorder.connect(client, ctx, follow=follow)
        except ConnectFailed as exc:
            client.close(timeout=1.0)
            if not retry:
                raise
            print(f"hall {args.command}: {exc}; retrying", file=sys.stderr, flush=True)
            time.sleep(2.0)


def _screen_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lang", choices=LANGUAGES, default=None)
    p.add_argument("--size", default=None, help="window size WxH")
    p.add_argument("--fullscreen", action="store_true")
    p.add_argument(
        "--clock-from",
        type=datetime.fromisoformat,
        default=None,
        metavar="ISO",
        help="run the clock from this local time (demonstrations, screenshots)",
    )


def _clock(ctx: Any, start: datetime | None) -> Callable[[], datetime]:
    """The hall's local time, or a clock that starts at ``start`` and runs from there."""
    tz = ctx.tz
    if start is None:
        return lambda: datetime.now(tz)
    begin = start if start.tzinfo else start.replace(tzinfo=tz)
    t0 = time.monotonic()
    return lambda: begin + timedelta(seconds=time.monotonic() - t0)


def _window(args: argparse.Namespace, default: str, title: str) -> None:
    from ui.boot import WindowSettings, configure

    width, height = (int(v) for v in (args.size or default).lower().split("x"))
    configure(
        WindowSettings(
            width=width,
            height=height,
            fullscreen=args.fullscreen,
            kiosk=args.fullscreen,
            title=title,
        )
    )


def _events_path(value: str | None, var: str | None = None) -> Path:
    from hall.runtime import RuntimeDir

    return Path(value) if value else RuntimeDir.default(var).root / EVENTS_FILE


def _emit(obj: dict[str, object]) -> None:
    print(json.dumps(obj, ensure_ascii=False), flush=True)


def _signin(args: argparse.Namespace) -> int:
    from attendance.rules import Context
    from hall.conf.cli import load_or_exit

    config = load_or_exit(args.config)
    ctx = Context.from_config(config)
    recorder = _recorder(args, config, ctx)
    clock = _clock(ctx, args.clock_from)
    sim = arrivals = None
    if args.reader[0] == "sim":
        from attendance.demo import Arrivals, roster_simulator

        sim = roster_simulator(ctx)
        args.reader = (sim.port, 57600)
        if args.demo_arrivals > 0:
            arrivals = Arrivals(sim, ctx, args.demo_arrivals, seed=args.demo_seed).start()
    try:
        if not args.no_gui:
            return _signin_screen(args, config, ctx, recorder, clock)
        return _signin_lines(args, ctx, recorder, clock)
    finally:
        if hasattr(recorder, "close"):
            recorder.close()
        if arrivals is not None:
            arrivals.close()
        if sim is not None:
            sim.stop()


def _signin_lines(
    args: argparse.Namespace, ctx: Any, recorder: Any, clock: Callable[[], datetime]
) -> int:
    """The station without a screen: one JSON line per attempt on stdout."""
    from attendance.station import SignInStation
    from devices.fingerprint.reader import FingerprintReader

    port, baud = args.reader

    def status(state: str, detail: str) -> None:
        print(
            json.dumps({"status": state, "detail": detail}, ensure_ascii=False),
            file=sys.stderr,
            flush=True,
        )

    stop = threading.Event()
    button = threading.Event() if args.button_stdin else None
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    count = 0

    def emit(outcome: object) -> None:
        nonlocal count
        _emit(outcome.to_json())  # type: ignore[attr-defined]
        count += 1
        if args.max_attempts is not None and count >= args.max_attempts:
            stop.set()

    if button is not None:
        threading.Thread(target=_read_button, args=(button, stop), daemon=True).start()
    with FingerprintReader.serial(port, baud, timeout=args.timeout) as reader:
        station = SignInStation(
            reader, ctx, recorder, args.device, clock=clock, wait_s=args.wait, on_status=status
        )
        with contextlib.suppress(KeyboardInterrupt):
            station.run(emit, stop, trigger=button)
    return 0


def _signin_screen(
    args: argparse.Namespace, config: Any, ctx: Any, recorder: Any, clock: Callable[[], datetime]
) -> int:
    from devices.fingerprint.reader import FingerprintReader

    _window(args, "1024x600", "hall signin")
    from attendance.station import SignInStation, StationScreen
    from attendance.station_view import StationApp

    port, baud = args.reader
    name = config.hall_file.hall.name
    with FingerprintReader.serial(port, baud, timeout=args.timeout) as reader:
        station = SignInStation(reader, ctx, recorder, args.device, clock=clock, wait_s=args.wait)
        screen = StationScreen({lang: name.get(lang) for lang in LANGUAGES})
        app = StationApp(
            station, screen, clock, lang=args.lang or config.hall_file.hall.default_language
        )
        app.run()
    return 0


def _duty(args: argparse.Namespace) -> int:
    from attendance.console import DutyConsole
    from attendance.rules import Context
    from hall.conf.cli import load_or_exit

    config = load_or_exit(args.config)
    ctx = Context.from_config(config)
    recorder = _recorder(args, config, ctx, follow=True)
    lang = args.lang or config.hall_file.hall.default_language
    _window(args, "1280x800", "hall duty")
    from attendance.duty_view import DutyApp

    console = DutyConsole(ctx, recorder, clock=_clock(ctx, args.clock_from), lang=lang)
    try:
        DutyApp(console, lang=lang).run()
    finally:
        console.close()  # after the action on its way, if any
        console.sign_out()  # over the network: nobody stays signed in at a closed console
        if hasattr(recorder, "close"):
            recorder.close()
    return 0


def _read_pin(prompt: str) -> str:
    import getpass

    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    return sys.stdin.readline().strip()


def _leave(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from attendance.console import DutyConsole
    from attendance.rules import Context, Rejected
    from hall.conf.cli import load_or_exit
    from hall.i18n import t
    from hall.mqtt import ConnectFailed

    config = load_or_exit(args.config)
    ctx = Context.from_config(config)
    lang = config.hall_file.hall.default_language
    offline = bool(args.record_file)
    if args.leave_command == "list" and offline and not args.by:
        state = _recorder(args, config, ctx).refresh()
        for leave in state.leaves.values():
            if not args.pending or leave.status == "pending":
                _emit(json.loads(json.dumps(asdict(leave), default=str)))
        return 0
    if not args.by:
        print("hall leave list: --by STAFF (and the PIN) at the leave desk", file=sys.stderr)
        return 2
    try:
        recorder = _recorder(args, config, ctx, retry=False)
    except ConnectFailed as exc:
        print(f"hall leave: {exc}", file=sys.stderr)
        return 1
    console = DutyConsole(ctx, recorder, clock=_clock(ctx, args.clock_from), lang=lang)
    try:
        signed = console.sign_in(args.by, _read_pin(f"PIN of {args.by}: "), require_role=False)
        if not signed.ok or console.user is None:
            print(f"hall leave: {signed.text}", file=sys.stderr)
            return 1
        if args.leave_command == "list":
            if offline:
                leaves = [asdict(v) for v in recorder.refresh().leaves.values()]
                leaves = [v for v in leaves if not args.pending or v["status"] == "pending"]
            else:
                try:
                    leaves = recorder.query("leave.list", {"pending": args.pending})["leaves"]
                except Rejected as exc:
                    print(f"hall leave: {t(exc.message_key, lang)}", file=sys.stderr)
                    return 1
            for leave in leaves:
                _emit(json.loads(json.dumps(leave, default=str)))
            return 0
        if args.leave_command == "request":
            result = console.request_leave(
                args.staff or console.user.id,
                args.kind,
                args.first,
                args.last,
                args.first_half,
                args.last_half,
                args.reason,
                args.stand_in,
            )
        else:
            result = console.decide_leave(args.leave, approve=args.approve, note=args.note)
        print(result.text, file=sys.stdout if result.ok else sys.stderr)
        return 0 if result.ok else 1
    finally:
        console.sign_out()  # the desk is nobody's once the command is done
        if hasattr(recorder, "close"):
            recorder.close()


def _read_button(button: threading.Event, stop: threading.Event) -> None:
    for _line in sys.stdin:
        button.set()
    stop.wait()


def _report(args: argparse.Namespace) -> int:
    from attendance.recorder import FileRecorder
    from attendance.report import build_report, people_csv, to_html, units_csv
    from attendance.rules import Context
    from hall.conf.cli import load_or_exit
    from hall.runtime import RuntimeDir

    config = load_or_exit(args.config)
    lang = args.lang or config.hall_file.hall.default_language
    ctx = Context.from_config(config)
    year, month = args.month
    now = datetime.now(ctx.tz)
    if (year, month) > (now.year, now.month):
        print(f"hall report attendance: {year:04d}-{month:02d} has not begun", file=sys.stderr)
        return 2
    until = now.date() if (year, month) == (now.year, now.month) else None
    from_file = bool(args.events)
    if args.events:
        path = Path(args.events)
    elif args.log:
        path = Path(args.log)
    else:  # the writer's log; else a file recorded before the writer took attendance over
        path = RuntimeDir.default(args.var).database
        if not path.exists() and _events_path(None, args.var).exists():
            path, from_file = _events_path(None, args.var), True
    if not path.exists():
        print(f"hall report attendance: no attendance record at {path}", file=sys.stderr)
        return 1
    if from_file:
        state = FileRecorder(path, ctx).refresh()
    else:
        from attendance.mqtt_recorder import read_log
        from attendance.state import replay

        state = replay(read_log(path)[0])
    report = build_report(config, ctx, state, year, month, lang, until)
    out = (
        Path(args.out) if args.out else RuntimeDir.default(args.var).root / "reports" / "attendance"
    )
    out.mkdir(parents=True, exist_ok=True)
    stem = f"attendance-{report.label}"
    files = {
        out / f"{stem}-people.csv": people_csv(report, lang),
        out / f"{stem}-units.csv": units_csv(report, lang),
        out / f"{stem}.html": to_html(report, lang, printed=now),
    }
    for file, text in files.items():
        # utf-8-sig: spreadsheet programs on the hall's PCs then read the Chinese correctly.
        encoding = "utf-8-sig" if file.suffix == ".csv" else "utf-8"
        file.write_text(text, encoding=encoding)
        print(file)
    from attendance.report_pdf import PdfUnavailable, to_pdf

    try:
        pdf = to_pdf(report, lang, printed=now)
    except PdfUnavailable as exc:
        print(f"hall report attendance: no PDF: {exc}", file=sys.stderr)
        return 0
    (out / f"{stem}.pdf").write_bytes(pdf)
    print(out / f"{stem}.pdf")
    return 0


def main(argv: list[str] | None = None) -> int:
    """These commands on their own: ``python -m attendance.cli signin ...``."""
    from hall.cli import run_part

    return run_part(register, "hall", "command", "COMMAND", argv)


if __name__ == "__main__":
    sys.exit(main())
