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
    proportional: bool = False
    """Draw with the proportional font as a raster image (Latin text: the printer's own
    font is monospaced and cramps it)."""
    indent: int = 0
    """Columns of left margin on every wrapped line."""
    hang: int = 0
    """Further columns of indent on continuation lines (under a list item's text)."""

    def __post_init__(self) -> None:
        if not (1 <= self.width <= 8 and 1 <= self.height <= 8):
            raise ValueError("text size multipliers must be 1..8")
        if not (0 <= self.indent <= 8 and 0 <= self.hang <= 8):
            raise ValueError("indent and hang are 0..8 columns")


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
