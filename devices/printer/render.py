"""Execute print operations on any python-escpos printer object (Usb, Network, Dummy ...).

Text goes out in the profile's encoding through ``_raw`` (never python-escpos's ``text()``,
which turns many characters into ``?``); a line the encoding cannot hold goes out as a
raster image rendered with the CJK font.
"""

from __future__ import annotations

import qrcode
from barcode import Code128
from barcode.writer import ImageWriter
from escpos.constants import QR_ECLEVEL_M
from escpos.escpos import Escpos
from PIL import Image

from devices.printer import commands, raster
from devices.printer.ops import Barcode128, Cut, Feed, Line, Op, QRCode, Rule
from devices.printer.profiles import PrinterProfile
from devices.printer.text import encode_native, wrap

LF = b"\n"
CUT_FEED_LINES = 4


def render_ops(ops: list[Op], printer: Escpos, profile: PrinterProfile) -> None:
    """Send ``ops`` to ``printer`` as one job (ESC @ first)."""
    start_job(printer, profile)
    for index, op in enumerate(ops):
        if isinstance(op, Line):
            _line(op, printer, profile)
        elif isinstance(op, Rule):
            _style(printer, Line(""))
            printer._raw((op.char * profile.columns).encode("ascii") + LF)
        elif isinstance(op, Feed):
            printer.print_and_feed(op.lines)
        elif isinstance(op, QRCode):
            _qr(op, printer, profile)
        elif isinstance(op, Barcode128):
            _barcode(op, printer, profile)
        elif isinstance(op, Cut):
            printer.cut(mode="PART")
            if index + 1 < len(ops):
                start_job(printer, profile)
        else:  # pragma: no cover - the Op union is closed
            raise TypeError(f"unknown print operation {op!r}")


def start_job(printer: Escpos, profile: PrinterProfile) -> None:
    """ESC @ (reset modes), then FS & when the profile's printer needs Chinese mode on."""
    printer.hw("INIT")
    if profile.enter_chinese_mode:
        printer._raw(commands.CHINESE_MODE_ON)


def _style(printer: Escpos, line: Line) -> None:
    printer.set(
        align=line.align, bold=line.bold, custom_size=True, width=line.width, height=line.height
    )


def _line(line: Line, printer: Escpos, profile: PrinterProfile) -> None:
    _style(printer, line)
    if line.proportional:
        _proportional_line(line, printer, profile)
        return
    columns = max(2, profile.columns // line.width)
    first, rest = line.indent, line.indent + line.hang
    wrapped = wrap(line.text, max(2, columns - rest))
    if first != rest and wrapped:  # the first line may use the hanging columns
        head = wrap(line.text, max(2, columns - first))[0]
        wrapped = [head, *wrap(line.text[len(head) :].lstrip(), max(2, columns - rest))]
        wrapped = [w for w in wrapped if w] or [head]
    for index, text in enumerate(wrapped):
        text = " " * (first if index == 0 else rest) + text
        encoded = encode_native(text, profile)
        if encoded is not None:
            printer._raw(encoded + LF)
            continue
        image = raster.render_lines(
            [text],
            profile.paper_dots,
            align=line.align,
            bold=line.bold,
            width_scale=line.width,
            height_scale=line.height,
        )
        send_image(printer, image, profile)


def _proportional_line(line: Line, printer: Escpos, profile: PrinterProfile) -> None:
    """Wrap by the proportional font's real widths and send the lines as one raster image."""
    margin = line.indent * raster.LINE_DOTS // 2
    hang = line.hang * raster.LINE_DOTS // 2
    lines = raster.wrap_dots(
        line.text,
        profile.paper_dots - margin,
        profile.paper_dots - margin - hang,
        bold=line.bold,
        width_scale=line.width,
        height_scale=line.height,
    )
    image = raster.render_lines(
        lines,
        profile.paper_dots,
        align=line.align,
        bold=line.bold,
        width_scale=line.width,
        height_scale=line.height,
        margins=[margin] + [margin + hang] * (len(lines) - 1),
    )
    send_image(printer, image, profile)


def send_image(printer: Escpos, image: Image.Image, profile: PrinterProfile) -> None:
    """GS v 0 in slices of ``profile.image_fragment_height`` rows (long USB writes time out)."""
    for command in commands.raster_commands(image, profile.image_fragment_height):
        printer._raw(command)


def _centered(image: Image.Image, paper_dots: int) -> Image.Image:
    image = image.convert("1")
    if image.width >= paper_dots:
        return image.crop((0, 0, paper_dots, image.height))
    canvas = Image.new("1", (paper_dots, image.height), 1)
    canvas.paste(image, ((paper_dots - image.width) // 2, 0))
    return canvas


def _qr(op: QRCode, printer: Escpos, profile: PrinterProfile) -> None:
    printer.set(align="center")
    if profile.native_qr:
        printer.qr(op.payload, ec=QR_ECLEVEL_M, size=op.module_dots, native=True)
        printer._raw(LF)
        return
    code = qrcode.QRCode(
        box_size=op.module_dots, border=2, error_correction=qrcode.constants.ERROR_CORRECT_M
    )
    code.add_data(op.payload)
    code.make(fit=True)
    send_image(printer, _centered(code.make_image().get_image(), profile.paper_dots), profile)


def _barcode(op: Barcode128, printer: Escpos, profile: PrinterProfile) -> None:
    printer.set(align="center")
    module = commands.module_width_for(op.data, profile.paper_dots)
    if profile.native_barcode:
        printer._raw(commands.barcode128_command(op.data, op.height_dots, module) + LF)
        return
    dots_per_mm = profile.paper_dots / (48 if profile.paper_dots <= 384 else 72)
    image = Code128(op.data, writer=ImageWriter()).render(
        writer_options={
            "module_width": module / dots_per_mm,
            "module_height": op.height_dots / dots_per_mm,
            "quiet_zone": 2.0,
            "write_text": False,
            "dpi": round(dots_per_mm * 25.4),
        }
    )
    send_image(printer, _centered(image, profile.paper_dots), profile)
