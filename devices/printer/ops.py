"""High-level print operations: what a slip layout is made of.

Layouts (``slips.py``) produce these; ``render.py`` turns them into ESC/POS on a
python-escpos printer. They know nothing of encodings or paper width.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Align = Literal["left", "center", "right"]


@dataclass(frozen=True)
class Line:
    """A paragraph of text, wrapped to the paper at render time."""

    text: str
    align: Align = "left"
    bold: bool = False
    width: int = 1
    height: int = 1

    def __post_init__(self) -> None:
        if not (1 <= self.width <= 8 and 1 <= self.height <= 8):
            raise ValueError("text size multipliers must be 1..8")


@dataclass(frozen=True)
class Rule:
    """A full-width separator line."""

    char: str = "-"

    def __post_init__(self) -> None:
        if len(self.char) != 1 or not 0x20 < ord(self.char) < 0x7F:
            raise ValueError("a rule is drawn with one printable ASCII character")


@dataclass(frozen=True)
class Feed:
    lines: int = 1


@dataclass(frozen=True)
class QRCode:
    """A QR code; the payload must be ASCII (scanners guess other encodings)."""

    payload: str
    module_dots: int = 6

    def __post_init__(self) -> None:
        if not self.payload.isascii() or not self.payload:
            raise ValueError("QR payload must be non-empty ASCII")


@dataclass(frozen=True)
class Barcode128:
    """A Code128 barcode (human-readable text is a separate :class:`Line`)."""

    data: str
    height_dots: int = 80

    def __post_init__(self) -> None:
        if not self.data or not all(0x20 <= ord(c) < 0x7F for c in self.data):
            raise ValueError("Code128 data must be printable ASCII")


@dataclass(frozen=True)
class Cut:
    """Feed past the cutter and cut: the end of one receipt."""


Op = Line | Rule | Feed | QRCode | Barcode128 | Cut
