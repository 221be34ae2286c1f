"""Text for the printer: display widths, wrapping, and encoding in the profile's encoding.

:func:`encode_native` is the replacement for python-escpos's ``text()`` path, which sends
GB18030 only when a string has a character in U+4E00..U+9FA5 and turns other characters
into ``?``. Here a line is either encoded whole in the printer's own encoding, or (when one
character cannot be held) reported as needing raster, never degraded.
"""

from __future__ import annotations

import re
import unicodedata

from devices.printer.profiles import ChineseMode, PrinterProfile

_TOKEN = re.compile(r"[!-~]+|\s|.", re.DOTALL)
_NO_LINE_START = set("，。、；：？！）」』】〕﹞》,.;:?!)")


def char_width(char: str) -> int:
    """Columns a character takes in Font A: 2 for wide (Han, full-width), 0 for combining."""
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F", "A") and ord(char) > 0x7F else 1


def display_width(text: str) -> int:
    """Columns ``text`` takes in Font A."""
    return sum(char_width(char) for char in text)


def wrap(text: str, columns: int) -> list[str]:
    """Split ``text`` into lines of at most ``columns`` (wide chars count 2).

    Latin words stay whole when they fit; Chinese breaks between any two characters,
    except that closing punctuation never starts a line.
    """
    if columns < 2:
        raise ValueError("columns must be at least 2")
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        lines.extend(_wrap_paragraph(paragraph, columns))
    return lines


def _wrap_paragraph(paragraph: str, columns: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for token in _TOKEN.findall(paragraph):
        if display_width(current + token) <= columns:
            current += token
            continue
        if token in _NO_LINE_START and current:
            current, moved = current[:-1], current[-1]
            token = moved + token
        if current.strip():
            lines.append(current.rstrip())
        current = "" if token.isspace() else token
        while display_width(current) > columns:
            head = _longest_prefix(current, columns)
            lines.append(head)
            current = current[len(head) :]
    if current.strip() or not lines:
        lines.append(current.rstrip())
    return lines


def _longest_prefix(text: str, columns: int) -> str:
    width = 0
    for index, char in enumerate(text):
        width += char_width(char)
        if width > columns:
            return text[: max(index, 1)]
    return text


def encode_native(line: str, profile: PrinterProfile) -> bytes | None:
    """``line`` in the printer's encoding, or None when it must be printed as raster.

    ASCII always goes out as text. Otherwise the whole line must be encodable in the
    profile's encoding (for GB18030 printers without the 4-byte glyph region, also
    without 4-byte sequences); one character that is not makes the whole line raster.
    """
    if any(ord(char) < 0x20 for char in line):
        raise ValueError("a printed line may not contain control characters")
    if line.isascii():
        return line.encode("ascii")
    if profile.encoding is None:
        return None
    try:
        encoded = line.encode(profile.encoding)
    except UnicodeEncodeError:
        return None
    four_byte = any(len(char.encode("gb18030")) == 4 for char in line)
    if profile.chinese is ChineseMode.GB18030 and not profile.four_byte_glyphs and four_byte:
        return None
    return encoded
