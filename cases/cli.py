"""``hall case due``: the due date of a time limit, by the hall's calendar.

The last line printed is the due date alone (ISO), for scripts and checks; the lines before it
explain the count in the chosen language. The same function the case register uses.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date

from hall.calendar import DayUnit, OutsideCalendar, case_due
from hall.i18n import LANGUAGES, t


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


def register(sub: argparse._SubParsersAction) -> None:
    case = sub.add_parser("case", help="cases (辦件): time limits")
    case_sub = case.add_subparsers(dest="case_command", metavar="ACTION", required=True)
    due = case_sub.add_parser(
        "due", help="the due date of a limit counted from a day (the day itself not counted)"
    )
    due.add_argument(
        "--from", dest="start", type=_day, required=True, help="day of receipt (YYYY-MM-DD)"
    )
    limit = due.add_mutually_exclusive_group(required=True)
    limit.add_argument("--days", type=int, help="the limit in days")
    limit.add_argument("--item", help="take the promised limit and its unit from this item")
    due.add_argument(
        "--unit",
        choices=[u.value for u in DayUnit],
        default=None,
        help="working (default) or calendar days",
    )
    due.add_argument(
        "--materials-complete",
        type=_day,
        default=None,
        help="補辦件: the day the missing materials were complete",
    )
    due.add_argument(
        "--handed-over",
        type=_day,
        default=None,
        help="the day a hand-over between windows was registered",
    )
    due.add_argument("--config", default="config", help="config directory (default: config)")
    due.add_argument("--lang", choices=LANGUAGES, default=None)
    due.set_defaults(func=_due)


def _due(args: argparse.Namespace) -> int:
    from hall.conf.cli import load_or_exit

    config = load_or_exit(args.config)
    lang = args.lang or config.hall_file.hall.default_language
    days: int = args.days if args.days is not None else 0
    unit = DayUnit(args.unit or DayUnit.WORKING)
    if args.item is not None:
        item = config.item_by_code.get(args.item)
        if item is None:
            print(t("cases.unknown_item", lang, item=args.item), file=sys.stderr)
            return 2
        days = item.promised_days
        unit = DayUnit(args.unit or item.days_unit)
        print(
            t(
                "cases.item_limit",
                lang,
                item=item.code,
                days=days,
                unit=t(f"cases.unit_{unit.value}", lang),
                legal=item.legal_days,
            )
        )
    if days < 0:
        print("--days must be 0 or more", file=sys.stderr)
        return 2
    try:
        due = case_due(
            config.calendar,
            args.start,
            days,
            unit,
            materials_complete=args.materials_complete,
            handed_over=args.handed_over,
        )
    except OutsideCalendar as exc:
        print(t("cases.outside_calendar", lang, error=exc), file=sys.stderr)
        return 1
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    started = max(d for d in (args.start, args.materials_complete, args.handed_over) if d)
    print(t("cases.due_from", lang, day=started.isoformat()))
    print(t("cases.due_limit", lang, days=days, unit=t(f"cases.unit_{unit.value}", lang)))
    print(
        t(
            "cases.due_result",
            lang,
            day=due.isoformat(),
            weekday=t(f"cases.weekday.{due.isoweekday()}", lang),
        )
    )
    print(due.isoformat())
    return 0
