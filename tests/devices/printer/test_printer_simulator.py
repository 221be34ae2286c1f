"""The simulator's parser and server, including what python-escpos itself sends."""

from __future__ import annotations

import socket

import pytest
from escpos.printer import Dummy
from PIL import Image
from pyzbar import pyzbar

from devices.printer.commands import code128_payload
from devices.printer.sim_model import BarcodeSymbol, RasterImage, StatusFlags
from devices.printer.sim_parser import EscPosInterpreter, decode_code128
from devices.printer.sim_render import render_receipt
from devices.printer.simulator import PrinterSimulator

from .test_printer_golden import golden

pytestmark = pytest.mark.timeout(20)


def interpret(data: bytes, encoding: str | None = "gb18030") -> EscPosInterpreter:
    interpreter = EscPosInterpreter(encoding)
    interpreter.feed(data)
    interpreter.finish()
    return interpreter


def test_byte_by_byte_feeding_gives_the_same_receipts() -> None:
    data = golden("notice-promised-zh-Hant-generic-80")
    whole = interpret(data)
    split = EscPosInterpreter("gb18030")
    for index in range(len(data)):
        split.feed(data[index : index + 1])
    assert [r.lines for r in split.receipts] == [r.lines for r in whole.receipts]
    assert len(whole.receipts) == 3
    assert b"".join(bytes(r.raw) for r in whole.receipts) == data


def test_status_queries_are_answered_from_the_flags() -> None:
    flags = StatusFlags()
    interpreter = EscPosInterpreter("gb18030", flags)
    assert interpreter.feed(b"\x10\x04\x01\x10\x04\x04") == b"\x12\x12"
    flags.paper_out = True
    assert interpreter.feed(b"\x10\x04\x04") == b"\x72"
    flags.mute = True
    assert interpreter.feed(b"\x10\x04\x01") == b""


def test_python_escpos_image_qr_and_barcode_are_understood() -> None:
    escpos = Dummy()
    escpos.qr("GY-20261127-A012", size=4)  # rendered as an image by python-escpos
    escpos.barcode("{BGY0012", "CODE128", function_type="B")
    escpos.image(Image.new("1", (64, 8), 0), impl="graphics")
    escpos.cut()
    (receipt,) = interpret(escpos.output).receipts
    assert len(receipt.images) == 2
    assert all(isinstance(image, RasterImage) for image in receipt.images)
    barcode = next(e for e in receipt.elements if isinstance(e, BarcodeSymbol))
    assert barcode.data == "GY0012" and barcode.hri == 2
    decoded = {s.data for s in pyzbar.decode(render_receipt(receipt, 576))}
    assert b"GY-20261127-A012" in decoded and b"GY0012" in decoded
    assert receipt.cut == "full"


def test_code128_code_sets_round_trip() -> None:
    for text in ["GY202611270012X", "20261127", "A{B}9", "12345"]:
        assert decode_code128(code128_payload(text)) == text
    assert code128_payload("GY202611270012X") == b"{BGY{C\x14\x1a\x0b\x1b\x00\x0c{BX"


def test_chinese_mode_off_decodes_as_code_page_437() -> None:
    data = b"\x1c.\xb8\xdf\n\x1c&\xb8\xdf\n"
    (receipt,) = interpret(data).receipts
    assert receipt.lines == ["╕▀", "高"]


def test_unknown_commands_are_noted_not_fatal() -> None:
    (receipt,) = interpret(b"\x1bZabc\n").receipts
    assert receipt.notes and "bc" in receipt.lines[0]


def test_tcp_simulator_serves_two_clients_and_renders_png(simulator: PrinterSimulator) -> None:
    data = golden("ticket-en-generic-58")
    for _ in range(2):
        with socket.create_connection(("127.0.0.1", simulator.port), timeout=2) as client:
            client.settimeout(2)
            client.sendall(b"\x10\x04\x01")
            assert client.recv(1) == b"\x12"
            client.sendall(data)
    receipts = simulator.wait_for_receipts(2, timeout=5)
    assert receipts[0].lines == receipts[1].lines
    # English text is drawn with the proportional font (raster); the reference stays text
    assert "Reference: GY-20261127-A012" in receipts[0].lines
    assert sum(isinstance(e, RasterImage) for e in receipts[0].elements) >= 5
    assert [p.name for p in simulator.png_paths] == ["receipt-0001.png", "receipt-0002.png"]
