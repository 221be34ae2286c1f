from pathlib import Path

from devices.printer.profiles import get_profile
from devices.printer.samples import sample_ticket
from devices.printer.service import TicketPrinter
from devices.printer.simulator import render_capture

from .test_printer_golden import golden


def test_file_target_holds_the_golden_bytes_and_renders(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    with TicketPrinter.from_url(f"file:{target}") as printer:
        result = printer.print_slip(sample_ticket())
    assert result.status is None  # a file cannot answer status queries
    assert target.read_bytes() == golden("ticket-zh-Hant-generic-80")
    (png,) = render_capture(target.read_bytes(), get_profile(), tmp_path / "png")
    assert png.read_bytes().startswith(b"\x89PNG")
