"""The kiosk's scanner link without a window: a camera configured as a video file (frames
of the photographed fixtures written with ``cv2.VideoWriter``), missing at first, played to
its end, then replaced; its state on the kiosk's retained status (real broker)."""

from __future__ import annotations

import csv
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from hall.conf.kiosks import Kiosk, KioskSettings, KiosksFile, Scanner, ScannerKind
from hall.runtime import RuntimeDir
from kiosk.connection import KioskConnection
from tests.support import Collector, RunningHall

pytestmark = pytest.mark.broker

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(os.environ.get("HALL_FIXTURES") or REPO.parent / "shared" / "fixtures")
BLANK = np.full((480, 640, 3), 190, np.uint8)


def fixtures(*kinds: str) -> list[tuple[Path, str]]:
    """The first photographed fixture of each kind, with its payload (skip without them)."""
    manifest = FIXTURES / "barcodes" / "manifest.csv"
    if not manifest.is_file():
        pytest.skip(
            f"barcode fixtures not found at {manifest.parent} (this test films them); they "
            "live in <repo>/../shared/fixtures, set HALL_FIXTURES"
        )
    with manifest.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [
        next((manifest.parent / r["file"], r["payload"]) for r in rows if r["kind"] == k)
        for k in kinds
    ]


def write_video(target: Path, images: list[Path | None]) -> None:
    """A recording of ``images`` (None: nothing in view), three frames each, put in place
    at once (the kiosk never opens a half-written file)."""
    part = target.with_suffix(".part.avi")
    writer = cv2.VideoWriter(str(part), cv2.VideoWriter_fourcc(*"MJPG"), 10, (640, 480))
    assert writer.isOpened()
    for image in images:
        frame = BLANK if image is None else cv2.imread(str(image))
        for _ in range(3):
            writer.write(frame)
    writer.release()
    os.replace(part, target)


def wait_until(pred: Callable[[], bool], what: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_a_video_file_camera_feeds_the_kiosk_and_its_absence_and_end_are_faults(
    hall: RunningHall, tmp_path: Path
) -> None:
    (id_frame, id_number), (case_frame, case_number) = fixtures("id", "case")
    video = tmp_path / "camera.avi"
    scanner = Scanner(kind=ScannerKind.CAMERA, device=str(video))
    settings = KioskSettings(
        KiosksFile(kiosk=[Kiosk(client="kiosk-01", scanner=scanner)]), "kiosk-01"
    )
    statuses = Collector()
    hall.client("guide-01").subscribe(hall.topics.status("kiosk-01"), statuses)
    conn = KioskConnection(
        hall.config, settings, RuntimeDir.default(hall.directory), "kiosk-01", port=hall.port
    )
    conn.CAMERA_RETRY_S = 0.2
    scans: list[str] = []
    states: list[str] = []
    lock = threading.Lock()

    def on_scan(code: str) -> None:
        with lock:
            scans.append(code)

    conn.start(on_queues=lambda _b: None, on_scan=on_scan, on_scanner=states.append)
    try:
        wait_until(lambda: states == ["scan.camera_fault"], "the missing camera is a fault")
        statuses.wait_for(lambda _t, b: b.get("scanner") == "scan.camera_fault", 30)
        write_video(video, [None, id_frame, None, case_frame, None])
        wait_until(lambda: len(scans) == 2, "both codes read")
        assert scans == [id_number, case_number]
        wait_until(lambda: states[-1] == "scan.camera_fault", "the end of the recording")
        assert states == ["scan.camera_fault", "ok", "scan.camera_fault"]
        statuses.wait_for(lambda _t, b: b.get("scanner") == "scan.camera_fault", 30)
        assert any(b.get("scanner") == "ok" for _t, b in statuses.messages)
        write_video(video, [None, id_frame, None])  # a new recording is played
        wait_until(lambda: len(scans) == 3, "the new recording read")
        assert scans[2] == id_number and "ok" in states[3:]
    finally:
        conn.stop()
