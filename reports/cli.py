"""``hall report daily|monthly``: statistics from the event log as CSV, charts and HTML."""

from __future__ import annotations

import argparse
import calendar
import os
import sys
from datetime import date
from pathlib import Path

from hall.i18n import LANGUAGES


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


def _month(text: str) -> date:
    try:
        year, month = (int(p) for p in text.split("-"))
        return date(year, month, 1)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a month (YYYY-MM): {text!r}") from exc


def register(sub: argparse._SubParsersAction) -> None:
    from hall.cli import command_group

    kinds = command_group(sub, "report", "reports: daily, monthly, attendance", "report_kind")
    daily = kinds.add_parser("daily", help="one business day")
    daily.add_argument("--day", type=_day, required=True, help="YYYY-MM-DD")
    monthly = kinds.add_parser("monthly", help="one calendar month")
    monthly.add_argument("--month", type=_month, required=True, help="YYYY-MM")
    for p in (daily, monthly):
        p.add_argument("--db", default=None, help="event log (default: <HALL_VAR>/hall.db)")
        p.add_argument(
            "--out", default=None, help="output folder (default: <HALL_VAR>/reports/<period>)"
        )
        p.add_argument("--config", default="config", help="config directory")
        p.add_argument("--lang", choices=LANGUAGES, default=None)
        p.add_argument(
            "--central", action="store_true", help="from the central PostgreSQL record (issue 13)"
        )
        p.add_argument(
            "--central-db", default=None, help="central database URL (default: HALL_CENTRAL_DB)"
        )
        p.add_argument(
            "--hall", action="append", default=None, help="with --central: this hall (repeatable)"
        )
        p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from hall.conf.cli import load_or_exit
    from hall.i18n import t
    from hall.runtime import RuntimeDir
    from reports.build import build_report
    from reports.log import LogUnavailable

    config = load_or_exit(args.config)
    lang = args.lang or config.hall_file.hall.default_language
    runtime = RuntimeDir.default()
    if args.report_kind == "daily":
        first = last = args.day
        name = f"daily-{first.isoformat()}"
        title = t("reports.title_daily", lang, day=first.isoformat())
    else:
        first = args.month
        last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
        name = f"monthly-{first:%Y-%m}"
        title = t("reports.title_monthly", lang, month=f"{first:%Y-%m}")
    source = None
    if getattr(args, "central", False):
        from central.cli import DEFAULT_DB
        from reports.central_source import central_source

        url = args.central_db or os.environ.get("HALL_CENTRAL_DB", DEFAULT_DB)
        source = central_source(url, args.hall)
        name = f"central-{'-'.join(sorted(args.hall)) if args.hall else 'all'}-{name}"
    out = Path(args.out) if args.out else runtime.root / "reports" / name
    db = Path(args.db) if args.db else runtime.database
    try:
        report = build_report(config, db, first, last, out, title=title, lang=lang, source=source)
    except LogUnavailable as exc:
        print(f"hall report: {exc}", file=sys.stderr)
        return 1
    s = report.stats
    print(
        f"{first.isoformat()}..{last.isoformat()}: {s.tickets} tickets, {s.served} served, "
        f"{report.events} events"
    )
    for path in report.csv.values():
        print(path)
    print(report.html)
    return 0
