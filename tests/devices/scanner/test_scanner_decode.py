"""decode_frame on frames without codes, odd inputs, the ladder's options."""

from __future__ import annotations

import numpy as np
import pytest
import qrcode

from devices.scanner.decode import FULL, STEPS, decode_frame, to_gray


def _qr(data: bytes | str, box: int = 4) -> np.ndarray:
    code = qrcode.QRCode(border=4, box_size=box)
    code.add_data(data)
    code.make()
    return np.array(code.make_image().convert("L"), dtype=np.uint8)


@pytest.mark.parametrize(
    "frame",
    [
        np.zeros((480, 640), np.uint8),
        np.full((480, 640, 3), 255, np.uint8),
        np.random.default_rng(7).integers(0, 256, (240, 320), dtype=np.uint8),
    ],
    ids=["black", "white-bgr", "noise"],
)
def test_frames_without_codes_give_nothing(frame: np.ndarray) -> None:
    assert decode_frame(frame) == []


def test_plain_stripes_are_not_a_barcode() -> None:
    stripes = np.tile(((np.sin(np.arange(320) / 3.0) > 0) * 200 + 30).astype(np.uint8), (240, 1))
    assert decode_frame(stripes) == []


def test_empty_and_odd_inputs() -> None:
    assert decode_frame(np.zeros((0, 0), np.uint8)) == []
    with pytest.raises(ValueError):
        to_gray(np.zeros((4, 4, 2), np.uint8))
    with pytest.raises(ValueError):
        decode_frame(np.zeros((8, 8), np.uint8), ladder=["raw", "magic"])


def test_bgr_bgra_float_16bit_frames_are_accepted() -> None:
    gray = _qr("GY202607168439X")
    for frame in (
        np.dstack([gray] * 3),
        np.dstack([gray] * 3 + [np.full_like(gray, 255)]),
        gray.astype(np.float32),
        gray.astype(np.uint16) * 257,
    ):
        reads = decode_frame(frame, ladder="fast")
        assert [(r.symbology, r.payload, r.step) for r in reads] == [
            ("QRCODE", "GY202607168439X", "raw")
        ]


def test_inverted_phone_screen_is_read_by_the_inverted_rung() -> None:
    frame = 255 - _qr("11010519491231002X")
    assert decode_frame(frame, ladder="fast") == []
    reads = decode_frame(frame)
    assert [(r.payload, r.step) for r in reads] == [("11010519491231002X", "inverted")]


def test_ladder_names_and_budget() -> None:
    assert set(FULL) == set(STEPS)
    blank = np.full((480, 640), 128, np.uint8)
    assert decode_frame(blank, budget_s=0.0) == []
    reads = decode_frame(_qr("hello"), ladder=["contrast"])
    assert [r.step for r in reads] == ["contrast"]


def test_chinese_qr_payload_in_every_encoding_comes_back_as_unicode() -> None:
    text = "高邑縣政務服務中心 歡迎您"
    for encoding in ("utf-8", "gb18030", "big5"):
        reads = decode_frame(_qr(text.encode(encoding)), ladder="fast")
        assert [r.payload for r in reads] == [text], encoding
