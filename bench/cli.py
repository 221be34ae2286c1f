"""``hall bench``: print the queue service's figures against the raw broker."""

from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction) -> None:
    bench = sub.add_parser("bench", help="measure the queue service against the raw broker")
    bench.add_argument("--config", default="config")
    bench.add_argument("--json", action="store_true", help="print one JSON object")
    bench.add_argument("--samples", type=int, default=1000, help="round trips per latency figure")
    bench.add_argument("--calls", type=int, default=500, help="call_next samples")
    bench.add_argument("--seconds", type=float, default=5.0, help="throughput run length")
    bench.add_argument("--tickets", type=int, default=5000, help="tickets in the day for RSS")
    bench.add_argument(
        "--display-samples",
        type=int,
        default=None,
        help="window-terminal presses timed to the display and voice (default: calls / 2; 0 skips)",
    )
    bench.add_argument(
        "--kiosk-tickets",
        type=int,
        default=40,
        help="tickets tapped through the real kiosk GUI under Xvfb (0 skips)",
    )
    bench.add_argument("--no-scan", action="store_true", help="skip the harsh scan set")
    bench.set_defaults(func=_bench)


def _bench(args: argparse.Namespace) -> int:
    from bench.hall_bench import report, run

    def progress(message: str) -> None:
        if not args.json:
            print(f"... {message}", file=sys.stderr, flush=True)

    figures = run(args.config, args.samples, args.calls, args.seconds, args.tickets, progress)
    display_samples = args.calls // 2 if args.display_samples is None else args.display_samples
    lines = []
    if display_samples > 0:
        from bench.display_bench import display_figures, report_lines

        progress("window terminal -> lobby display and voice, 36-window burst")
        shown = display_figures(display_samples, args.config)
        figures.update(shown)
        lines = report_lines(shown)
    if args.kiosk_tickets > 0:
        from bench.kiosk_bench import run_kiosk_bench

        progress("kiosk: taps through the real GUI to the printer simulator")
        kiosk = run_kiosk_bench(args.config, args.kiosk_tickets, progress)
        figures.update(kiosk)
        lines += [
            f"kiosk touch -> print job p99   {kiosk['kiosk_touch_to_print_p99_ms']:8.1f} ms"
            "  (target <= 300)",
            f"kiosk cold start              {kiosk['kiosk_cold_start_s']:8.2f} s   (target <= 3)",
            f"kiosk RSS                     {kiosk['kiosk_rss_mb']:8.1f} MB  (target <= 200)",
            f"kiosk longest GC pause        {kiosk['kiosk_gc_pause_max_ms']:8.1f} ms"
            f"  ({kiosk['kiosk_gc_full_collections']} full collections)",
        ]
    if not args.no_scan:
        from bench.scan_bench import harsh_read_figures

        progress("scanner: the harsh fixture set, full ladder")
        try:
            harsh = harsh_read_figures()
        except FileNotFoundError as exc:
            print(f"hall bench: {exc}", file=sys.stderr)
            return 2
        figures["scan_harsh_read"] = f"{harsh['read']}/{harsh['frames']}"
        figures["scan_harsh_wrong"] = harsh["wrong"]
        lines.append(
            f"scanner harsh set read        {figures['scan_harsh_read']:>8}"
            f"  ({harsh['wrong']} wrong; target >= 78/80, 0 wrong)"
        )
    print(json.dumps(figures) if args.json else "\n".join([report(figures), *lines]))
    return 0
