"""All 40 photographed fixture codes decode to the manifest payload and classify right."""

from __future__ import annotations

import cv2
import pytest

from devices.scanner.decode import decode_frame
from hall.codes import classify

from .conftest import SAMPLES, Sample, needs_fixtures

# Without the fixtures the one parameter is None and needs_fixtures fails the test.
PARAMS = SAMPLES or [None]


@needs_fixtures
@pytest.mark.parametrize("item", PARAMS, ids=[s.path.name if s else "missing" for s in PARAMS])
def test_fixture_frame_decodes_and_classifies(item: Sample) -> None:
    frame = cv2.imread(str(item.path), cv2.IMREAD_UNCHANGED)
    assert frame is not None, item.path
    reads = decode_frame(frame)
    assert [(r.symbology, r.payload) for r in reads] == [(item.symbology, item.payload)]
    assert reads[0].confirmed
    assert classify(reads[0].payload, "GY").kind == item.kind


@needs_fixtures
def test_first_pass_alone_reads_the_easy_majority() -> None:
    """The cheap raw rung (what the camera runs on every frame) reads most frames."""
    read = 0
    for item in SAMPLES:
        reads = decode_frame(cv2.imread(str(item.path)), ladder="fast")
        assert all(r.payload == item.payload for r in reads)  # never a wrong read
        read += bool(reads)
    assert read >= 20
