"""Scanner test fixtures: the photographed codes of ``shared/fixtures/barcodes`` (40) and
``shared/fixtures/barcodes-harsh`` (80: dark mode, glare, low contrast, blur, angles).

The fixtures live beside the repository (``<repo>/../shared/fixtures``, the same layout
in CI, which always has them); ``HALL_FIXTURES`` points elsewhere. A test that needs them
fails with a message saying where they were looked for: it never skips silently.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


def fixtures_root() -> Path:
    return Path(os.environ.get("HALL_FIXTURES") or REPO.parent / "shared" / "fixtures")


BARCODES = fixtures_root() / "barcodes"
HARSH = fixtures_root() / "barcodes-harsh"
MANIFEST = BARCODES / "manifest.csv"


@dataclass(frozen=True)
class Sample:
    path: Path
    symbology: str
    payload: str
    kind: str


def load_samples(folder: Path = BARCODES) -> list[Sample]:
    """The manifest rows of a fixture folder ([] when it is missing)."""
    manifest = folder / "manifest.csv"
    if not manifest.is_file():
        return []
    with manifest.open(encoding="utf-8", newline="") as fh:
        return [
            Sample(folder / row["file"], row["symbology"], row["payload"], row["kind"])
            for row in csv.DictReader(fh)
        ]


def missing(folder: Path) -> str:
    return (
        f"barcode fixtures not found: {folder / 'manifest.csv'} is missing. They live in "
        "<repo>/../shared/fixtures (CI has them); set HALL_FIXTURES to another folder."
    )


SAMPLES = load_samples(BARCODES)
HARSH_SAMPLES = load_samples(HARSH)


@pytest.fixture
def barcode_fixtures() -> list[Sample]:
    """The 40 older fixtures; the test fails (not skips) when they are missing."""
    if not SAMPLES:
        pytest.fail(missing(BARCODES), pytrace=False)
    return SAMPLES


@pytest.fixture
def harsh_samples() -> list[Sample]:
    """The 80 harsh fixtures; the test fails (not skips) when they are missing."""
    if not HARSH_SAMPLES:
        pytest.fail(missing(HARSH), pytrace=False)
    return HARSH_SAMPLES


needs_fixtures = pytest.mark.usefixtures("barcode_fixtures")
"""For tests that use :func:`sample` or ``SAMPLES``: fail when the fixtures are missing."""


@pytest.fixture(scope="session")
def samples() -> list[Sample]:
    if not SAMPLES:
        pytest.fail(missing(BARCODES), pytrace=False)
    return SAMPLES


def sample(name_prefix: str, folder: Path = BARCODES) -> Sample:
    """The fixture whose file name starts with ``name_prefix`` (e.g. ``"018"``)."""
    matches = [s for s in load_samples(folder) if s.path.name.startswith(name_prefix)]
    if not matches:
        pytest.fail(f"fixture {name_prefix}* not found. " + missing(folder), pytrace=False)
    return matches[0]
