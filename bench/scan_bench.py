"""Scanner decode benchmark: ``python -m bench.scan_bench`` prints one JSON object.

For each fixture set (``barcodes``: 40 photographed frames; ``barcodes-harsh``: 80 frames
of dark-mode screens, glare, low contrast, blur and steep angles), all 640x480, on one
core (process pinned, OpenCV single-threaded): frames per second of the first pass (zbar
on the raw frame, what the camera worker runs on every frame) and of the full ladder,
with how many frames each read correctly and how many wrong reads it made. Times are
the CPU time of the process (on a shared machine, wall time measures the neighbours as
well); ``fps_wall_clock`` is given beside it. Only reads
the ladder confirmed count (unconfirmed ones are dropped by the camera and the CLI).
Fixtures: ``$HALL_FIXTURES`` or ``<repo>/../shared/fixtures``.

``scan_harsh_read()`` gives the harsh-set figure alone (``"79/80"``) for ``hall bench``.
"""

from __future__ import annotations

import csv
import json
import os
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from devices.scanner.decode import decode_frame

REPO = Path(__file__).resolve().parents[1]
SETS = ("barcodes", "barcodes-harsh")
TARGET_FIRST_PASS_FPS = 30

Frame = tuple[np.ndarray, str, str]


def fixtures_dir(name: str = "barcodes") -> Path:
    """The folder of fixture set ``name``."""
    root = Path(os.environ.get("HALL_FIXTURES") or REPO.parent / "shared" / "fixtures")
    return root / name


def load_frames(folder: Path) -> list[Frame]:
    """(gray frame, symbology, payload) for each manifest row."""
    manifest = folder / "manifest.csv"
    if not manifest.is_file():
        raise FileNotFoundError(f"no fixture manifest at {manifest} (set HALL_FIXTURES)")
    with manifest.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    frames = []
    for row in rows:
        frame = cv2.imread(str(folder / row["file"]), cv2.IMREAD_GRAYSCALE)
        if frame is None:
            raise ValueError(f"cannot read fixture {row['file']}")
        frames.append((frame, row["symbology"], row["payload"]))
    return frames


def _pass(frames: list[Frame], ladder: str, min_s: float) -> dict[str, Any]:
    """Decode all frames, repeating rounds until ``min_s`` passed; figures of the run."""
    rounds, elapsed, wall, worst = 0, 0.0, 0.0, 0.0
    read = wrong = 0
    steps: Counter[str] = Counter()
    while rounds == 0 or elapsed < min_s:
        for frame, symbology, payload in frames:
            started, started_wall = time.process_time(), time.perf_counter()
            reads = decode_frame(frame, ladder=ladder)
            took = time.process_time() - started
            wall += time.perf_counter() - started_wall
            elapsed += took
            worst = max(worst, took)
            if rounds == 0:
                reads = [r for r in reads if r.confirmed]
                good = [r for r in reads if (r.symbology, r.payload) == (symbology, payload)]
                read += bool(good)
                wrong += len(reads) - len(good)
                steps.update(r.step for r in good)
        rounds += 1
    decoded = rounds * len(frames)
    return {
        "fps": round(decoded / elapsed, 1),
        "fps_wall_clock": round(decoded / wall, 1),
        "ms_per_frame": round(1000 * elapsed / decoded, 2),
        "ms_worst_frame": round(1000 * worst, 1),
        "read": read,
        "wrong": wrong,
        "by_step": dict(steps.most_common()),
    }


@contextmanager
def one_core() -> Iterator[None]:
    """OpenCV single-threaded and the process pinned to one core, for the duration."""
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    before = os.sched_getaffinity(0) if hasattr(os, "sched_setaffinity") else None
    if before is not None:
        os.sched_setaffinity(0, {min(before)})
    try:
        yield
    finally:
        cv2.setNumThreads(threads)
        if before is not None:
            os.sched_setaffinity(0, before)


def bench_set(name: str, min_seconds: float = 2.0) -> dict[str, Any]:
    """First pass and full ladder figures of fixture set ``name``."""
    frames = load_frames(fixtures_dir(name))
    with one_core():
        decode_frame(frames[0][0])  # warm-up: zbar scanner, OpenCV kernels
        first = _pass(frames, "fast", min_seconds)
        full = _pass(frames, "full", 0.0)
    height, width = frames[0][0].shape
    return {
        "frames": len(frames),
        "resolution": f"{width}x{height}",
        "first_pass": first,
        "full_ladder": full,
    }


def harsh_read_figures() -> dict[str, int]:
    """Full-ladder reads of the harsh set: ``{"read", "wrong", "frames"}``."""
    frames = load_frames(fixtures_dir("barcodes-harsh"))
    full = _pass(frames, "full", 0.0)
    return {"read": full["read"], "wrong": full["wrong"], "frames": len(frames)}


def scan_harsh_read() -> str:
    """``"read/frames"`` of the harsh fixture set with the full ladder (``hall bench``'s
    ``scan_harsh_read``); raises FileNotFoundError when the fixtures are missing."""
    figures = harsh_read_figures()
    return f"{figures['read']}/{figures['frames']}"


def run(min_seconds: float = 2.0) -> dict[str, Any]:
    """The benchmark figures of both fixture sets as a dict."""
    old, harsh = (bench_set(name, min_seconds) for name in SETS)
    with one_core():
        blank = np.full((480, 640), 190, np.uint8)
        started = time.process_time()
        decode_frame(blank)
        blank_ms = 1000 * (time.process_time() - started)
    return {
        **old,
        "cores": 1,
        "harsh": harsh,
        "scan_harsh_read": f"{harsh['full_ladder']['read']}/{harsh['frames']}",
        "scan_harsh_wrong": harsh["full_ladder"]["wrong"],
        "full_ladder_blank_frame_ms": round(blank_ms, 1),
        "target_first_pass_fps": TARGET_FIRST_PASS_FPS,
        "opencv": cv2.__version__,
    }


def main() -> int:
    print(json.dumps(run(), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
