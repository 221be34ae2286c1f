"""Make one report: read the log, compute, write CSV files, charts and an HTML page.

``build_report`` writes into ``out_dir`` (created): ``report.html``, ``*.csv`` (UTF-8 with a
BOM so spreadsheet programs show Chinese names) and ``charts/*.png``.
"""

from __future__ import annotations

import csv
import html
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from hall.conf import HallConfig
from hall.i18n import t
from reports import charts
from reports.domains import cases_from_events, complaints_from_events, ratings_from_events
from reports.fold import fold
from reports.log import Event, connect, events
from reports.records import (
    CASE_KINDS,
    CaseRow,
    ComplaintRow,
    RatingRow,
    summarise_cases,
    summarise_complaints,
    summarise_ratings,
)
from reports.stats import Dist, Group, Stats, compute


class _FromLog:
    """Default of :func:`build_report`'s domain rows: read them from the period's events."""


FROM_LOG = _FromLog()


@dataclass
class Report:
    out_dir: Path
    html: Path
    stats: Stats
    events: int
    csv: dict[str, Path] = field(default_factory=dict)
    charts: dict[str, Path] = field(default_factory=dict)


def _num(value: float | None, digits: int = 2) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _dist_cells(d: Dist) -> list[Any]:
    return [d.n, _num(d.mean), _num(d.p90)]


class _Names:
    def __init__(self, config: HallConfig, lang: str):
        self.config, self.lang = config, lang

    def window(self, key: str) -> str:
        w = self.config.window_by_id.get(key)
        return w.name.get(self.lang) if w else key

    def item(self, key: str) -> str:
        i = self.config.item_by_code.get(key)
        return i.name.get(self.lang) if i else key

    def window_label(self, key: str) -> str:
        return f"{key} {self.window(key)}"


def build_report(
    config: HallConfig,
    db_path: str | Path,
    first: date,
    last: date,
    out_dir: str | Path,
    *,
    title: str,
    lang: str | None = None,
    cases: Sequence[CaseRow] | _FromLog | None = FROM_LOG,
    ratings: Sequence[RatingRow] | _FromLog | None = FROM_LOG,
    complaints: Sequence[ComplaintRow] | _FromLog | None = FROM_LOG,
    now: datetime | None = None,
    source: Callable[[date, date], Iterable[Event]] | None = None,
) -> Report:
    """The report of business days ``first``..``last``.

    ``cases``, ``ratings`` and ``complaints`` are read from the same events (the register's,
    the rating pads' and the complaints desk's) unless given; ``None`` means the hall keeps no
    such records and the report says "no records yet". ``source`` reads the events from
    elsewhere than the SQLite log ``db_path`` (the central record of many halls).
    """
    lang = lang or config.hall_file.hall.default_language
    out = Path(out_dir)
    (out / "charts").mkdir(parents=True, exist_ok=True)
    if source is not None:  # another record of the same events (reports.central_source)
        evs = list(source(first, last))
    else:
        db = connect(db_path)
        try:
            evs = list(events(db, first, last))
        finally:
            db.close()
    if isinstance(cases, _FromLog):
        cases = cases_from_events(evs, config.calendar, first, last)
    if isinstance(ratings, _FromLog):
        ratings = ratings_from_events(evs)
    if isinstance(complaints, _FromLog):
        complaints = complaints_from_events(evs)
    stats = compute(fold(evs).values(), first, last, config.tz)
    report = Report(out, out / "report.html", stats, len(evs))
    names = _Names(config, lang)
    _csvs(report, config, names, cases, ratings, complaints)
    _charts(report, config, names, lang)
    made = (now or datetime.now(config.tz)).strftime("%Y-%m-%d %H:%M")
    page = _html(report, config, names, lang, title, made, cases, ratings, complaints)
    report.html.write_text(page, encoding="utf-8")
    return report


# -------------------------------------------------------------------------------- CSV


def _csvs(
    r: Report,
    config: HallConfig,
    names: _Names,
    cases: Sequence[CaseRow] | None,
    ratings: Sequence[RatingRow] | None,
    complaints: Sequence[ComplaintRow] | None,
) -> None:
    s = r.stats
    cal = config.calendar
    summary = [
        ("first_day", s.first.isoformat()),
        ("last_day", s.last.isoformat()),
        ("working_days", cal.working_days_between(s.first, s.last)),
        ("tickets_issued", s.tickets),
        ("tickets_served", s.served),
        ("still_waiting", s.waiting_left),
        ("no_shows", s.no_shows),
        ("unanswered_calls", s.skips),
        ("voided", s.voided_total),
        ("voided_no_show", s.voided.get("no_show", 0)),
        ("voided_day_closed", s.voided.get("day_closed", 0)),
        ("reprints", s.reprints),
        ("print_failures", s.print_failures),
        ("transfers", s.transfers),
        ("recalls", s.recalls),
        ("wait_n", s.wait.n),
        ("wait_avg_min", _num(s.wait.mean)),
        ("wait_p90_min", _num(s.wait.p90)),
        ("service_n", s.service.n),
        ("service_avg_min", _num(s.service.mean)),
        ("service_p90_min", _num(s.service.p90)),
    ]
    r.csv["summary"] = _write_csv(r.out_dir / "summary.csv", ("metric", "value"), summary)
    head = [
        "issued",
        "called",
        "served",
        "no_shows",
        "unanswered_calls",
        "wait_n",
        "wait_avg_min",
        "wait_p90_min",
        "service_n",
        "service_avg_min",
        "service_p90_min",
    ]

    def group_cells(g: Group) -> list[Any]:
        return [
            g.issued,
            g.called,
            g.served,
            g.no_shows,
            g.skips,
            *_dist_cells(g.wait),
            *_dist_cells(g.service),
        ]

    r.csv["by_window"] = _write_csv(
        r.out_dir / "by_window.csv",
        ["window", "name", *head[1:]],  # tickets are issued for items, not windows
        ([g.key, names.window(g.key), *group_cells(g)[1:]] for g in s.by_window),
    )
    r.csv["by_item"] = _write_csv(
        r.out_dir / "by_item.csv",
        ["item", "name", *head],
        ([g.key, names.item(g.key), *group_cells(g)] for g in s.by_item),
    )
    r.csv["by_hour"] = _write_csv(
        r.out_dir / "by_hour.csv",
        ["hour", "issued", "served"],
        ([h, v[0], v[1]] for h, v in s.by_hour.items()),
    )
    r.csv["by_day"] = _write_csv(
        r.out_dir / "by_day.csv",
        ["day", "working_day", "issued", "served"],
        ([d.isoformat(), int(cal.is_working_day(d)), v[0], v[1]] for d, v in s.by_day.items()),
    )
    if s.first != s.last:
        weekdays, hours, grid = _busy_grid(s, config)
        r.csv["busy_hours"] = _write_csv(
            r.out_dir / "busy_hours.csv",
            ["weekday", "hour", "avg_issued"],
            ([w, h, _num(grid[i][j])] for i, w in enumerate(weekdays) for j, h in enumerate(hours)),
        )
    r.csv["outcomes"] = _write_csv(
        r.out_dir / "outcomes.csv",
        ["kind", "count"],
        ([k, s.outcomes.get(k, 0)] for k in CASE_KINDS),
    )
    if cases is not None:
        cs = summarise_cases(cases)
        r.csv["cases"] = _write_csv(
            r.out_dir / "cases.csv",
            ["metric", "value"],
            [
                ("cases", cs.total),
                *((f"kind_{k}", cs.by_kind.get(k, 0)) for k in CASE_KINDS),
                ("closed", cs.closed),
                ("on_time", cs.on_time),
                ("overdue", cs.overdue),
                ("open_in_time", cs.open_in_time),
                ("on_time_rate", _num(cs.on_time_rate, 4)),
            ],
        )
    if ratings is not None:
        rs = summarise_ratings(ratings)
        r.csv["ratings"] = _write_csv(
            r.out_dir / "ratings.csv",
            ["window", "ratings", "mean_score"],
            ([w, n, _num(m)] for w, (n, m) in rs.by_window.items()),
        )
    if complaints is not None:
        cps = summarise_complaints(complaints)
        r.csv["complaints"] = _write_csv(
            r.out_dir / "complaints.csv",
            ["metric", "value"],
            [("complaints", cps.count), ("upheld", cps.upheld)],
        )


# ----------------------------------------------------------------------------- charts


def _charts(r: Report, config: HallConfig, names: _Names, lang: str) -> None:
    s = r.stats
    d = r.out_dir / "charts"

    def lb(key: str) -> charts.Labels:
        return charts.Labels(
            title=t(f"reports.{key}", lang),
            issued=t("reports.issued", lang),
            served=t("reports.served", lang),
            empty=t("reports.empty", lang),
            minutes=t("reports.minutes", lang),
            mean=t("reports.mean", lang),
            p90=t("reports.p90", lang),
        )

    if s.first == s.last:
        r.charts["hourly"] = charts.hourly(s.by_hour, lb("chart_hourly"), d / "hourly.png")
    else:
        working = {day: config.calendar.is_working_day(day) for day in s.by_day}
        r.charts["daily"] = charts.daily(s.by_day, working, lb("chart_daily"), d / "daily.png")
        r.charts["busy_hours"] = _busy_hours(s, config, lang, lb("chart_busy_hours"), d)
    fate = [
        (t("reports.fate_served", lang), s.served, charts.TEAL),
        (t("reports.fate_no_show", lang), s.voided.get("no_show", 0), charts.RED),
        (t("reports.fate_day_closed", lang), s.voided.get("day_closed", 0), charts.AMBER),
        (t("reports.fate_waiting", lang), s.waiting_left, charts.GREY),
    ]
    r.charts["fate"] = charts.shares(fate, str(s.tickets), lb("chart_fate"), d / "fate.png")
    windows = [g for g in s.by_window if g.wait.n]
    r.charts["wait_window"] = charts.durations(
        [names.window_label(g.key) for g in windows],
        [g.wait.mean for g in windows],
        [g.wait.p90 for g in windows],
        lb("chart_wait_window"),
        d / "wait_window.png",
        colour=charts.BLUE,
    )
    busiest = sorted((g for g in s.by_item if g.service.n), key=lambda g: -g.service.n)[:15]
    items = sorted(busiest, key=lambda g: -(g.service.mean or 0.0))
    r.charts["service_item"] = charts.durations(
        [names.item(g.key) for g in items],
        [g.service.mean for g in items],
        [g.service.p90 for g in items],
        lb("chart_service_item"),
        d / "service_item.png",
        colour=charts.TEAL,
    )
    kinds = [
        (t(f"cases.kind.{k}", lang), s.outcomes.get(k, 0), charts.KIND_COLOURS[k])
        for k in CASE_KINDS
    ]
    r.charts["outcomes"] = charts.shares(
        kinds, str(sum(s.outcomes.values())), lb("chart_outcomes"), d / "outcomes.png"
    )


def _busy_grid(s: Stats, config: HallConfig) -> tuple[list[int], list[int], list[list[float]]]:
    """Average tickets issued per hour on each weekday the hall worked in the period:
    (ISO weekdays, hours, grid[weekday][hour])."""
    worked: Counter[int] = Counter(
        day.isoweekday() for day in s.by_day if config.calendar.is_working_day(day)
    )
    weekdays = sorted(worked)
    seen = sorted({h for _w, h in s.arrivals})
    hours = list(range(seen[0], seen[-1] + 1)) if seen else []
    grid = [[s.arrivals.get((w, h), 0) / worked[w] for h in hours] for w in weekdays]
    return weekdays, hours, grid


def _busy_hours(
    s: Stats, config: HallConfig, lang: str, labels: charts.Labels, folder: Path
) -> Path:
    weekdays, hours, grid = _busy_grid(s, config)
    return charts.heatmap(
        [t(f"cases.weekday.{w}", lang) for w in weekdays],
        [f"{h:02d}:00" for h in hours],
        grid,
        labels,
        folder / "busy_hours.png",
    )


# ------------------------------------------------------------------------------- HTML

_CSS = """
body{font-family:"WenQuanYi Micro Hei","Noto Sans CJK TC","Microsoft JhengHei",sans-serif;
margin:0;background:#f5f7fa;color:#1f2933}
header{background:#1f4e79;color:#fff;padding:24px 40px}
header h1{margin:0 0 6px;font-size:28px}header p{margin:0;opacity:.85}
main{max-width:1180px;margin:0 auto;padding:24px 40px 60px}
h2{font-size:20px;margin:36px 0 12px;border-left:5px solid #2f6fb0;padding-left:10px}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:14px}
.tile{background:#fff;border-radius:10px;padding:16px 18px;box-shadow:0 1px 3px #0001}
.tile .v{font-size:30px;font-weight:bold;margin-top:4px}.tile .k{color:#52606d;font-size:14px}
.tile .n{color:#7b8794;font-size:13px;margin-top:4px}.tile.good .v{color:#2a9d8f}
.tile.warn .v{color:#d1495b}
.charts{display:grid;grid-template-columns:1fr;gap:16px}
.card{background:#fff;border-radius:10px;padding:12px;box-shadow:0 1px 3px #0001}
.card img{max-width:100%;display:block;margin:auto}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:16px}
table{border-collapse:collapse;width:100%;background:#fff;border-radius:10px;overflow:hidden;
box-shadow:0 1px 3px #0001;font-size:14px}
th{background:#e8eef5;text-align:left;padding:8px 10px;font-weight:600}
td{padding:7px 10px;border-top:1px solid #eef1f4}td.n{text-align:right;
font-variant-numeric:tabular-nums}
.none{background:#fff;border-radius:10px;padding:18px;color:#7b8794;box-shadow:0 1px 3px #0001}
.files a{margin-right:14px}
"""


def _e(text: object) -> str:
    return html.escape(str(text))


def _tile(key: str, value: str, note: str = "", tone: str = "") -> str:
    note_html = f'<div class="n">{_e(note)}</div>' if note else ""
    return (
        f'<div class="tile {tone}"><div class="k">{_e(key)}</div>'
        f'<div class="v">{_e(value)}</div>{note_html}</div>'
    )


def _minutes(value: float | None, lang: str) -> str:
    return "—" if value is None else t("reports.min_value", lang, value=f"{value:.1f}")


def _img(r: Report, key: str) -> str:
    path = r.charts.get(key)
    if path is None:
        return ""
    rel = path.relative_to(r.out_dir).as_posix()
    return f'<div class="card"><img src="{_e(rel)}" alt="{_e(key)}"></div>'


def _table(head: Sequence[str], rows: Iterable[Sequence[object]], numeric_from: int) -> str:
    out = ["<table><tr>", *(f"<th>{_e(h)}</th>" for h in head), "</tr>"]
    for row in rows:
        out.append("<tr>")
        for i, cell in enumerate(row):
            cls = ' class="n"' if i >= numeric_from else ""
            out.append(f"<td{cls}>{_e(cell)}</td>")
        out.append("</tr>")
    out.append("</table>")
    return "".join(out)


def _f1(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _html(
    r: Report,
    config: HallConfig,
    names: _Names,
    lang: str,
    title: str,
    made: str,
    cases: Sequence[CaseRow] | None,
    ratings: Sequence[RatingRow] | None,
    complaints: Sequence[ComplaintRow] | None,
) -> str:
    s = r.stats
    tr = lambda key, **kw: t(f"reports.{key}", lang, **kw)  # noqa: E731
    hall_name = config.hall_file.hall.name.get(lang)
    wdays = config.calendar.working_days_between(s.first, s.last)
    period = (
        s.first.isoformat()
        if s.first == s.last
        else tr("period", first=s.first.isoformat(), last=s.last.isoformat())
    )
    rate = f"{s.served / s.tickets:.0%}" if s.tickets else "—"
    tiles = [
        _tile(
            tr("issued"),
            str(s.tickets),
            tr("per_working_day", n=f"{s.tickets / wdays:.0f}") if wdays > 1 else "",
        ),
        _tile(tr("served"), str(s.served), tr("served_rate", rate=rate), "good"),
        _tile(tr("wait_avg"), _minutes(s.wait.mean, lang)),
        _tile(tr("wait_p90"), _minutes(s.wait.p90, lang)),
        _tile(tr("service_avg"), _minutes(s.service.mean, lang)),
        _tile(tr("service_p90"), _minutes(s.service.p90, lang)),
        _tile(
            tr("no_shows"),
            str(s.no_shows),
            tr("no_shows_note", skips=s.skips),
            "warn" if s.no_shows else "",
        ),
        _tile(tr("voided"), str(s.voided_total)),
        _tile(tr("reprints"), str(s.reprints), tr("reprints_note", failures=s.print_failures)),
        _tile(tr("transfers"), str(s.transfers)),
    ]
    head = [
        tr("col_issued"),
        tr("col_called"),
        tr("col_served"),
        tr("col_no_shows"),
        tr("col_wait_avg"),
        tr("col_wait_p90"),
        tr("col_service_avg"),
        tr("col_service_p90"),
    ]

    def cells(g: Group) -> list[object]:
        return [
            g.issued,
            g.called,
            g.served,
            g.no_shows,
            _f1(g.wait.mean),
            _f1(g.wait.p90),
            _f1(g.service.mean),
            _f1(g.service.p90),
        ]

    window_rows = [[names.window_label(g.key), *cells(g)[1:]] for g in s.by_window]
    item_rows = [[f"{g.key} {names.item(g.key)}", *cells(g)] for g in s.by_item]
    trend = "hourly" if s.first == s.last else "daily"
    none = f'<div class="none">{_e(tr("no_records"))}</div>'

    if cases is None:
        cases_html = none
    else:
        cs = summarise_cases(cases)
        on_time = "—" if cs.on_time_rate is None else f"{cs.on_time_rate:.1%}"
        cases_html = (
            '<div class="tiles">'
            + "".join(
                [
                    _tile(tr("cases_total"), str(cs.total)),
                    _tile(tr("cases_on_time_rate"), on_time, "", "good"),
                    _tile(tr("cases_overdue"), str(cs.overdue), "", "warn" if cs.overdue else ""),
                    _tile(tr("cases_open"), str(cs.open_in_time)),
                ]
            )
            + "</div><p></p>"
            + _table(
                [tr("col_kind"), tr("col_count")],
                [[t(f"cases.kind.{k}", lang), cs.by_kind.get(k, 0)] for k in CASE_KINDS],
                1,
            )
        )
    if ratings is None:
        ratings_html = none
    else:
        rs = summarise_ratings(ratings)
        sat = "—" if rs.satisfied_rate is None else f"{rs.satisfied_rate:.0%}"
        ratings_html = (
            '<div class="tiles">'
            + "".join(
                [
                    _tile(tr("ratings_count"), str(rs.count)),
                    _tile(tr("ratings_mean"), _f1(rs.mean)),
                    _tile(tr("ratings_satisfied"), sat, "", "good"),
                ]
            )
            + "</div><p></p>"
            + _table(
                [tr("col_window"), tr("ratings_count"), tr("col_score")],
                [[names.window_label(w), n, f"{m:.2f}"] for w, (n, m) in rs.by_window.items()],
                1,
            )
        )
    if complaints is None:
        complaints_html = none
    else:
        cps = summarise_complaints(complaints)
        complaints_html = (
            '<div class="tiles">'
            + "".join(
                [
                    _tile(
                        tr("complaints_count"),
                        str(cps.count),
                        tr("zero_complaints") if cps.count == 0 else "",
                        "good" if cps.count == 0 else "warn",
                    ),
                    _tile(tr("complaints_upheld"), str(cps.upheld)),
                ]
            )
            + "</div>"
        )
    files = " ".join(f'<a href="{_e(p.name)}">{_e(p.name)}</a>' for p in r.csv.values())
    return f"""<!DOCTYPE html>
<html lang="{_e(lang)}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(hall_name)} · {_e(title)}</title><style>{_CSS}</style></head>
<body><header><h1>{_e(title)}</h1>
<p>{_e(hall_name)} · {_e(period)} · {_e(tr("working_days", n=wdays))}</p></header>
<main>
<h2>{_e(tr("section_queue"))}</h2>
<div class="tiles">{"".join(tiles)}</div>
<p></p>
<div class="charts">{_img(r, trend)}{_img(r, "busy_hours")}
<div class="pair">{_img(r, "fate")}{_img(r, "outcomes")}</div></div>
<h2>{_e(tr("section_windows"))}</h2>
<div class="charts">{_img(r, "wait_window")}</div><p></p>
{_table([tr("col_window"), *head[1:]], window_rows, 1)}
<h2>{_e(tr("section_items"))}</h2>
<div class="charts">{_img(r, "service_item")}</div><p></p>
{_table([tr("col_item"), *head], item_rows, 1)}
<h2>{_e(tr("section_cases"))}</h2>
{cases_html}
<h2>{_e(tr("section_ratings"))}</h2>
{ratings_html}
<h2>{_e(tr("section_complaints"))}</h2>
{complaints_html}
<h2>{_e(tr("section_data"))}</h2>
<p class="files">{files}</p>
<p style="color:#7b8794">{_e(tr("generated", at=made, events=r.events))}</p>
</main></body></html>
"""
