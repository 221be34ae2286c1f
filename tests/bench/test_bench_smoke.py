"""`hall bench` runs end to end (tiny sizes; the figures themselves are not judged here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
KEYS = {
    "issue_p50_ms",
    "issue_p99_ms",
    "call_to_display_p50_ms",
    "call_to_display_p99_ms",
    "throughput_cmds_per_s",
    "raw_mqtt_p50_ms",
    "raw_mqtt_p99_ms",
    "service_rss_mb",
}


@pytest.mark.broker
@pytest.mark.slow
def test_bench_json_has_every_figure() -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "hall.cli",
            "bench",
            "--json",
            "--samples",
            "40",
            "--calls",
            "40",
            "--seconds",
            "0.5",
            "--tickets",
            "400",
            "--kiosk-tickets",
            "3",
            "--no-scan",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    figures = json.loads(out.stdout)
    assert figures.keys() >= KEYS
    assert all(figures[k] > 0 for k in KEYS)
    assert figures["tickets_loaded"] >= 400
    assert figures["kiosk_touch_to_print_p99_ms"] > 0 and figures["kiosk_rss_mb"] > 0
