"""``hall simulate``: whole business days through the real queue engine, in seconds."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from typing import Any

FIGURES = (
    "tickets",
    "estimate_mae_min",
    "naive_mae_min",
    "estimate_p90_err_min",
    "naive_p90_err_min",
    "engine_us_per_cmd",
)


def register(sub: Any) -> None:
    p = sub.add_parser(
        "simulate",
        help="simulate business days through the real queue engine",
        description="Replays simulated business days (config/simulation.toml) through the "
        "real engine, state and rules on a simulated clock, and reports waits, window "
        "utilisation, queues, voids and the wait-estimate error.",
    )
    p.add_argument("--days", type=int, default=5, help="business days per load (default 5)")
    p.add_argument("--seed", type=int, default=1, help="random seed (same seed, same days)")
    p.add_argument("--scale", type=float, default=1.0, help="arrivals x SCALE (default 1)")
    p.add_argument(
        "--load", choices=("normal", "peak", "both"), default="both", help="default both"
    )
    p.add_argument("--config", default="config", help="hall config directory")
    p.add_argument("--params", default=None, help="model parameters (CONFIG/simulation.toml)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--per-day", action="store_true", help="include each day's report")
    p.add_argument("--csv", metavar="PATH", help="write one row per ticket (estimate error)")
    p.add_argument("--chart", metavar="PNG", help="write the estimated-vs-real-wait chart")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from hall.conf import load_config
    from simulation.params import load_params
    from simulation.report import summary, ticket_rows
    from simulation.run import simulate

    if args.days < 1:
        print("--days must be at least 1", file=sys.stderr)
        return 2
    config = load_config(args.config)
    params = load_params(args.params or Path(args.config) / "simulation.toml")
    if not 0 < args.scale <= params.scale.max:
        print(f"--scale must be in (0, {params.scale.max:g}]", file=sys.stderr)
        return 2
    loads = ("normal", "peak") if args.load == "both" else (args.load,)
    results = [simulate(config, params, args.days, args.seed, load, args.scale) for load in loads]
    report = {r.load: summary(r, per_day=args.per_day or not args.json) for r in results}
    if args.csv:
        rows = [row for r in results for row in ticket_rows(r)]
        with open(args.csv, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]) if rows else ["load"])
            writer.writeheader()
            writer.writerows(rows)
    if args.chart:
        from simulation.chart import estimate_chart

        estimate_chart(results, args.chart)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(_text(report))
    return 0


def _text(report: dict[str, dict[str, Any]]) -> str:
    lines = []
    for load, s in report.items():
        lines.append(
            f"{load} load, seed {s['seed']}, scale {s['scale']:g}: {s['days']} days, "
            f"{s['tickets']} tickets, {s['called']} called, mean wait {s['mean_wait_min']} min "
            f"(p90 {s['p90_wait_min']}), window utilisation {s['window_utilisation_mean']:.0%}, "
            f"longest queue {s['longest_queue']}, voided at day end {s['voided_day_end']}"
        )
        lines.append(
            f"  wait estimate error: MAE {s['estimate_mae_min']} min, p90 "
            f"{s['estimate_p90_err_min']} | naive MAE {s['naive_mae_min']}, p90 "
            f"{s['naive_p90_err_min']} | before MAE {s['legacy_mae_min']}, p90 "
            f"{s['legacy_p90_err_min']}"
        )
        lines.append(
            f"  engine {s['engine_us_per_cmd']} us per command ({s['commands']} commands, "
            f"{s['wall_s']} s wall)"
        )
        for d in s.get("per_day", []):
            worst = d["longest_queue"]
            queues = " ".join(
                f"{p}:{q['mean_wait_min']:.0f}/{q['p90_wait_min']:.0f}"
                for p, q in d["queues"].items()
            )
            lines.append(
                f"  {d['day']}: {d['tickets']} tickets, utilisation "
                f"{d['window_utilisation_mean']:.0%}, longest queue {worst['waiting']} "
                f"({worst['prefix']}), voided at end {d['voided_day_end']}, estimate MAE "
                f"{d['estimate_mae_min']} (naive {d['naive_mae_min']}); mean/p90 wait {queues}"
            )
    return "\n".join(lines)
