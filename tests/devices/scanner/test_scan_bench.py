"""bench.scan_bench: the harsh-set figure for ``hall bench`` and the benchmark's counting."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from bench import scan_bench

from .conftest import HARSH, Sample, sample


def _fixture_set(root: Path, name: str, items: list[Sample]) -> None:
    """A small fixture set: the given frames plus a blank one that holds no code."""
    folder = root / name
    folder.mkdir(parents=True)
    rows = []
    for item in items:
        shutil.copy(item.path, folder / item.path.name)
        rows.append([item.path.name, item.symbology, item.payload, item.kind])
    cv2.imwrite(str(folder / "blank.png"), np.full((480, 640), 200, np.uint8))
    rows.append(["blank.png", "QRCODE", "nothing here", "other"])
    with (folder / "manifest.csv").open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([["file", "symbology", "payload", "kind"], *rows])


def test_scan_harsh_read_counts_frames_read_of_the_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, harsh_samples: list[Sample]
) -> None:
    _fixture_set(tmp_path, "barcodes-harsh", [sample(n, HARSH) for n in ("000", "025")])
    monkeypatch.setenv("HALL_FIXTURES", str(tmp_path))
    assert scan_bench.scan_harsh_read() == "2/3"
    assert scan_bench.harsh_read_figures() == {"read": 2, "wrong": 0, "frames": 3}


def test_bench_set_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, harsh_samples: list[Sample]
) -> None:
    _fixture_set(tmp_path, "barcodes-harsh", [sample(n, HARSH) for n in ("000", "025")])
    monkeypatch.setenv("HALL_FIXTURES", str(tmp_path))
    figures = scan_bench.bench_set("barcodes-harsh", min_seconds=0.0)
    assert figures["frames"] == 3 and figures["resolution"] == "640x480"
    first, full = figures["first_pass"], figures["full_ladder"]
    # 025's raw read (4 scan lines, a misread) is not confirmed: not read, and not wrong.
    assert (first["read"], first["wrong"]) == (1, 0)
    assert (full["read"], full["wrong"]) == (2, 0)
    assert full["by_step"] == {"raw": 1, "regions": 1}
    assert first["fps"] > 0 and full["fps"] > 0


def test_missing_fixtures_are_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HALL_FIXTURES", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="HALL_FIXTURES"):
        scan_bench.scan_harsh_read()
