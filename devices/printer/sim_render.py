"""Draw a simulated receipt as a PNG: the printer's 12/24-dot character grid with the CJK
font, raster images as sent, QR codes and Code128 barcodes as the printer would draw them."""

from __future__ import annotations

from functools import cache

import barcode
import qrcode
from PIL import Image, ImageDraw

from devices.printer import raster
from devices.printer.sim_model import (
    Align,
    BarcodeSymbol,
    Element,
    FeedSpace,
    QRSymbol,
    RasterImage,
    Receipt,
    TextLine,
    TextSegment,
)
from devices.printer.text import char_width

MARGIN = 16
"""Paper around the printable area, in dots."""
QR_EC = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}


def render_receipt(receipt: Receipt, paper_dots: int) -> Image.Image:
    """The receipt as a greyscale image: the printable ``paper_dots`` plus a paper margin."""
    strips = [_strip(element, paper_dots) for element in receipt.elements]
    height = 2 * MARGIN + sum(strip.height for strip in strips)
    page = Image.new("L", (paper_dots + 2 * MARGIN, height), 255)
    top = MARGIN
    for strip in strips:
        page.paste(strip, (MARGIN, top))
        top += strip.height
    ImageDraw.Draw(page).rectangle([0, 0, page.width - 1, height - 1], outline=200)
    return page


def _strip(element: Element, paper_dots: int) -> Image.Image:
    if isinstance(element, TextLine):
        return _text_line(element, paper_dots)
    if isinstance(element, RasterImage):
        return _placed(element.image.convert("L"), paper_dots, element.align)
    if isinstance(element, QRSymbol):
        return _placed(_qr(element), paper_dots, element.align)
    if isinstance(element, BarcodeSymbol):
        return _placed(_barcode(element), paper_dots, element.align)
    assert isinstance(element, FeedSpace)
    return Image.new("L", (paper_dots, element.dots), 255)


def _placed(image: Image.Image, paper_dots: int, align: Align) -> Image.Image:
    strip = Image.new("L", (paper_dots, image.height), 255)
    if align == "center":
        left = (paper_dots - image.width) // 2
    elif align == "right":
        left = paper_dots - image.width
    else:
        left = 0
    strip.paste(image.crop((0, 0, min(image.width, paper_dots), image.height)), (max(0, left), 0))
    return strip


def _cell(char: str, segment: TextSegment) -> int:
    return raster.LINE_DOTS // 2 * char_width(char) * segment.width


@cache
def _glyph(char: str, bold: bool, width: int, height: int) -> Image.Image:
    return raster.text_image(char, bold=bold, width_scale=width, height_scale=height)


def _text_line(line: TextLine, paper_dots: int) -> Image.Image:
    line_height = max(raster.LINE_DOTS * s.height for s in line.segments) + raster.LINE_GAP
    cells = [(char, segment) for segment in line.segments for char in segment.text]
    total = sum(_cell(char, segment) for char, segment in cells)
    strip = Image.new("L", (max(paper_dots, total), line_height), 255)
    x = {"left": 0, "center": (paper_dots - total) // 2, "right": paper_dots - total}[line.align]
    x = max(0, x)
    for char, segment in cells:
        width = _cell(char, segment)
        if not char.isspace():
            glyph = _glyph(char, segment.bold, segment.width, segment.height)
            top = line_height - raster.LINE_GAP // 2 - glyph.height
            strip.paste(0, (x + max(0, (width - glyph.width) // 2), top), mask=glyph)
        x += width
    return strip.crop((0, 0, paper_dots, line_height))


def _qr(symbol: QRSymbol) -> Image.Image:
    code = qrcode.QRCode(
        box_size=max(1, symbol.module_dots),
        border=0,
        error_correction=QR_EC.get(symbol.error_correction, QR_EC["L"]),
    )
    code.add_data(symbol.payload)
    code.make(fit=True)
    return code.make_image().get_image().convert("L")


def _barcode(symbol: BarcodeSymbol) -> Image.Image:
    if symbol.kind != "CODE128":
        return _hri_only(symbol)
    modules = barcode.get("code128", symbol.data).build()[0]
    module = max(1, symbol.module_dots)
    bars = Image.new("L", (len(modules) * module, symbol.height_dots), 255)
    draw = ImageDraw.Draw(bars)
    for index, bit in enumerate(modules):
        if bit == "1":
            draw.rectangle(
                [index * module, 0, (index + 1) * module - 1, symbol.height_dots - 1], fill=0
            )
    if not symbol.hri:
        return bars
    text = _hri_only(symbol)
    out = Image.new("L", (max(bars.width, text.width), bars.height + text.height), 255)
    out.paste(bars, ((out.width - bars.width) // 2, 0))
    out.paste(text, ((out.width - text.width) // 2, bars.height))
    return out


def _hri_only(symbol: BarcodeSymbol) -> Image.Image:
    mask = raster.text_image(f"{symbol.data}")
    out = Image.new("L", mask.size, 255)
    out.paste(0, (0, 0), mask=mask)
    return out
