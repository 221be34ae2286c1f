"""Display and voice figures for ``hall bench``: a window terminal's press to the lobby display.

Each function runs against a real broker and queue service (``bench.hall_bench.BenchHall``) with
the window terminal's and the display's own logic (no screen):

- :func:`display_update_p99_ms` — a *call next* pressed on a window terminal
  (:class:`terminal.controller.WindowController`) until the display's view state
  (:class:`display.presenter.DisplayPresenter`) holds that call (target ≤ 50 ms);
- :func:`voice_start_p99_ms` — the same press until the cached announcement starts playing
  (the announcer hands it to the player; target ≤ 1000 ms);
- ``display_update_bare_*`` — the same, interleaved in the same run, from a bare
  ``window.call_next`` publish (no terminal logic): what the broker and service cost;
- :func:`burst36_shown` — all 36 windows call at once: how many of the 36 calls the display
  shows (each window's tile and the ordered call log).

``python -m bench.display_bench`` prints the figures as JSON.
"""

from __future__ import annotations

import json
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.hall_bench import BenchHall, fill_day, percentile
from display.runtime import DisplayRuntime
from display.settings import DisplaySettings, ScreenSettings, VoiceConfig
from display.voice.announcer import Announcement
from display.voice.player import RecordingSink
from hall.conf import HallConfig, load_config
from terminal.controller import WindowController, window_client_id


class _DisplayProbe:
    """A display runtime whose calls and voice starts are timed (``perf_counter``)."""

    def __init__(self, hall: BenchHall, config: HallConfig, directory: Path) -> None:
        self.shown: dict[str, float] = {}
        self.voiced: dict[str, float] = {}
        self._cond = threading.Condition()
        settings = DisplaySettings(
            display=ScreenSettings(min_show_s=0.0), voice=VoiceConfig(repeat=1, player="record")
        )
        display_id = next(c.id for c in config.clients if c.role.value == "display")
        self.runtime = DisplayRuntime(
            config,
            hall.endpoint(display_id),
            settings,
            directory / "voice-cache",
            player=RecordingSink(),
            on_voice_start=self._voice_started,
        )
        self.runtime.presenter.on_change(self._changed)

    def _changed(self) -> None:
        now = time.perf_counter()
        log = self.runtime.presenter.call_log
        with self._cond:
            for call in log[len(self.shown) :]:
                self.shown.setdefault(f"{call.number}@{call.window}", now)
            self._cond.notify_all()

    def _voice_started(self, item: Announcement, _mono: float) -> None:
        with self._cond:
            self.voiced.setdefault(f"{item.number}@{item.window}", time.perf_counter())
            self._cond.notify_all()

    def wait(self, table: dict[str, float], key: str, timeout: float) -> float:
        deadline = time.monotonic() + timeout
        with self._cond:
            while key not in table:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{key} not seen in {timeout}s")
                self._cond.wait(left)
            return table[key]


def _controllers(hall: BenchHall, config: HallConfig, windows: list[str]) -> list[WindowController]:
    out = []
    for w in windows:
        ctrl = WindowController(config, w, hall.endpoint(window_client_id(config, w)))
        out.append(ctrl.start(wait_s=10))
    return out


def _press_and_wait(ctrl: WindowController, action: str, timeout: float = 10.0, **args: Any):
    before = len(ctrl.outcomes)
    ctrl.press(action, **args)
    return ctrl.wait_outcomes(before + 1, timeout)[-1]


def press_to_display(
    hall: BenchHall, config: HallConfig, probe: _DisplayProbe, samples: int, windows: int = 6
) -> tuple[list[float], list[float], list[float]]:
    """Seconds from a *call next* press to the display's view state and to the voice start,
    and (interleaved, same run) from a bare ``window.call_next`` publish to the view state:
    the baseline without the terminal's logic."""
    ids = [w.id for w in config.windows[:windows]]
    kiosk = hall.client(next(c.id for c in config.clients if c.role.value == "kiosk"))
    ctrls = _controllers(hall, config, ids)
    shown: list[float] = []
    voiced: list[float] = []
    direct: list[float] = []
    try:
        for ctrl in ctrls:
            items = [i for i in config.items_by_window[ctrl.window_id]
                     if not getattr(config.item_by_code[i], "real_name", False)]  # fmt: skip
            fill_day(kiosk, items[:1], 2 * samples // windows + 2, 0)
            _press_and_wait(ctrl, "open")
        for i in range(2 * samples):
            ctrl = ctrls[i % len(ctrls)]
            bare = (i // len(ctrls)) % 2 == 1
            started = time.perf_counter()
            if bare:
                assert ctrl.link.client is not None
                _id, fut, _mid = ctrl.link.client.send("window.call_next", {}, track=False)
                reply = fut.result(10)
                assert reply.ok, reply
                number = reply.result["ticket"]["number"]
            else:
                outcome = _press_and_wait(ctrl, "call_next")
                assert outcome.reply is not None and outcome.status == "ok", outcome
                number = outcome.reply.result["ticket"]["number"]
            key = f"{number}@{ctrl.window_id}"
            seen = probe.wait(probe.shown, key, 10) - started
            if bare:
                direct.append(seen)
            else:
                shown.append(seen)
                voiced.append(probe.wait(probe.voiced, key, 10) - started)
            _press_and_wait(ctrl, "finish", outcome="immediate")
    finally:
        for ctrl in ctrls:
            ctrl.stop()
        kiosk.close()
    return shown, voiced, direct


def burst36(hall: BenchHall, config: HallConfig, probe: _DisplayProbe) -> dict[str, int]:
    """Every window presses *call next* at the same moment; what the display shows of it."""
    ids = [w.id for w in config.windows]
    kiosk = hall.client(next(c.id for c in config.clients if c.role.value == "kiosk"))
    ctrls = _controllers(hall, config, ids)
    try:
        for ctrl in ctrls:
            items = [i for i in config.items_by_window[ctrl.window_id]
                     if not getattr(config.item_by_code[i], "real_name", False)]  # fmt: skip
            fill_day(kiosk, items[:1], 1, 0)
            _press_and_wait(ctrl, "open")
            if ctrl.presenter.view().ticket is not None:
                _press_and_wait(ctrl, "finish", outcome="immediate")
        before = len(probe.runtime.presenter.call_log)
        ended = {c.window_id: len(c.outcomes) for c in ctrls}
        go = threading.Barrier(len(ctrls))

        def press(ctrl: WindowController) -> None:
            go.wait(10)
            ctrl.press("call_next")

        threads = [threading.Thread(target=press, args=(c,)) for c in ctrls]
        for t in threads:
            t.start()
        for t in threads:
            t.join(15)
        for c in ctrls:
            c.wait_outcomes(ended[c.window_id] + 1, 15)
        deadline = time.monotonic() + 10
        while len(probe.runtime.presenter.call_log) - before < len(ids):
            if time.monotonic() > deadline:
                break
            time.sleep(0.01)
        called = {
            c.window_id: o.reply.result["ticket"]["number"]
            for c in ctrls
            for o in c.outcomes[-1:]
            if o.status == "ok" and o.reply and o.reply.result.get("ticket")
        }
        view = probe.runtime.presenter.view()
        tiles = {t.window: t.number for t in view.windows}
        logged = {(c.window, c.number) for c in probe.runtime.presenter.call_log[before:]}
        announcer = probe.runtime.announcer
        announced = announcer.queued()[before:] if announcer else []
        return {
            "burst36_called": len(called),
            "burst36_shown": sum(
                1 for w, n in called.items() if tiles.get(w) == n and (w, n) in logged
            ),
            "burst36_announced": len({(a.window, a.number) for a in announced} & logged),
        }
    finally:
        for ctrl in ctrls:
            ctrl.stop()
        kiosk.close()


def _run_all(samples: int, config_dir: str | Path = "config") -> dict[str, Any]:
    config = load_config(config_dir)
    with tempfile.TemporaryDirectory(prefix="hall-display-bench-") as tmp:
        hall = BenchHall(config, Path(tmp))
        probe = _DisplayProbe(hall, config, Path(tmp))
        try:
            hall.start()
            probe.runtime.start(wait_s=10)
            shown, voiced, direct = press_to_display(hall, config, probe, samples)
            burst = burst36(hall, config, probe)
        finally:
            probe.runtime.stop()
            hall.stop()

    def ms(values: list[float], p: float) -> float:
        return round(percentile(values, p) * 1e3, 2)

    return {
        "display_update_p50_ms": ms(shown, 50),
        "display_update_p99_ms": ms(shown, 99),
        "display_update_bare_p50_ms": ms(direct, 50),
        "display_update_bare_p99_ms": ms(direct, 99),
        "voice_start_p50_ms": ms(voiced, 50),
        "voice_start_p99_ms": ms(voiced, 99),
        **burst,
        "display_samples": samples,
    }


_cache: dict[tuple[int, str], dict[str, Any]] = {}


def display_figures(samples: int = 200, config_dir: str | Path = "config") -> dict[str, Any]:
    """All display and voice figures from one run (cached per arguments)."""
    key = (samples, str(config_dir))
    if key not in _cache:
        _cache[key] = _run_all(samples, config_dir)
    return _cache[key]


def display_update_p99_ms(samples: int = 200, config_dir: str | Path = "config") -> float:
    """p99 ms from a *call next* press on a window terminal to the display's view state."""
    return float(display_figures(samples, config_dir)["display_update_p99_ms"])


def voice_start_p99_ms(samples: int = 200, config_dir: str | Path = "config") -> float:
    """p99 ms from a *call next* press to the start of its (cached) announcement."""
    return float(display_figures(samples, config_dir)["voice_start_p99_ms"])


def burst36_shown(samples: int = 200, config_dir: str | Path = "config") -> int:
    """Of 36 windows calling at once, how many calls the display shows."""
    return int(display_figures(samples, config_dir)["burst36_shown"])


TARGETS = {"display_update_p99_ms": 50.0, "voice_start_p99_ms": 1000.0}


def report_lines(figures: dict[str, Any]) -> list[str]:
    """Human-readable lines for ``hall bench``."""
    f = figures
    lines = [
        f"  terminal press -> display view   p50 {f['display_update_p50_ms']:7.3f} ms   "
        f"p99 {f['display_update_p99_ms']:7.3f} ms   "
        f"(bare publish p99 {f['display_update_bare_p99_ms']:.3f} ms, same run)",
        f"  terminal press -> voice starts   p50 {f['voice_start_p50_ms']:7.3f} ms   "
        f"p99 {f['voice_start_p99_ms']:7.3f} ms",
        f"  36 windows at once               {f['burst36_shown']} of 36 shown, "
        f"{f['burst36_announced']} announced",
    ]
    for key, limit in TARGETS.items():
        lines.append(f"  {'ok  ' if f[key] <= limit else 'MISS'} {key} {f[key]} <= {limit}")
    ok = f["burst36_shown"] == 36
    lines.append(f"  {'ok  ' if ok else 'MISS'} burst36_shown {f['burst36_shown']} >= 36")
    return lines


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    samples = int(args[0]) if args else 200
    print(json.dumps(display_figures(samples), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
