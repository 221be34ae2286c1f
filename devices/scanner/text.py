"""Payload bytes to text: the right encoding for Chinese, and repair of zbar's guesses.

zbar (without binary mode) guesses a QR payload's encoding and converts it to UTF-8:
short UTF-8 Chinese often comes back as Shift-JIS mojibake, GB18030 as Latin-1, GBK as
Big5. Those guesses are reversible: re-encode the text with the guessed encoding to get
the original bytes back, then decode them properly. Between several decodings that are
all valid, common Chinese characters (GB2312 level 1, Big5 level 1) decide.
"""

from __future__ import annotations

import unicodedata

ZBAR_GUESSES = ("shift_jis", "latin-1", "cp1252", "big5", "euc-jp", "euc-kr")
"""Encodings zbar may have wrongly read a payload with."""
CHINESE = ("gbk", "gb18030", "big5")


def _char_score(ch: str) -> float:
    """How likely ``ch`` is in a real payload of ours (ASCII and common Chinese high)."""
    code = ord(ch)
    if ch.isascii():
        return 1.0 if ch.isprintable() or ch in "\t\r\n" else -5.0
    if ch == "\ufffd" or 0x80 <= code < 0xA0 or 0xE000 <= code <= 0xF8FF:
        return -5.0  # replacement, C1 controls, private use
    if code <= 0xFF:
        return -2.0  # Latin-1 letters in a Chinese hall: typical mojibake
    if 0xFF61 <= code <= 0xFF9F:
        return -3.0  # half-width katakana: Shift-JIS mojibake
    try:
        gb = ch.encode("gb2312")
    except UnicodeEncodeError:
        gb = b""
    if gb:
        if 0xB0 <= gb[0] <= 0xD7:
            return 1.0  # the 3755 most common hanzi
        return 0.2 if gb[0] >= 0xD8 else 0.3
    try:
        big5 = int.from_bytes(ch.encode("big5"), "big")
    except UnicodeEncodeError:
        big5 = 0
    if 0xA440 <= big5 <= 0xC67E:
        return 1.0  # the 5401 common traditional hanzi
    return -0.5 if unicodedata.category(ch).startswith("L") else -1.0


def plausibility(text: str) -> float:
    """Mean character score: about 1 for ASCII or common Chinese, negative for mojibake."""
    return sum(map(_char_score, text)) / max(1, len(text))


def _decode(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def decode_bytes(data: bytes, *, lossy: bool = False) -> str:
    """Raw payload bytes to text: UTF-8 if valid, else the most plausible Chinese encoding.

    Bytes that are none of these come back as Latin-1 (every byte kept), or with
    ``lossy`` as UTF-8 without the undecodable bytes (line noise).
    """
    data = data.removeprefix(b"\xef\xbb\xbf")
    text = _decode(data, "utf-8")
    if text is not None:
        return text
    options = [t for t in (_decode(data, enc) for enc in CHINESE) if t is not None]
    if options:
        return max(options, key=plausibility)
    return data.decode("utf-8", errors="ignore") if lossy else data.decode("latin-1")


def repair_mojibake(text: str) -> str:
    """Undo a wrong zbar encoding guess when the evidence is clear; else ``text`` unchanged."""
    if text.isascii():
        return text
    originals = []
    for guess in ZBAR_GUESSES:
        try:
            originals.append(text.encode(guess))
        except UnicodeEncodeError:
            continue
    baseline = plausibility(text)
    for raw in originals:  # bytes that are valid multi-byte UTF-8 are no accident
        utf8 = _decode(raw, "utf-8")
        if utf8 is not None and not raw.isascii() and plausibility(utf8) > baseline:
            return utf8
    best, best_score = text, baseline + 0.05  # ties keep zbar's reading
    for raw in [*originals, text.encode("utf-8")]:
        for encoding in ("gbk", "big5"):
            candidate = _decode(raw, encoding)
            if candidate is not None and candidate != text:
                score = plausibility(candidate)
                if score > best_score:
                    best, best_score = candidate, score
    return best


def payload_text(data: bytes, binary: bool) -> str:
    """Text of a zbar payload: decoded from raw bytes, or zbar's UTF-8 text repaired."""
    if binary:
        return decode_bytes(data)
    text = _decode(data, "utf-8")
    return repair_mojibake(text) if text is not None else decode_bytes(data)
