"""The docs' receipt pictures: sample slips printed over TCP to the simulator, PNGs kept.

``hall device printer-sim --gallery docs/img`` regenerates them from real bytes.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from devices.printer.profiles import get_profile
from devices.printer.samples import sample_case_notice, sample_ticket
from devices.printer.service import TicketPrinter
from devices.printer.simulator import PrinterSimulator
from devices.printer.slips import CaseKind, CaseNoticeSlip, TicketSlip

GALLERY: dict[str, tuple[str, TicketSlip | CaseNoticeSlip]] = {
    "ticket-sample.png": ("generic-80", sample_ticket("zh-Hant")),
    "ticket-sample-en.png": ("generic-58", sample_ticket("en")),
    "ticket-sample-zh-Hans-big5-raster.png": ("big5-80", sample_ticket("zh-Hans")),
    "case-notice-promised.png": ("generic-80", sample_case_notice("zh-Hant", CaseKind.PROMISED)),
    "case-notice-supplement.png": (
        "generic-58",
        sample_case_notice("zh-Hant", CaseKind.SUPPLEMENT),
    ),
}


def write_gallery(out_dir: Path) -> list[Path]:
    """Print every gallery slip to a simulator; keep the first receipt of each as a PNG."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, (profile_name, slip) in GALLERY.items():
        with tempfile.TemporaryDirectory() as scratch:
            profile = get_profile(profile_name)
            with PrinterSimulator(profile, Path(scratch), port=0) as simulator:
                with TicketPrinter.from_url(simulator.url, profile_name) as printer:
                    result = printer.print_slip(slip)
                simulator.wait_for_receipts(result.receipts)
                target = out_dir / name
                shutil.copyfile(simulator.png_paths[0], target)
                written.append(target)
    return written
