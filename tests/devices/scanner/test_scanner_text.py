"""Payload bytes to text, and repair of zbar's encoding guesses."""

from __future__ import annotations

import numpy as np
import pytest
import qrcode

from devices.scanner.text import decode_bytes, payload_text, plausibility, repair_mojibake
from devices.scanner.zbar import ZbarReader

from .conftest import needs_fixtures, sample

WELCOME = "高邑縣政務服務中心 歡迎您"
SIMPLIFIED = "高邑县政务服务中心 欢迎您"


def test_decode_bytes_prefers_utf8_then_chinese_encodings() -> None:
    assert decode_bytes(WELCOME.encode("utf-8")) == WELCOME
    assert decode_bytes(b"\xef\xbb\xbf" + WELCOME.encode("utf-8")) == WELCOME
    assert decode_bytes(SIMPLIFIED.encode("gbk")) == SIMPLIFIED
    assert decode_bytes(WELCOME.encode("gb18030")) == WELCOME
    assert decode_bytes(WELCOME.encode("big5")) == WELCOME
    assert decode_bytes(b"GY202607168439X") == "GY202607168439X"


@pytest.mark.parametrize(
    ("original", "guess"),
    [
        ("请到3号窗口办理", "shift_jis"),  # UTF-8 bytes read as Shift-JIS
        ("高邑", "shift_jis"),
        (WELCOME, "latin-1"),  # UTF-8 bytes read as Latin-1
        ("café", "latin-1"),
    ],
)
def test_utf8_mojibake_is_repaired(original: str, guess: str) -> None:
    mojibake = original.encode("utf-8").decode(guess, errors="strict")
    assert mojibake != original
    assert repair_mojibake(mojibake) == original


@pytest.mark.parametrize(
    ("original", "encoding", "guess"),
    [
        (WELCOME, "gb18030", "latin-1"),  # GB18030 bytes read as Latin-1
        ("张伟", "gbk", "big5"),  # GBK bytes read as Big5
        (SIMPLIFIED, "gbk", "big5"),
    ],
)
def test_gbk_mojibake_is_repaired(original: str, encoding: str, guess: str) -> None:
    mojibake = original.encode(encoding).decode(guess)
    assert repair_mojibake(mojibake) == original


@pytest.mark.parametrize("text", [WELCOME, SIMPLIFIED, "營業執照", "WIFI:S:hall;T:WPA;P:x;;"])
def test_correct_text_is_left_alone(text: str) -> None:
    assert repair_mojibake(text) == text
    assert payload_text(text.encode("utf-8"), binary=False) == text


def test_plausibility_ranks_real_text_above_mojibake() -> None:
    assert plausibility(WELCOME) > 0.5
    assert plausibility(WELCOME.encode("utf-8").decode("latin-1")) < 0


def _qr(data: bytes) -> np.ndarray:
    code = qrcode.QRCode(border=4, box_size=3)
    code.add_data(data)
    code.make()
    return np.array(code.make_image().convert("L"), dtype=np.uint8)


@pytest.mark.parametrize("encoding", ["utf-8", "gbk", "big5"])
def test_zbar_binary_mode_returns_the_symbol_bytes(encoding: str) -> None:
    text = "张伟 高邑" if encoding == "gbk" else "張偉 高邑"
    reader = ZbarReader(("QRCODE",))
    if not reader.binary_qr:
        pytest.skip("this zbar has no binary mode (ZBAR_CFG_BINARY needs zbar >= 0.23)")
    [symbol] = reader.scan(_qr(text.encode(encoding)))
    assert symbol.binary and symbol.data == text.encode(encoding)
    assert payload_text(symbol.data, symbol.binary) == text


def test_reader_rejects_unknown_symbologies() -> None:
    with pytest.raises(ValueError):
        ZbarReader(("QRCODE", "HOLOGRAM"))


@needs_fixtures
def test_chinese_fixture_qr_is_correct_unicode() -> None:
    import cv2

    from devices.scanner.decode import decode_frame

    item = sample("018")
    [read] = decode_frame(cv2.imread(str(item.path)))
    assert read.payload == "高邑縣政務服務中心 歡迎您" == item.payload
