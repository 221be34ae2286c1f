"""ESC/POS byte sequences that python-escpos does not provide (or provides with side effects).

python-escpos 3.1's ``barcode()`` prints to stdout and only knows code set B; it never sends
``FS &``. These builders are shared by the renderer and checked by the simulator's parser.
"""

from __future__ import annotations

import re

from escpos.constants import DLE, EOT, FS, GS
from escpos.image import EscposImage
from PIL import Image

CHINESE_MODE_ON = FS + b"&"
CHINESE_MODE_OFF = FS + b"."
CODE128_SYSTEM = 73
"""GS k m=73: CODE128 with code set selection in the data ({A {B {C)."""
_DIGIT_RUN = re.compile(r"\d{4,}")


def status_query(n: int) -> bytes:
    """DLE EOT n: real-time status (1 printer, 2 offline cause, 3 error, 4 paper sensor)."""
    if n not in (1, 2, 3, 4):
        raise ValueError("DLE EOT n takes n = 1..4")
    return DLE + EOT + bytes((n,))


def code128_segments(text: str) -> list[tuple[str, str]]:
    """Split ``text`` into (code set, chars) runs: even runs of 4+ digits in C, the rest in B."""
    if not text or not all(0x20 <= ord(c) < 0x7F for c in text):
        raise ValueError("Code128 text must be printable ASCII")
    segments: list[tuple[str, str]] = []
    position = 0
    for match in _DIGIT_RUN.finditer(text):
        start, end = match.span()
        if (end - start) % 2:
            start += 1  # the odd digit goes with the preceding B run
        if start > position:
            segments.append(("B", text[position:start]))
        segments.append(("C", text[start:end]))
        position = end
    if position < len(text):
        segments.append(("B", text[position:]))
    return segments


def code128_payload(text: str) -> bytes:
    """The GS k m=73 data for ``text``: code set switches, C digits as byte values 0..99."""
    out = bytearray()
    for code_set, chars in code128_segments(text):
        out += b"{" + code_set.encode()
        if code_set == "C":
            out += bytes(int(chars[i : i + 2]) for i in range(0, len(chars), 2))
        else:
            out += chars.replace("{", "{{").encode("ascii")
    return bytes(out)


def code128_modules(text: str) -> int:
    """Width of the symbol in modules, with 10-module quiet zones on both sides."""
    symbols = 2  # start and check character
    for index, (code_set, chars) in enumerate(code128_segments(text)):
        symbols += (1 if index else 0) + (len(chars) // 2 if code_set == "C" else len(chars))
    return 11 * symbols + 13 + 20


def barcode128_command(text: str, height_dots: int, module_dots: int) -> bytes:
    """GS h / GS w / GS H 0 (no human-readable text) / GS k 73: one Code128 symbol."""
    if not 1 <= height_dots <= 255 or not 1 <= module_dots <= 6:
        raise ValueError("barcode height 1..255 dots, module width 1..6 dots")
    payload = code128_payload(text)
    if len(payload) > 255:
        raise ValueError("Code128 data too long")
    return (
        GS
        + b"h"
        + bytes((height_dots,))
        + GS
        + b"w"
        + bytes((module_dots,))
        + GS
        + b"H"
        + b"\x00"
        + GS
        + b"k"
        + bytes((CODE128_SYSTEM, len(payload)))
        + payload
    )


def module_width_for(text: str, paper_dots: int) -> int:
    """The widest module (1..3 dots) at which the symbol fits the paper."""
    return max(1, min(3, paper_dots // code128_modules(text)))


def raster_commands(image: Image.Image, fragment_rows: int) -> list[bytes]:
    """GS v 0 commands for ``image`` (black = ink), one per slice of ``fragment_rows`` rows.

    python-escpos's ``image()`` does the same but prints a warning to stdout when its own
    profile has no paper width, and re-splits via the original image; this is the plain form.
    """
    if fragment_rows < 1:
        raise ValueError("fragment_rows must be positive")
    commands: list[bytes] = []
    for top in range(0, image.height, fragment_rows):
        piece = EscposImage(
            image.crop((0, top, image.width, min(image.height, top + fragment_rows)))
        )
        header = GS + b"v0\x00" + _low_high(piece.width_bytes) + _low_high(piece.height)
        commands.append(header + piece.to_raster_format())
    return commands


def _low_high(value: int) -> bytes:
    return bytes((value & 0xFF, value >> 8))
