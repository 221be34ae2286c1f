"""Find a real CJK font face for rendering Chinese (Pillow rasters, Kivy labels).

Kivy's SDL2 text provider opens only the first face of a ``.ttc``; WenQuanYi
Micro Hei's first face is Chinese, whereas Noto CJK collections start with the
Japanese face. So WenQuanYi comes first, and a Noto collection is returned with
the index of its Traditional Chinese face for Pillow (which can pick a face).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

CANDIDATES: tuple[tuple[str, int, bool], ...] = (
    # path, face index, first face is Chinese (usable by Kivy as is)
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0, True),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0, True),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 3, False),
)


@dataclass(frozen=True)
class FontFace:
    path: Path
    index: int
    kivy_safe: bool
    """True when face 0 of the file is this Chinese face (what Kivy would use)."""


class FontNotFound(RuntimeError):
    """No CJK font is installed; install fonts-wqy-microhei (``make setup`` does)."""


def cjk_font() -> FontFace:
    """The CJK face to render with; ``HALL_CJK_FONT=path[:index]`` overrides."""
    override = os.environ.get("HALL_CJK_FONT")
    if override:
        file, _, face = override.partition(":")
        return FontFace(Path(file), int(face or 0), int(face or 0) == 0)
    for path, index, kivy_safe in CANDIDATES:
        if Path(path).is_file():
            return FontFace(Path(path), index, kivy_safe)
    raise FontNotFound(
        "no CJK font found; install fonts-wqy-microhei or set HALL_CJK_FONT=/path/font.ttc[:index]"
    )
