"""Kiosk figures for ``hall bench``: touch-to-print latency, cold start, memory.

The real kiosk app runs in its own process (under Xvfb when there is no screen)
against a throw-away hall (Mosquitto + the queue service process) and the printer
simulator, and is driven with real touches through :class:`ui.driver.AppDriver`:

- ``kiosk_touch_to_print_p99_ms``: from the touch on "take a number" to the print
  job handed to the printer (measured inside the app), service on loopback;
- ``kiosk_cold_start_s``: from starting the process to the Home screen built and
  the event loop answering;
- ``kiosk_rss_mb``: the app's resident memory after the run (after a collection and a
  heap trim, as the idle kiosk does; ``kiosk_rss_before_trim_mb`` before). Under Xvfb the
  software renderer's frame buffers and textures count as process memory. Besides
  RSS, ``kiosk_pss_mb`` (shared pages divided among the processes that map them) and
  ``kiosk_uss_mb`` (pages of this process alone) at the same moment, for comparison;
- ``kiosk_gc_pause_max_ms``, ``kiosk_gc_full_collections``: the longest a cyclic
  collection held the kiosk's main thread during the run, and how many full ones ran
  (:class:`ui.memory.GcPauses`);
- ``ui_sample_cold_start_s``: the bare ``ui.sample`` app started the same way (baseline).

The tickets alternate between the two ways an applicant finds an item: Home → search
(keypad) → Confirm → Issued, and Home → by department → Choose (paging to the
department and to the item) → Confirm → Issued; each ends with "done" (back Home).

``python -m bench.kiosk_bench [--config config] [--tickets 40] [--breakdown]`` prints
them as JSON; ``--breakdown`` adds ``kiosk_memory`` (``/proc/<pid>/smaps`` grouped by
mapping, :mod:`bench.smaps`, taken right after the RSS figure).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hall.conf import load_config


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def _tap_paged(app: Any, target: str) -> None:
    """Tap ``target`` on a paged list, paging forward ("next") until it shows."""
    from ui.driver import DriverError

    for _ in range(50):
        try:
            app.tap(target)
            return
        except DriverError as exc:
            if "no widget" not in str(exc):
                raise
        app.tap("next")  # raises when there is no next page
    raise DriverError(f"{target} not found on any page")


def run_kiosk_bench(
    config_dir: str = "config",
    tickets: int = 40,
    progress: Callable[[str], None] | None = None,
    breakdown: bool = False,
) -> dict[str, Any]:
    """Run the kiosk against a fresh hall; return the figures (see the module docstring)."""
    from bench.hall_bench import BenchHall
    from devices.printer import get_profile
    from devices.printer.simulator import PrinterSimulator
    from ui.driver import AppDriver, python_module
    from ui.xvfb import Xvfb

    say = progress or (lambda _m: None)
    config = load_config(config_dir)
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as scratch:
        directory = Path(scratch)
        hall = BenchHall(config, directory)
        xvfb: Xvfb | None = None
        simulator = PrinterSimulator(get_profile(None), out_dir=directory / "tickets", port=0)
        app: AppDriver | None = None
        try:
            say("starting a hall and the printer simulator")
            hall.start()
            simulator.start()
            display = os.environ.get("DISPLAY")
            if not display or os.environ.get("HALL_BENCH_XVFB", "1") == "1":
                xvfb = Xvfb()
                display = xvfb.display
            say("baseline: the bare ui sample app")
            sample = AppDriver(
                python_module("ui.sample"),
                display,
                env={"KIVY_HOME": str(directory / "kivy")},
                start_timeout=60,
            )
            try:
                sample.request("ping")
                sample_start_s = time.monotonic() - sample.started
            finally:
                sample.stop()
            say("starting the kiosk app")
            app = AppDriver(
                python_module(
                    "kiosk.app",
                    "--config",
                    str(config.directory),
                    "--kiosk-id",
                    next(c.id for c in config.clients if c.role.value == "kiosk"),
                    "--var",
                    str(directory),
                    "--broker-port",
                    str(hall.broker.port),
                    "--printer",
                    simulator.url,
                    "--windowed",
                ),
                display,
                env={"KIVY_HOME": str(directory / "kivy")},
                log_path=directory / "kiosk.log",
                start_timeout=60,
            )
            app.request("ping")
            cold_start_s = time.monotonic() - app.started
            app.wait_for(lambda s: s["connected"] and not s["banner"], 30, "kiosk connected")
            item = config.items[0]
            app.call("gc_reset")  # the start-up's collection and freeze are not the run's
            say(f"{tickets} tickets touched through the GUI")
            for n in range(tickets):
                if n % 2 == 0:
                    app.tap("search")
                    for ch in item.code.replace("-", "")[:7]:
                        app.tap(f"key:key:{ch}")
                    app.tap(f"key:entry:{item.code}")
                else:
                    app.tap("by_department")
                    _tap_paged(app, f"key:entry:{item.unit}")
                    _tap_paged(app, f"key:entry:{item.code}")
                app.wait_for(lambda s: s["screen"] == "confirm", 30, "confirm")
                app.tap("take")
                app.wait_for(lambda s: s["screen"] == "issued", 30, "ticket issued")
                app.tap("done")
            samples = app.state()["touch_to_print_ms"]
            simulator.wait_for_receipts(tickets, timeout=30)
            rss_before = app.call("rss_mb")
            memory = app.call("memory")  # after a collection and heap trim
            rss = memory["rss_mb"]
            pss, uss = _pss_uss_mb(app.proc.pid)
            groups = None
            if breakdown:
                from bench.smaps import breakdown as smaps_breakdown

                groups = smaps_breakdown(app.proc.pid)
        finally:
            if app is not None:
                app.stop()
            if xvfb is not None:
                xvfb.stop()
            simulator.stop()
            hall.stop()
    figures: dict[str, Any] = {
        "kiosk_touch_to_print_p50_ms": round(percentile(samples, 50), 1),
        "kiosk_touch_to_print_p99_ms": round(percentile(samples, 99), 1),
        "kiosk_touch_to_print_samples": len(samples),
        "kiosk_cold_start_s": round(cold_start_s, 2),
        "ui_sample_cold_start_s": round(sample_start_s, 2),
        "kiosk_rss_mb": round(rss, 1),
        "kiosk_rss_before_trim_mb": round(rss_before, 1),
        "kiosk_pss_mb": pss,
        "kiosk_uss_mb": uss,
        # the longest the cyclic collector held the kiosk's main thread during the run
        "kiosk_gc_pause_max_ms": memory["gc"]["max_ms"],
        "kiosk_gc_full_collections": memory["gc"]["full_collections"],
        "kiosk_gc_full_median_ms": memory["gc"]["full_median_ms"],
    }
    if groups is not None:
        figures["kiosk_memory"] = groups
    return figures


def _pss_uss_mb(pid: int) -> tuple[float | None, float | None]:
    """PSS and USS of ``pid`` now (psutil's full memory info; None where unavailable)."""
    import psutil

    try:
        full = psutil.Process(pid).memory_full_info()
    except (psutil.Error, AttributeError):
        return None, None
    pss = getattr(full, "pss", None)
    uss = getattr(full, "uss", None)
    return (
        round(pss / 2**20, 1) if pss is not None else None,
        round(uss / 2**20, 1) if uss is not None else None,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="config")
    parser.add_argument("--tickets", type=int, default=40)
    parser.add_argument(
        "--breakdown", action="store_true", help="add the memory by mapping (bench.smaps)"
    )
    args = parser.parse_args()
    figures = run_kiosk_bench(args.config, args.tickets, progress=print, breakdown=args.breakdown)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
