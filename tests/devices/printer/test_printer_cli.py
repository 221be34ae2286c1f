"""``hall device ticket`` and ``hall device printer-sim`` end to end (in process)."""

from pathlib import Path

import pytest

from devices.printer.simulator import PrinterSimulator
from hall.cli import main

pytestmark = pytest.mark.timeout(20)


def test_sample_ticket_to_the_simulator(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["device", "ticket", "--printer", f"sim:{tmp_path}", "--sample"]) == 0
    out = capsys.readouterr().out
    assert "printed 1 receipt(s)" in out
    assert f"receipt PNG: {tmp_path}/receipt-0001.png" in out
    assert (tmp_path / "receipt-0001.png").is_file()


def test_sample_notice_in_english_on_58mm(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    argv = [
        "device",
        "ticket",
        "--printer",
        f"sim:{tmp_path}",
        "--sample",
        "--notice",
        "--lang",
        "en",
        "--profile",
        "generic-58",
    ]
    assert main(argv) == 0
    assert "printed 3 receipt(s)" in capsys.readouterr().out
    assert len(list(tmp_path.glob("receipt-*.png"))) == 3


def test_file_printer_then_render_the_capture(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    capture = tmp_path / "x.bin"
    assert main(["device", "ticket", "--printer", f"file:{capture}", "--sample"]) == 0
    assert capture.stat().st_size > 0
    out_dir = tmp_path / "png"
    assert main(["device", "printer-sim", "--file", str(capture), "--out", str(out_dir)]) == 0
    assert (out_dir / "receipt-0001.png").is_file()


def test_faults_and_bad_urls_have_exit_codes(capsys: pytest.CaptureFixture) -> None:
    assert main(["device", "ticket", "--printer", "lpt:1", "--sample"]) == 2
    assert main(["device", "ticket", "--printer", "usb:0416:5011?timeout=1", "--sample"]) == 1
    assert "PrinterOffline" in capsys.readouterr().err


def test_gallery_writes_the_docs_pictures(tmp_path: Path) -> None:
    assert main(["device", "printer-sim", "--gallery", str(tmp_path)]) == 0
    assert (tmp_path / "ticket-sample.png").is_file()
    assert (tmp_path / "case-notice-promised.png").is_file()
    assert (tmp_path / "ticket-sample-en.png").is_file()


def test_status_and_faults_from_a_running_simulator(
    simulator: PrinterSimulator, capsys: pytest.CaptureFixture
) -> None:
    simulator.flags.paper_near_end = True
    assert main(["device", "ticket", "--printer", simulator.url, "--status"]) == 0
    assert "paper_near_end=True" in capsys.readouterr().out
    assert main(["device", "ticket", "--printer", simulator.url, "--sample"]) == 0
    assert "印表機紙張即將用完" in capsys.readouterr().err
    simulator.flags.paper_out = True
    assert main(["device", "ticket", "--printer", simulator.url, "--sample", "--lang", "en"]) == 1
    assert "PaperOut: Printer out of paper" in capsys.readouterr().err
