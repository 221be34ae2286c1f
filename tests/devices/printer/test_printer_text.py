"""Encoding per printer profile, and the raster fallback instead of python-escpos's '?'."""

import pytest
from escpos.printer import Dummy

from devices.printer.ops import Line
from devices.printer.profiles import get_profile
from devices.printer.render import render_ops
from devices.printer.sim_model import RasterImage
from devices.printer.sim_parser import EscPosInterpreter
from devices.printer.text import display_width, encode_native, wrap

RASTER_COMMAND = b"\x1dv0"


@pytest.mark.parametrize("text", ["﹝2026﹞", "（A）", "々", "〔1〕", "《GY》"])
def test_escpos_text_path_loses_characters_that_we_encode(text: str) -> None:
    escpos = Dummy()
    escpos.text(text)
    assert b"?" in escpos.output  # python-escpos's own text() path
    ours = encode_native(text, get_profile("generic-80"))
    assert ours is not None and b"?" not in ours
    assert ours.decode("gb18030") == text


def test_escpos_sends_gb18030_even_to_a_big5_printer() -> None:
    escpos = Dummy()
    escpos.text("高邑縣")
    assert escpos.output == "高邑縣".encode("gb18030")
    assert encode_native("高邑縣", get_profile("big5-80")) == "高邑縣".encode("big5")


@pytest.mark.parametrize(
    ("profile", "line"),
    [
        ("big5-80", "政务服务"),  # Simplified 务 is not in Big5
        ("gbk-80", "𠀀字"),  # CJK Ext B is not in GBK
        ("generic-80", "㐀字"),  # Ext A is 4-byte GB18030: not in a two-byte font
        ("raster-80", "高邑縣"),  # no Chinese font at all
    ],
)
def test_unencodable_lines_need_raster(profile: str, line: str) -> None:
    assert encode_native(line, get_profile(profile)) is None


def test_escpos_turns_a_rare_han_character_into_a_question_mark() -> None:
    escpos = Dummy()
    escpos.text("㐀")  # CJK Ext A, outside U+4E00..U+9FA5
    assert escpos.output.endswith(b"?")
    assert encode_native("㐀𠀀々", get_profile("utf8-80")) == "㐀𠀀々".encode()


def test_ascii_is_text_even_on_raster_printers() -> None:
    assert encode_native("A012", get_profile("raster-58")) == b"A012"


def test_unencodable_line_goes_out_as_raster_and_others_as_text() -> None:
    profile = get_profile("big5-80")
    printer = Dummy()
    render_ops([Line("高邑縣政務服務中心"), Line("高邑县政务服务中心")], printer, profile)
    data = printer.output
    assert "高邑縣政務服務中心".encode("big5") in data
    assert data.count(RASTER_COMMAND) == 1
    interpreter = EscPosInterpreter(profile.encoding)
    interpreter.feed(data)
    interpreter.finish()
    (receipt,) = interpreter.receipts
    assert receipt.lines == ["高邑縣政務服務中心"]  # decoded from Big5, no '?'
    (image,) = receipt.images
    assert isinstance(image, RasterImage) and image.image.width == profile.paper_dots
    assert image.image.convert("L").getextrema()[0] == 0  # there is ink


def test_wrap_counts_han_as_two_columns() -> None:
    assert display_width("高邑A") == 5
    assert wrap("高邑縣政務服務中心", 8) == ["高邑縣政", "務服務中", "心"]
    assert wrap("Keep this ticket safe", 10) == ["Keep this", "ticket", "safe"]


def test_wrap_keeps_closing_punctuation_off_the_line_start() -> None:
    lines = wrap("一二三四，五六", 8)
    assert all(not line.startswith("，") for line in lines)
    assert "".join(lines) == "一二三四，五六"


def test_control_characters_are_refused() -> None:
    with pytest.raises(ValueError):
        encode_native("A\x1b@", get_profile("generic-80"))
