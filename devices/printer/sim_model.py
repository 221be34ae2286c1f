"""What the simulator understood from a byte stream: receipts made of printable elements."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from PIL import Image

Align = Literal["left", "center", "right"]


@dataclass(frozen=True)
class TextSegment:
    text: str
    bold: bool = False
    width: int = 1
    height: int = 1


@dataclass(frozen=True)
class TextLine:
    segments: tuple[TextSegment, ...]
    align: Align = "left"

    @property
    def text(self) -> str:
        return "".join(segment.text for segment in self.segments)


@dataclass(frozen=True)
class RasterImage:
    image: Image.Image
    """Mode '1', black = ink."""
    align: Align = "left"


@dataclass(frozen=True)
class QRSymbol:
    payload: bytes
    module_dots: int = 3
    error_correction: str = "L"
    align: Align = "left"


@dataclass(frozen=True)
class BarcodeSymbol:
    kind: str
    data: str
    height_dots: int = 162
    module_dots: int = 3
    hri: int = 0
    """0 none, 1 above, 2 below, 3 both."""
    align: Align = "left"


@dataclass(frozen=True)
class FeedSpace:
    dots: int


Element = TextLine | RasterImage | QRSymbol | BarcodeSymbol | FeedSpace


@dataclass
class Receipt:
    """One job: everything up to a cut (or up to the end of a capture file)."""

    elements: list[Element] = field(default_factory=list)
    raw: bytearray = field(default_factory=bytearray)
    cut: str | None = None
    """'full', 'partial', or None when the stream ended without a cut."""
    notes: list[str] = field(default_factory=list)
    """Commands the simulator skipped or did not understand."""

    @property
    def lines(self) -> list[str]:
        return [e.text for e in self.elements if isinstance(e, TextLine)]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def qr_payloads(self) -> list[bytes]:
        return [e.payload for e in self.elements if isinstance(e, QRSymbol)]

    @property
    def barcodes(self) -> list[str]:
        return [e.data for e in self.elements if isinstance(e, BarcodeSymbol)]

    @property
    def images(self) -> list[RasterImage]:
        return [e for e in self.elements if isinstance(e, RasterImage)]

    @property
    def empty(self) -> bool:
        return not self.elements


@dataclass
class StatusFlags:
    """The simulated printer's state, as its DLE EOT answers report it (settable live)."""

    paper_out: bool = False
    paper_near_end: bool = False
    offline: bool = False
    cover_open: bool = False
    mute: bool = False
    """Answer no status query (a hung or wrongly wired printer)."""
    garbled: bool = False
    """Answer status queries with a byte that is not a status."""

    def reply(self, n: int) -> bytes:
        """The answer to DLE EOT ``n`` (bits as in the ESC/POS reference)."""
        if self.mute:
            return b""
        if self.garbled:
            return b"\xff"
        value = 0x12
        if n == 1 and (self.offline or self.cover_open or self.paper_out):
            value |= 0x08
        elif n == 2:
            value |= (0x04 if self.cover_open else 0) | (0x20 if self.paper_out else 0)
            value |= 0x40 if self.offline else 0
        elif n == 4:
            value |= (0x0C if self.paper_near_end else 0) | (0x60 if self.paper_out else 0)
        return bytes((value,))
