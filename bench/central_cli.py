"""``hall bench --central``: adds the many-hall figures to ``hall bench`` (issue 13).

Registered after ``bench.cli`` (entry point ``71-bench-central``): it adds ``--central`` to that
parser and runs the central bench instead when it is given; without it ``hall bench`` is
unchanged.
"""

from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction) -> None:
    bench = sub.choices.get("bench")
    if bench is None:
        return
    bench.add_argument(
        "--central",
        action="store_true",
        help="20 simulated halls bridged into one central collector",
    )
    bench.add_argument("--central-halls", type=int, default=20, help=argparse.SUPPRESS)
    plain = bench.get_default("func")

    def dispatch(args: argparse.Namespace) -> int:
        if not args.central:
            return int(plain(args) or 0)
        from bench.central_bench import report, run

        def progress(message: str) -> None:
            if not args.json:
                print(f"... {message}", file=sys.stderr, flush=True)

        seconds = min(args.seconds, 10.0)
        figures = run(args.config, args.central_halls, seconds, progress=progress)
        print(json.dumps(figures) if args.json else report(figures))
        return 0

    bench.set_defaults(func=dispatch)
