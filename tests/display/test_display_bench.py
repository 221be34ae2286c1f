"""The display benchmark runs end to end on the sample hall (few samples)."""

from __future__ import annotations

import pytest

from bench import display_bench


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_display_bench_figures() -> None:
    figures = display_bench.display_figures(samples=12)
    assert figures["burst36_called"] == 36
    assert figures["burst36_shown"] == 36
    assert figures["burst36_announced"] == 36
    assert 0 < figures["display_update_p50_ms"] <= figures["display_update_p99_ms"] < 1000
    assert 0 < figures["voice_start_p99_ms"] < 1000
    assert display_bench.burst36_shown(samples=12) == 36  # same run, cached
