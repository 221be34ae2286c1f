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
  software renderer's frame buffers and textures count as process memory;
- ``ui_sample_cold_start_s``: the bare ``ui.sample`` app started the same way (baseline).

``python -m bench.kiosk_bench [--config config] [--tickets 40]`` prints them as JSON.
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


def run_kiosk_bench(
    config_dir: str = "config",
    tickets: int = 40,
    progress: Callable[[str], None] | None = None,
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
            say(f"{tickets} tickets touched through the GUI")
            for _ in range(tickets):
                app.tap("search")
                for ch in item.code.replace("-", "")[:7]:
                    app.tap(f"key:key:{ch}")
                app.tap(f"key:entry:{item.code}")
                app.tap("take")
                app.wait_for(lambda s: s["screen"] == "issued", 30, "ticket issued")
                app.tap("done")
            samples = app.state()["touch_to_print_ms"]
            simulator.wait_for_receipts(tickets, timeout=30)
            rss_before = app.call("rss_mb")
            rss = app.call("memory")["rss_mb"]  # after a collection and heap trim
        finally:
            if app is not None:
                app.stop()
            if xvfb is not None:
                xvfb.stop()
            simulator.stop()
            hall.stop()
    return {
        "kiosk_touch_to_print_p50_ms": round(percentile(samples, 50), 1),
        "kiosk_touch_to_print_p99_ms": round(percentile(samples, 99), 1),
        "kiosk_touch_to_print_samples": len(samples),
        "kiosk_cold_start_s": round(cold_start_s, 2),
        "ui_sample_cold_start_s": round(sample_start_s, 2),
        "kiosk_rss_mb": round(rss, 1),
        "kiosk_rss_before_trim_mb": round(rss_before, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="config")
    parser.add_argument("--tickets", type=int, default=40)
    args = parser.parse_args()
    print(json.dumps(run_kiosk_bench(args.config, args.tickets, progress=print)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
