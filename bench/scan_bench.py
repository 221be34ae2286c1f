"""Scanner decode benchmark: ``python -m bench.scan_bench`` prints one JSON object.

Over the 40 fixture frames (640x480), on one core (process pinned, OpenCV single-
threaded): frames per second of the first pass (zbar on the raw frame, what the camera
worker runs on every frame) and of the full ladder, with how many frames each read
correctly. Fixtures: ``$HALL_FIXTURES`` or ``<repo>/../shared/fixtures``.
"""

from __future__ import annotations

import csv
import json
import os
import time
from collections import Counter
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from devices.scanner.decode import decode_frame

REPO = Path(__file__).resolve().parents[1]


def fixtures_dir() -> Path:
    root = Path(os.environ.get("HALL_FIXTURES") or REPO.parent / "shared" / "fixtures")
    return root / "barcodes"


def load_frames(folder: Path) -> list[tuple[np.ndarray, str, str]]:
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


def _pass(frames: list[tuple[np.ndarray, str, str]], ladder: str, min_s: float) -> dict[str, Any]:
    """Decode all frames, repeating rounds until ``min_s`` passed; figures of the run."""
    rounds, elapsed, worst = 0, 0.0, 0.0
    read = wrong = 0
    steps: Counter[str] = Counter()
    while rounds == 0 or elapsed < min_s:
        for frame, symbology, payload in frames:
            started = time.perf_counter()
            reads = decode_frame(frame, ladder=ladder)
            took = time.perf_counter() - started
            elapsed += took
            worst = max(worst, took)
            if rounds == 0:
                good = [r for r in reads if (r.symbology, r.payload) == (symbology, payload)]
                read += bool(good)
                wrong += len(reads) - len(good)
                steps.update(r.step for r in good)
        rounds += 1
    decoded = rounds * len(frames)
    return {
        "fps": round(decoded / elapsed, 1),
        "ms_per_frame": round(1000 * elapsed / decoded, 2),
        "ms_worst_frame": round(1000 * worst, 1),
        "read": read,
        "wrong": wrong,
        "by_step": dict(steps.most_common()),
    }


def _pin_one_core() -> set[int] | None:
    if not hasattr(os, "sched_setaffinity"):
        return None
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(before)})
    return before


def run(min_seconds: float = 2.0) -> dict[str, Any]:
    """The benchmark figures (first pass and full ladder) as a dict."""
    frames = load_frames(fixtures_dir())
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    before = _pin_one_core()
    try:
        decode_frame(frames[0][0])  # warm-up: zbar scanner, OpenCV kernels
        first = _pass(frames, "fast", min_seconds)
        full = _pass(frames, "full", 0.0)
        blank = np.full((480, 640), 190, np.uint8)
        started = time.perf_counter()
        decode_frame(blank)
        blank_ms = 1000 * (time.perf_counter() - started)
    finally:
        cv2.setNumThreads(threads)
        if before is not None:
            os.sched_setaffinity(0, before)
    height, width = frames[0][0].shape
    return {
        "frames": len(frames),
        "resolution": f"{width}x{height}",
        "cores": 1,
        "first_pass": first,
        "full_ladder": full,
        "full_ladder_blank_frame_ms": round(blank_ms, 1),
        "target_first_pass_fps": 30,
        "opencv": cv2.__version__,
    }


def main() -> int:
    print(json.dumps(run(), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
