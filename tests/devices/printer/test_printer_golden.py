"""Golden bytes: the exact ESC/POS of fixed sample slips, captured from escpos's Dummy.

Regenerate after an intended layout change with ``UPDATE_GOLDEN=1 pytest tests/devices/printer``
and review the PNGs (``hall device printer-sim --file tests/devices/printer/golden/X.bin``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image
from pyzbar import pyzbar

from devices.printer.profiles import get_profile
from devices.printer.samples import sample_case_notice, sample_ticket
from devices.printer.service import job_bytes
from devices.printer.sim_parser import EscPosInterpreter
from devices.printer.sim_render import render_receipt
from devices.printer.slips import CaseKind, slip_ops

from .conftest import GOLDEN

CASES: dict[str, tuple[Callable[[], object], str]] = {
    "ticket-zh-Hant-generic-80": (lambda: sample_ticket("zh-Hant"), "generic-80"),
    "ticket-zh-Hans-generic-58": (lambda: sample_ticket("zh-Hans"), "generic-58"),
    "ticket-en-generic-58": (lambda: sample_ticket("en", with_materials=False), "generic-58"),
    "ticket-zh-Hant-big5-80": (lambda: sample_ticket("zh-Hant"), "big5-80"),
    "notice-promised-zh-Hant-generic-80": (
        lambda: sample_case_notice("zh-Hant", CaseKind.PROMISED),
        "generic-80",
    ),
    "notice-supplement-zh-Hant-generic-58": (
        lambda: sample_case_notice("zh-Hant", CaseKind.SUPPLEMENT),
        "generic-58",
    ),
}


def sample_bytes(name: str) -> bytes:
    make, profile = CASES[name]
    return job_bytes(slip_ops(make()), get_profile(profile))  # type: ignore[arg-type]


def golden(name: str) -> bytes:
    path = GOLDEN / f"{name}.bin"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_bytes(sample_bytes(name))
    return path.read_bytes()


@pytest.mark.parametrize("name", sorted(CASES))
def test_bytes_match_the_recorded_golden(name: str) -> None:
    assert sample_bytes(name) == golden(name)


def qr_payloads(data: bytes) -> list[bytes]:
    """Payloads stored with GS ( k cn=49 fn=80 (read straight from the bytes)."""
    out = []
    for match in re.finditer(rb"\x1d\(k(..)1P0", data, re.DOTALL):
        length = match.group(1)[0] + 256 * match.group(1)[1] - 3
        out.append(data[match.end() : match.end() + length])
    return out


def test_ticket_bytes_decode_back_to_the_chinese_text() -> None:
    data = golden("ticket-zh-Hant-generic-80")
    assert data.startswith(b"\x1b@\x1c&")  # ESC @, then FS & (Chinese mode on)
    expected = [
        "高邑縣政務服務中心",
        "辦理事項：個體工商戶設立登記",
        "辦理窗口：",
        "12號窗口（工商局）",
        "13號窗口",
        "優先：老年人／殘疾人",
        "身分證號：1301**********1209",
        "3. 經營場所使用證明〔租賃合約或產權證明〕",
    ]
    for text in expected:
        assert text.encode("gb18030") in data, text
    interpreter = EscPosInterpreter("gb18030")
    interpreter.feed(data)
    (receipt,) = interpreter.receipts
    lines = [line.strip() for line in receipt.lines]
    for text in expected:
        assert text in lines
    assert "A012" in receipt.lines
    assert "?" not in receipt.text
    assert receipt.cut == "partial"


def test_big5_golden_is_big5() -> None:
    data = golden("ticket-zh-Hant-big5-80")
    assert "高邑縣政務服務中心".encode("big5") in data
    assert "高邑縣政務服務中心".encode("gb18030") not in data


def test_qr_payload_is_in_the_bytes_and_scans(tmp_path: Path) -> None:
    data = golden("ticket-zh-Hant-generic-80")
    assert qr_payloads(data) == [b"GY-20261127-A012"]
    interpreter = EscPosInterpreter("gb18030")
    interpreter.feed(data)
    png = tmp_path / "ticket.png"
    render_receipt(interpreter.receipts[0], 576).save(png)
    decoded = {(s.type, s.data) for s in pyzbar.decode(Image.open(png))}
    assert ("QRCODE", b"GY-20261127-A012") in decoded


def test_case_number_is_code128_and_text(tmp_path: Path) -> None:
    data = golden("notice-supplement-zh-Hant-generic-58")
    interpreter = EscPosInterpreter("gb18030")
    interpreter.feed(data)
    (receipt,) = interpreter.receipts  # a supplement notice: the applicant's copy only
    assert receipt.barcodes == ["GY202611270012X"]
    assert "辦件編號：GY202611270012X" in receipt.lines
    assert "1. 經營場所產權證明影本" in [line.strip() for line in receipt.lines]
    image = render_receipt(receipt, 384)
    assert image.width <= 384 + 32
    decoded = {(s.type, s.data) for s in pyzbar.decode(image)}
    assert ("CODE128", b"GY202611270012X") in decoded
