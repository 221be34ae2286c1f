"""Scanner test fixtures: the 40 photographed codes of ``shared/fixtures/barcodes``.

The fixtures live beside the repository (``<repo>/../shared/fixtures``, the same layout
in CI); ``HALL_FIXTURES`` points elsewhere. Tests that need them skip when absent.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def fixtures_root() -> Path:
    return Path(os.environ.get("HALL_FIXTURES") or REPO.parent / "shared" / "fixtures")


BARCODES = fixtures_root() / "barcodes"
MANIFEST = BARCODES / "manifest.csv"


@dataclass(frozen=True)
class Sample:
    path: Path
    symbology: str
    payload: str
    kind: str


def load_samples() -> list[Sample]:
    if not MANIFEST.is_file():
        return []
    with MANIFEST.open(encoding="utf-8", newline="") as fh:
        return [
            Sample(BARCODES / row["file"], row["symbology"], row["payload"], row["kind"])
            for row in csv.DictReader(fh)
        ]


SAMPLES = load_samples()
needs_fixtures = pytest.mark.skipif(
    not SAMPLES, reason=f"barcode fixtures not found at {MANIFEST} (set HALL_FIXTURES)"
)


@pytest.fixture(scope="session")
def samples() -> list[Sample]:
    if not SAMPLES:
        pytest.skip(f"barcode fixtures not found at {MANIFEST} (set HALL_FIXTURES)")
    return SAMPLES


def sample(name_prefix: str) -> Sample:
    """The fixture whose file name starts with ``name_prefix`` (e.g. ``"018"``)."""
    matches = [s for s in SAMPLES if s.path.name.startswith(name_prefix)]
    if not matches:
        pytest.skip(f"fixture {name_prefix}* not available")
    return matches[0]
