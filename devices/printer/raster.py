"""Render text lines with the CJK font into 1-bit images at paper width."""

from __future__ import annotations

import re
from functools import cache
from typing import Literal

from PIL import Image, ImageDraw, ImageFont

from hall.fonts import cjk_font

Align = Literal["left", "center", "right"]

LINE_DOTS = 24
"""Height of one text line at normal size: the printers' 24-dot Chinese font."""
LINE_GAP = 8
"""Dots between lines, so raster lines keep the pitch of text lines (ESC 2)."""
INK_THRESHOLD = 150


@cache
def font(size: int) -> ImageFont.FreeTypeFont:
    """The hall's CJK face at ``size`` pixels."""
    face = cjk_font()
    return ImageFont.truetype(str(face.path), size, index=face.index)


def draw_line(
    canvas: Image.Image,
    text: str,
    top: int,
    *,
    align: Align = "left",
    bold: bool = False,
    width_scale: int = 1,
    height_scale: int = 1,
) -> int:
    """Draw ``text`` on a greyscale ``canvas`` at ``top``; returns the line height in dots."""
    line = text_image(text, bold=bold, width_scale=width_scale, height_scale=height_scale)
    left = _left(canvas.width, line.width, align)
    canvas.paste(0, (left, top), mask=line)
    return line.height


def text_image(
    text: str, *, bold: bool = False, width_scale: int = 1, height_scale: int = 1
) -> Image.Image:
    """A mask ('L', 255 = ink) of one line of ``text``, LINE_DOTS high per height step."""
    size = LINE_DOTS * height_scale
    face = font(size - max(2, size // 12))
    shift = 1 if bold else 0  # emphasized: struck twice, one dot apart (as printers do)
    text_width = max(1, round(face.getlength(text)) + shift)
    mask = Image.new("L", (text_width, size), 0)
    draw = ImageDraw.Draw(mask)
    baseline = size - 1 - face.getbbox("g", anchor="ls")[3]  # room for descenders
    for dx in range(shift + 1):
        draw.text((dx, baseline), text, font=face, fill=255, anchor="ls")
    if width_scale != height_scale:
        mask = mask.resize((max(1, text_width * width_scale // height_scale), size))
    return mask


def render_lines(
    lines: list[str],
    paper_dots: int,
    *,
    align: Align = "left",
    bold: bool = False,
    width_scale: int = 1,
    height_scale: int = 1,
    margins: list[int] | None = None,
) -> Image.Image:
    """A 1-bit image ``paper_dots`` wide holding ``lines`` (black = ink); ``margins`` gives
    each left-aligned line's left margin in dots."""
    pitch = LINE_DOTS * height_scale + LINE_GAP
    canvas = Image.new("L", (paper_dots, pitch * max(1, len(lines))), 255)
    top = LINE_GAP // 2
    for index, text in enumerate(lines):
        margin = margins[index] if margins and index < len(margins) else 0
        line = text_image(text, bold=bold, width_scale=width_scale, height_scale=height_scale)
        left = margin if align == "left" else _left(paper_dots, line.width, align)
        canvas.paste(0, (left, top), mask=line)
        top += LINE_GAP + line.height
    return canvas.point(lambda value: 0 if value < INK_THRESHOLD else 255).convert("1")


def wrap_dots(
    text: str,
    first_dots: int,
    rest_dots: int,
    *,
    bold: bool = False,
    width_scale: int = 1,
    height_scale: int = 1,
) -> list[str]:
    """Wrap ``text`` at spaces (Han text between characters) so each line's drawn width
    fits: ``first_dots`` for the first line, ``rest_dots`` after."""

    def width(chunk: str) -> int:
        return text_image(
            chunk, bold=bold, width_scale=width_scale, height_scale=height_scale
        ).width

    tokens = re.findall(r"[!-~\u00a0-\u024f]+|\s+|.", text)
    lines: list[str] = []
    current = ""
    for token in tokens:
        limit = first_dots if not lines else rest_dots
        candidate = current + token
        if width(candidate.rstrip()) <= limit or not current.strip():
            current = candidate if current or not token.isspace() else ""
            while width(current) > limit and len(current) > 1:  # one word wider than paper
                cut = len(current) - 1
                while cut > 1 and width(current[:cut]) > limit:
                    cut -= 1
                lines.append(current[:cut])
                current = current[cut:]
                limit = rest_dots
            continue
        lines.append(current.rstrip())
        current = "" if token.isspace() else token
    if current.strip() or not lines:
        lines.append(current.rstrip())
    return lines


def _left(paper_dots: int, width: int, align: Align) -> int:
    if align == "center":
        return max(0, (paper_dots - width) // 2)
    if align == "right":
        return max(0, paper_dots - width)
    return 0
