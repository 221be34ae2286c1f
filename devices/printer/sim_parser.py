"""Incremental ESC/POS interpreter for the simulator: bytes in, receipts and replies out.

It understands what this package and python-escpos send (ESC @ / a / E / ! / d / J, GS ! /
v 0 / ( k / ( L / k / V / h / w / H, FS & / . / !, DLE EOT) and skips other common commands
by their known length, noting them on the receipt. Text is decoded in the printer's
encoding while Chinese mode is on, else as code page 437.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from PIL import Image

from devices.printer.sim_model import (
    Align,
    BarcodeSymbol,
    FeedSpace,
    QRSymbol,
    RasterImage,
    Receipt,
    StatusFlags,
    TextLine,
    TextSegment,
)

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10
LF, CR, HT = 0x0A, 0x0D, 0x09
LINE_DOTS = 32
"""Default line pitch in dots (ESC 2)."""
ALIGNS: dict[int, Align] = {
    0: "left",
    1: "center",
    2: "right",
    48: "left",
    49: "center",
    50: "right",
}
QR_EC = {48: "L", 49: "M", 50: "Q", 51: "H"}
HW_BARCODES = {
    65: "UPC-A",
    66: "UPC-E",
    67: "EAN13",
    68: "EAN8",
    69: "CODE39",
    70: "ITF",
    71: "NW7",
    72: "CODE93",
    73: "CODE128",
}

# Commands of fixed total length (prefix byte, command byte) -> bytes incl. both.
FIXED = {
    ESC: {
        b: n
        for n, cmds in {2: "@2<", 3: "aEG-!MtdJ3R{V=e U", 4: "B$\\c", 5: "p"}.items()
        for b in map(ord, cmds)
    },
    FS: {b: n for n, cmds in {2: "&.", 3: "!-CW", 4: "Sp"}.items() for b in map(ord, cmds)},
    GS: {b: n for n, cmds in {3: "!BhwHfarIb/", 4: "LWP$\\"}.items() for b in map(ord, cmds)},
}


@dataclass(frozen=True)
class _Style:
    align: Align = "left"
    bold: bool = False
    width: int = 1
    height: int = 1


class EscPosInterpreter:
    """Feed bytes with :meth:`feed`; finished receipts go to ``on_receipt``."""

    def __init__(
        self,
        encoding: str | None,
        flags: StatusFlags | None = None,
        on_receipt: Callable[[Receipt], None] | None = None,
    ) -> None:
        self.encoding = encoding
        self.flags = flags or StatusFlags()
        self.on_receipt = on_receipt
        self.receipts: list[Receipt] = []
        self.chinese_mode = encoding is not None
        """A printer with a Chinese font boots in Chinese mode; FS & / FS . switch it."""
        self._buffer = bytearray()
        self._receipt = Receipt()
        self._style = _Style()
        self._segments: list[TextSegment] = []
        self._line_align: Align = "left"
        self._text = bytearray()
        self._qr = {"module": 3, "ec": "L", "data": b""}
        self._barcode = {"height": 162, "module": 3, "hri": 0}
        self._graphics: Image.Image | None = None
        self._pending_cut: str | None = None

    # ----------------------------------------------------------------- public

    def feed(self, data: bytes) -> bytes:
        """Interpret ``data`` (any split of the stream); returns the bytes to answer."""
        self._buffer += data
        replies = bytearray()
        while self._buffer:
            length = self._step(replies)
            if length == 0:
                break  # incomplete command: wait for more bytes
            del self._buffer[:length]
        return bytes(replies)

    def finish(self) -> None:
        """End of stream: an uncut, non-empty job still becomes a receipt."""
        self._flush_line(force=False)
        if not self._receipt.empty:
            self._emit(None)

    # ------------------------------------------------------------- dispatcher

    def _step(self, replies: bytearray) -> int:
        buf = self._buffer
        first = buf[0]
        if first == DLE:
            return self._dle(replies)
        if first in (ESC, FS, GS):
            length = self._command(first)
        elif first == LF:
            self._flush_line(force=True)
            length = 1
        elif first == HT:
            self._text += b" "
            length = 1
        elif first < 0x20:
            length = 1  # CR and other controls: nothing to print
        else:
            length = 1
            while length < len(buf) and buf[length] >= 0x20:
                length += 1
            self._text += buf[:length]
        if length:
            self._receipt.raw += buf[:length]
        if self._pending_cut:  # emitted after the cut's own bytes joined the receipt
            self._emit(self._pending_cut)
            self._pending_cut = None
        return length

    def _dle(self, replies: bytearray) -> int:
        if len(self._buffer) < 3:
            return 0
        if self._buffer[1] == 0x04:  # DLE EOT n: real-time status
            replies += self.flags.reply(self._buffer[2])
            return 3
        if self._buffer[1] == 0x14:  # DLE DC4 fn m t
            return 5 if len(self._buffer) >= 5 else 0
        return 3  # DLE ENQ n and friends

    def _command(self, prefix: int) -> int:
        buf = self._buffer
        if len(buf) < 2:
            return 0
        code = buf[1]
        fixed = FIXED[prefix].get(code)
        if fixed is None:
            return self._variable(prefix, code)
        if len(buf) < fixed:
            return 0
        self._apply(prefix, code, bytes(buf[2:fixed]))
        return fixed

    def _variable(self, prefix: int, code: int) -> int:
        buf = self._buffer
        if prefix == GS and code == ord("V"):
            if len(buf) < 3:
                return 0
            length = 4 if buf[2] in (65, 66, 97, 98, 103, 104) else 3
            if len(buf) < length:
                return 0
            self._cut("partial" if buf[2] in (1, 49, 66, 98, 104) else "full")
            return length
        if prefix == GS and code == ord("v"):
            return self._raster()
        if prefix == GS and code == ord("("):
            return self._function()
        if prefix == GS and code == ord("k"):
            return self._barcode_command()
        if prefix == ESC and code == ord("*"):
            if len(buf) < 5:
                return 0
            columns = buf[3] + 256 * buf[4]
            length = 5 + columns * (3 if buf[2] in (32, 33) else 1)
            if len(buf) >= length:
                self._receipt.notes.append("ESC * column image skipped")
            return length if len(buf) >= length else 0
        if prefix == ESC and code == ord("D"):
            end = buf.find(b"\x00", 2)
            return end + 1 if end >= 0 else 0
        self._receipt.notes.append(f"unknown command {prefix:02x} {code:02x}")
        return 2

    # ----------------------------------------------------------- fixed ones

    def _apply(self, prefix: int, code: int, args: bytes) -> None:
        command = (prefix, chr(code))
        if command == (ESC, "@"):
            self._text.clear()
            self._segments.clear()
            self._set_style(_Style())
        elif command == (ESC, "a"):
            self._set_style(replace(self._style, align=ALIGNS.get(args[0], "left")))
        elif command == (ESC, "E"):
            self._set_style(replace(self._style, bold=bool(args[0] & 1)))
        elif command == (ESC, "!"):
            mode = args[0]
            self._set_style(
                replace(
                    self._style,
                    bold=bool(mode & 0x08),
                    height=2 if mode & 0x10 else 1,
                    width=2 if mode & 0x20 else 1,
                )
            )
        elif command == (GS, "!"):
            self._set_style(
                replace(self._style, width=(args[0] >> 4) + 1, height=(args[0] & 0x07) + 1)
            )
        elif command == (ESC, "d"):
            self._flush_line(force=False)
            self._add(FeedSpace(args[0] * LINE_DOTS))
        elif command == (ESC, "J"):
            self._flush_line(force=False)
            self._add(FeedSpace(args[0]))
        elif command == (FS, "&"):
            self._close_segment()
            self.chinese_mode = True
        elif command == (FS, "."):
            self._close_segment()
            self.chinese_mode = False
        elif command == (GS, "h"):
            self._barcode["height"] = args[0]
        elif command == (GS, "w"):
            self._barcode["module"] = args[0]
        elif command == (GS, "H"):
            self._barcode["hri"] = args[0] & 0x03
        elif command in ((ESC, "t"), (ESC, "M"), (ESC, "2"), (ESC, "3"), (FS, "!")):
            pass  # code page, font, line pitch: the simulator keeps one font and pitch
        else:
            self._receipt.notes.append(f"skipped {prefix:02x} {command[1]!r}")

    # -------------------------------------------------------- variable ones

    def _raster(self) -> int:
        buf = self._buffer
        if len(buf) < 8:
            return 0
        width_bytes = buf[4] + 256 * buf[5]
        rows = buf[6] + 256 * buf[7]
        length = 8 + width_bytes * rows
        if len(buf) < length:
            return 0
        if width_bytes and rows:
            data = bytes(buf[8:length])
            image = Image.frombytes("1", (width_bytes * 8, rows), data)
            self._flush_line(force=False)
            # In the raster format a set bit is a dot; in Pillow's '1' a set bit is white.
            self._add(
                RasterImage(
                    Image.eval(image.convert("L"), lambda v: 255 - v).convert("1"),
                    self._style.align,
                )
            )
        return length

    def _function(self) -> int:
        buf = self._buffer
        if len(buf) < 5:
            return 0
        length = 5 + buf[3] + 256 * buf[4]
        if len(buf) < length:
            return 0
        body = bytes(buf[5:length])
        if buf[2] == ord("k") and len(body) >= 2 and body[0] == 49:
            self._qr_function(body[1], body[2:])
        elif buf[2] == ord("L") and len(body) >= 2:
            self._graphics_function(body[1], body[2:])
        else:
            self._receipt.notes.append(f"GS ( {chr(buf[2])} skipped")
        return length

    def _qr_function(self, fn: int, args: bytes) -> None:
        if fn == 67 and args:
            self._qr["module"] = args[0]
        elif fn == 69 and args:
            self._qr["ec"] = QR_EC.get(args[0], "L")
        elif fn == 80:
            self._qr["data"] = args[1:]  # after m = '0'
        elif fn == 81:
            self._flush_line(force=False)
            self._add(
                QRSymbol(
                    bytes(self._qr["data"]),
                    int(self._qr["module"]),
                    str(self._qr["ec"]),
                    self._style.align,
                )
            )

    def _graphics_function(self, fn: int, args: bytes) -> None:
        if fn == 112 and len(args) >= 8:  # store raster graphics: a bx by c xL xH yL yH d...
            width = args[4] + 256 * args[5]
            height = args[6] + 256 * args[7]
            data = args[8 : 8 + ((width + 7) // 8) * height]
            image = Image.frombytes("1", (((width + 7) // 8) * 8, height), data)
            self._graphics = Image.eval(image.convert("L"), lambda v: 255 - v).convert("1")
        elif fn == 50 and self._graphics is not None:  # print stored graphics
            self._flush_line(force=False)
            self._add(RasterImage(self._graphics, self._style.align))
            self._graphics = None

    def _barcode_command(self) -> int:
        buf = self._buffer
        if len(buf) < 3:
            return 0
        system = buf[2]
        if system <= 6:  # function A: NUL-terminated
            end = buf.find(b"\x00", 3)
            if end < 0:
                return 0
            data, length, kind = bytes(buf[3:end]), end + 1, f"A{system}"
        else:
            if len(buf) < 4 or len(buf) < 4 + buf[3]:
                return 0
            length = 4 + buf[3]
            data, kind = bytes(buf[4:length]), HW_BARCODES.get(system, f"B{system}")
        text = decode_code128(data) if kind == "CODE128" else data.decode("ascii", "replace")
        self._flush_line(force=False)
        self._add(
            BarcodeSymbol(
                kind,
                text,
                int(self._barcode["height"]),
                int(self._barcode["module"]),
                int(self._barcode["hri"]),
                self._style.align,
            )
        )
        return length

    # ----------------------------------------------------------------- text

    def _set_style(self, style: _Style) -> None:
        if style != self._style:
            self._close_segment()
            self._style = style

    def _close_segment(self) -> None:
        if not self._text:
            return
        codec = self.encoding if self.chinese_mode and self.encoding else "cp437"
        text = bytes(self._text).decode(codec, errors="replace")
        style = self._style
        if not self._segments:
            self._line_align = style.align
        self._segments.append(TextSegment(text, style.bold, style.width, style.height))
        self._text.clear()

    def _flush_line(self, *, force: bool) -> None:
        """End the current line (LF prints even an empty one: a blank line)."""
        self._close_segment()
        if self._segments:
            self._add(TextLine(tuple(self._segments), self._line_align))
            self._segments = []
        elif force:
            self._add(FeedSpace(LINE_DOTS))

    def _add(self, element: object) -> None:
        self._receipt.elements.append(element)  # type: ignore[arg-type]

    def _cut(self, kind: str) -> None:
        self._flush_line(force=False)
        self._pending_cut = kind

    def _emit(self, cut: str | None) -> None:
        receipt, self._receipt = self._receipt, Receipt()
        receipt.cut = cut
        self.receipts.append(receipt)
        if self.on_receipt is not None:
            self.on_receipt(receipt)


def decode_code128(data: bytes) -> str:
    """The text of GS k 73 data: ``{A``/``{B``/``{C`` switch sets, C bytes are pairs 00..99."""
    out: list[str] = []
    code_set = "B"
    index = 0
    while index < len(data):
        byte = data[index]
        if byte == ord("{") and index + 1 < len(data):
            nxt = chr(data[index + 1])
            if nxt in "ABC":
                code_set = nxt
                index += 2
                continue
            if nxt == "{":
                out.append("{")
                index += 2
                continue
            index += 2  # FNC / shift: nothing printable
            continue
        out.append(f"{byte:02d}" if code_set == "C" else chr(byte))
        index += 1
    return "".join(out)
