"""Figures of simulated days: waits, utilisation, queues, voids and wait-estimate errors.

The estimate error of a ticket is the estimate printed at issue minus the wait
it really had (issue to its first call), in minutes. Tickets never called (voided
at closing, or taken back by the applicant) have no real wait and are counted
apart, not in the error figures.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from simulation.run import DayRecord, SimResult, TicketRecord


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by linear interpolation between closest ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else math.nan


def errors(tickets: Iterable[TicketRecord], field: str = "estimate_min") -> list[float]:
    """Signed errors (estimate - real wait, minutes) of the tickets that were called."""
    out = []
    for t in tickets:
        wait = t.wait_min
        if wait is not None:
            out.append(getattr(t, field) - wait)
    return out


def error_figures(tickets: Sequence[TicketRecord]) -> dict[str, Any]:
    """MAE, p90 absolute error and bias of the engine's, the naive and the legacy estimate."""
    out: dict[str, Any] = {}
    for name, field in (
        ("estimate", "estimate_min"),
        ("naive", "naive_min"),
        ("naive_item", "naive_item_min"),
        ("legacy", "legacy_min"),
    ):
        errs = errors(tickets, field)
        absolute = [abs(e) for e in errs]
        out[f"{name}_mae_min"] = round(_mean(absolute), 2)
        out[f"{name}_p90_err_min"] = round(percentile(absolute, 90), 2)
        out[f"{name}_bias_min"] = round(_mean(errs), 2)
    ranged = [t for t in tickets if t.wait_min is not None and t.est_range]
    if ranged:
        inside = sum(1 for t in ranged if _inside(t))
        out["range_shown_share"] = round(len(ranged) / max(1, len(errors(tickets))), 3)
        out["range_coverage"] = round(inside / len(ranged), 3)
    return out


def _inside(t: TicketRecord) -> bool:
    wait = t.wait_min
    return t.est_range is not None and wait is not None and t.est_range[0] <= wait <= t.est_range[1]


def day_figures(day: DayRecord) -> dict[str, Any]:
    """The report of one day."""
    tickets = list(day.tickets.values())
    queues: dict[str, dict[str, Any]] = {}
    for prefix in sorted({t.prefix for t in tickets}):
        waits = [w for t in tickets if t.prefix == prefix and (w := t.wait_min) is not None]
        queues[prefix] = {
            "tickets": sum(1 for t in tickets if t.prefix == prefix),
            "mean_wait_min": round(_mean(waits), 1),
            "p90_wait_min": round(percentile(waits, 90), 1),
        }
    utilisation = {
        w: round(r.busy_s / r.open_s, 3) for w, r in sorted(day.windows.items()) if r.open_s > 0
    }
    voids: dict[str, int] = {}
    for t in tickets:
        if t.void_reason:
            voids[t.void_reason] = voids.get(t.void_reason, 0) + 1
    length, prefix, at = day.longest
    return {
        "day": day.day,
        "tickets": len(tickets),
        "served": sum(1 for t in tickets if t.status == "done"),
        "called": sum(1 for t in tickets if t.called_at is not None),
        "queues": queues,
        "window_utilisation_mean": round(_mean(list(utilisation.values())), 3),
        "window_utilisation_max": max(utilisation.values(), default=math.nan),
        "window_utilisation": utilisation,
        "longest_queue": {"prefix": prefix, "waiting": length, "at": at},
        "voided_day_end": voids.get("day_closed", 0),
        "voided_no_show": voids.get("no_show", 0),
        "commands": day.commands,
        "refused": dict(sorted(day.rejected.items())),
        **error_figures(tickets),
    }


def summary(result: SimResult, per_day: bool = True) -> dict[str, Any]:
    """The overall report of a run (and each day's when ``per_day``)."""
    tickets = [t for d in result.days for t in d.tickets.values()]
    days = [day_figures(d) for d in result.days]
    waits = [w for t in tickets if (w := t.wait_min) is not None]
    out: dict[str, Any] = {
        "seed": result.seed,
        "scale": result.scale,
        "days": len(result.days),
        "tickets": len(tickets),
        "called": len(waits),
        "mean_wait_min": round(_mean(waits), 1),
        "p90_wait_min": round(percentile(waits, 90), 1),
        "window_utilisation_mean": round(_mean([d["window_utilisation_mean"] for d in days]), 3),
        "longest_queue": max((d["longest_queue"]["waiting"] for d in days), default=0),
        "voided_day_end": sum(d["voided_day_end"] for d in days),
        **error_figures(tickets),
        "engine_us_per_cmd": round(result.engine_us_per_cmd, 1),
        "commands": result.engine_calls,
        "wall_s": round(result.wall_s, 2),
    }
    if per_day:
        out["per_day"] = days
    return out


def ticket_rows(result: SimResult) -> Iterable[dict[str, Any]]:
    """One row per ticket: the estimate error of each ticket, for a CSV."""
    for d in result.days:
        for t in d.tickets.values():
            wait = t.wait_min
            yield {
                "load": result.load,
                "day": t.day,
                "number": t.number,
                "item": t.item,
                "priority": t.priority,
                "ahead": t.ahead,
                "estimate_min": t.estimate_min,
                "shown_min": t.shown_min,
                "range": f"{t.est_range[0]:g}-{t.est_range[1]:g}" if t.est_range else "",
                "naive_min": round(t.naive_min, 1),
                "legacy_min": t.legacy_min,
                "wait_min": None if wait is None else round(wait, 2),
                "error_min": None if wait is None else round(t.estimate_min - wait, 2),
                "status": t.status,
                "void_reason": t.void_reason or "",
            }
