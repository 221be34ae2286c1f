"""The camera scanner on a network camera (the MJPEG simulator through OpenCV's FFmpeg
capture): codes, a camera that hangs or is unplugged, one missing at start."""

from __future__ import annotations

import time

from devices.scanner.camera import CameraScanner, ScanEvent
from devices.scanner.camera_sim import SimCamera
from devices.scanner.sources import CaptureSource, open_source
from hall.net import free_port

from .conftest import needs_fixtures, sample


def _wait(scanner: CameraScanner, kind: str, timeout: float = 60.0) -> ScanEvent:
    """The next event of ``kind`` (others are skipped); the timeout only catches a hang."""
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        event = scanner.next_event(timeout=0.2)
        if event is None:
            continue
        if event.kind == kind:
            return event
        seen.append(event.kind)
    raise AssertionError(f"no {kind} event within {timeout} s (saw {seen})")


def test_a_stream_url_is_a_live_camera_even_when_nothing_listens() -> None:
    url = f"http://127.0.0.1:{free_port()}/video.mjpg"
    source = open_source(url)
    assert isinstance(source, CaptureSource) and source.live and not source.opened
    assert source.read() == (False, None)
    assert open_source("/dev/video9").live


@needs_fixtures
def test_codes_from_the_stream_then_a_hung_and_an_unplugged_camera_recover() -> None:
    with SimCamera() as camera:
        camera.show(sample("000").path)  # an ID number (QR), a real camera frame
        scanner = CameraScanner(camera.url, hall_code="GY", frame_timeout_s=1.0).start()
        try:
            event = _wait(scanner, "code")
            assert event.code is not None and event.code.payload == sample("000").payload
            assert event.classification is not None and event.classification.kind == "id"

            camera.freeze()  # the stream stays open, no frame comes
            fault = _wait(scanner, "fault")
            assert fault.reason == "scan.camera_fault"
            camera.show(sample("026").path)  # a case notice (CODE128)
            camera.thaw()
            _wait(scanner, "recovered")
            event = _wait(scanner, "code")
            assert event.classification is not None and event.classification.kind == "case"

            camera.unplug()
            _wait(scanner, "fault")
            camera.plug()  # same port: the scanner's reopen finds it
            _wait(scanner, "recovered")
            # the unplugged one was opened again (a hung stream thawed before the capture's
            # read timeout may simply go on)
            assert scanner.stats.reopens >= 1
        finally:
            scanner.stop()
        assert all(not t.is_alive() for t in scanner._threads)


@needs_fixtures
def test_a_camera_missing_at_start_is_a_fault_until_it_appears() -> None:
    camera = SimCamera(port=free_port())
    scanner = CameraScanner(camera.url, hall_code="GY", frame_timeout_s=1.0).start()
    try:
        assert _wait(scanner, "fault").reason == "scan.camera_fault"
        camera.show(sample("000").path)
        camera.start()
        _wait(scanner, "recovered")
        assert _wait(scanner, "code").code is not None
    finally:
        scanner.stop()
        camera.stop()
