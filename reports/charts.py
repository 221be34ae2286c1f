"""Charts of a report as PNG files (matplotlib's object API, no pyplot; the hall's CJK font).

Every function takes the computed figures and already translated labels, draws one chart and
writes it; nothing here reads the log or the config.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import matplotlib
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from hall.fonts import FontNotFound, cjk_font

INK = "#1f2933"
MUTED = "#7b8794"
GRID = "#e4e7eb"
BLUE = "#2f6fb0"
TEAL = "#2a9d8f"
AMBER = "#e9a23b"
RED = "#d1495b"
GREY = "#c3c9d0"
KIND_COLOURS = {
    "immediate": "#2a9d8f",
    "promised": "#2f6fb0",
    "joint": "#8e6cc0",
    "reply": "#e9a23b",
    "supplement": "#d1495b",
}
DPI = 110


@cache
def _font_family() -> list[str]:
    """Register the hall's CJK face with matplotlib; its family name first, then a fallback."""
    try:
        face = cjk_font()
    except FontNotFound:
        return ["DejaVu Sans"]
    font_manager.fontManager.addfont(str(face.path))
    name = font_manager.FontProperties(fname=str(face.path)).get_name()
    return [name, "DejaVu Sans"]


def _style() -> None:
    matplotlib.rcParams.update(
        {
            "font.family": _font_family(),
            "font.size": 11,
            "axes.edgecolor": GRID,
            "axes.labelcolor": INK,
            "axes.titlesize": 14,
            "axes.titleweight": "normal",
            "axes.titlecolor": INK,
            "axes.titlelocation": "left",
            "axes.titlepad": 14,
            "xtick.color": MUTED,
            "ytick.color": INK,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.unicode_minus": False,
            "legend.frameon": False,
            "figure.facecolor": "white",
        }
    )


def _figure(width: float, height: float) -> tuple[Figure, Axes]:
    _style()
    fig = Figure(figsize=(width, height), dpi=DPI)
    return fig, fig.subplots()


def _save(fig: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI, facecolor="white")
    return path


def _short(text: str, n: int = 16) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _legend_on_top(ax: Axes) -> None:
    """The legend above the plot, right-aligned on the title's line: it never covers data."""
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=3, borderaxespad=0.2)


def _empty(ax: Axes, message: str) -> None:
    ax.axis("off")
    ax.text(
        0.5,
        0.5,
        message,
        ha="center",
        va="center",
        color=MUTED,
        fontsize=13,
        transform=ax.transAxes,
    )


# ---------------------------------------------------------------------------------- charts


@dataclass(frozen=True)
class Labels:
    """Translated words the charts need."""

    title: str
    issued: str
    served: str
    empty: str
    minutes: str = ""
    mean: str = ""
    p90: str = ""


def hourly(by_hour: dict[int, tuple[int, int]], lb: Labels, path: Path) -> Path:
    """Tickets issued and served per hour of the day: when the hall is busy."""
    fig, ax = _figure(10, 4.2)
    ax.set_title(lb.title)
    if not by_hour:
        _empty(ax, lb.empty)
        return _save(fig, path)
    hours = list(range(min(by_hour), max(by_hour) + 1))
    issued = [by_hour.get(h, (0, 0))[0] for h in hours]
    served = [by_hour.get(h, (0, 0))[1] for h in hours]
    x = range(len(hours))
    ax.bar([i - 0.2 for i in x], issued, width=0.4, color=BLUE, label=lb.issued)
    ax.bar([i + 0.2 for i in x], served, width=0.4, color=TEAL, label=lb.served)
    ax.set_xticks(list(x), [f"{h:02d}:00" for h in hours])
    ax.yaxis.grid(True, color=GRID)
    ax.set_axisbelow(True)
    _legend_on_top(ax)
    return _save(fig, path)


def daily(
    by_day: dict[date, tuple[int, int]],
    working: dict[date, bool],
    lb: Labels,
    path: Path,
) -> Path:
    """Issued (bars) and served (line) per day of a month; days off are shaded."""
    fig, ax = _figure(11, 4.4)
    ax.set_title(lb.title)
    days = sorted(by_day)
    if not days or not any(v[0] for v in by_day.values()):
        _empty(ax, lb.empty)
        return _save(fig, path)
    x = list(range(len(days)))
    for i, d in enumerate(days):
        if not working.get(d, True):
            ax.axvspan(i - 0.5, i + 0.5, color="#f2f4f6", zorder=0)
    ax.bar(x, [by_day[d][0] for d in days], color=BLUE, width=0.7, label=lb.issued, zorder=2)
    ax.plot(
        x,
        [by_day[d][1] if working.get(d, True) else math.nan for d in days],
        color=TEAL,
        marker="o",
        markersize=4,
        linewidth=2,
        label=lb.served,
        zorder=3,
    )
    ax.set_xticks(x, [str(d.day) for d in days])
    ax.set_xlim(-0.6, len(days) - 0.4)
    ax.yaxis.grid(True, color=GRID)
    ax.set_axisbelow(True)
    _legend_on_top(ax)
    return _save(fig, path)


def durations(
    names: Sequence[str],
    means: Sequence[float | None],
    p90s: Sequence[float | None],
    lb: Labels,
    path: Path,
    colour: str = BLUE,
) -> Path:
    """Horizontal bars of mean minutes with the 90th percentile as a marker, per window/item."""
    rows = [(n, m, p) for n, m, p in zip(names, means, p90s, strict=True) if m is not None]
    height = 1.4 + 0.42 * max(1, len(rows))
    fig, ax = _figure(10, min(height, 14))
    ax.set_title(lb.title)
    if not rows:
        _empty(ax, lb.empty)
        return _save(fig, path)
    rows.reverse()  # first row on top
    y = list(range(len(rows)))
    means_v = [r[1] or 0.0 for r in rows]
    p90_v = [r[2] or 0.0 for r in rows]
    ax.barh(y, means_v, color=colour, height=0.6, label=lb.mean)
    ax.scatter(p90_v, y, marker="|", s=380, linewidths=3, color=INK, label=lb.p90, zorder=3)
    for yi, m, p in zip(y, means_v, p90_v, strict=True):
        ax.text(
            max(m, p), yi, f"   {m:.1f} · {p:.1f}", va="center", ha="left", color=INK, fontsize=9
        )
    ax.set_yticks(y, [_short(r[0], 34) for r in rows])
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.set_xlabel(lb.minutes, color=MUTED)
    ax.xaxis.grid(True, color=GRID)
    ax.set_axisbelow(True)
    ax.set_xlim(0, max(max(p90_v), max(means_v)) * 1.22 + 0.1)
    _legend_on_top(ax)
    return _save(fig, path)


def shares(parts: Sequence[tuple[str, int, str]], centre: str, lb: Labels, path: Path) -> Path:
    """A donut of counts (label, count, colour) with a figure in the middle."""
    fig, ax = _figure(6.4, 4.0)
    ax.set_title(lb.title)
    parts = [p for p in parts if p[1] > 0]
    if not parts:
        _empty(ax, lb.empty)
        return _save(fig, path)
    total = sum(p[1] for p in parts)
    wedges, _ = ax.pie(
        [p[1] for p in parts],
        colors=[p[2] for p in parts],
        startangle=90,
        counterclock=False,
        wedgeprops={"width": 0.38, "edgecolor": "white", "linewidth": 2},
    )
    ax.text(0, 0, centre, ha="center", va="center", fontsize=22, color=INK)
    ax.legend(
        wedges,
        [f"{p[0]}  {p[1]}  ({p[1] / total:.0%})" for p in parts],
        loc="center left",
        bbox_to_anchor=(1.0, 0.5),
        fontsize=12,
    )
    ax.set_aspect("equal")
    return _save(fig, path)


def heatmap(
    rows: Sequence[str],
    columns: Sequence[str],
    values: Sequence[Sequence[float]],
    lb: Labels,
    path: Path,
) -> Path:
    """A grid of averages (e.g. tickets per hour on each weekday), darker is busier."""
    fig, ax = _figure(11, 1.6 + 0.55 * max(1, len(rows)))
    ax.set_title(lb.title)
    if not rows or not any(v for row in values for v in row):
        _empty(ax, lb.empty)
        return _save(fig, path)
    top = max(v for row in values for v in row)
    ax.imshow(values, cmap="Blues", aspect="auto", vmin=0, vmax=top)
    for i, row in enumerate(values):
        for j, v in enumerate(row):
            if v:
                colour = "white" if v > top * 0.6 else INK
                ax.text(j, i, f"{v:.1f}", ha="center", va="center", fontsize=9, color=colour)
    ax.set_xticks(range(len(columns)), columns)
    ax.set_yticks(range(len(rows)), rows)
    ax.tick_params(length=0)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    return _save(fig, path)
