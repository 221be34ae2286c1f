"""Make the hall's CJK font Kivy's default for every widget.

Kivy's SDL2 text provider opens only face 0 of a ``.ttc``; :func:`hall.fonts.cjk_font`
prefers WenQuanYi Micro Hei whose face 0 is Chinese. A collection whose face 0 is
not Chinese (Noto CJK) is refused with a clear message rather than rendering
Japanese glyph forms.
"""

from __future__ import annotations

from pathlib import Path

from hall.fonts import FontNotFound, cjk_font

_registered: Path | None = None


def register_default_font() -> Path:
    """Register the CJK face as ``Roboto`` (Kivy's DEFAULT_FONT); return its path."""
    global _registered
    if _registered is not None:
        return _registered
    face = cjk_font()
    if not face.kivy_safe:
        raise FontNotFound(
            f"{face.path} face {face.index} is not its first face; Kivy would render face 0. "
            "Install fonts-wqy-microhei or set HALL_CJK_FONT to a single-face font."
        )
    from kivy.core.text import DEFAULT_FONT, LabelBase

    path = str(face.path)
    LabelBase.register(DEFAULT_FONT, path, path, path, path)
    _registered = face.path
    return face.path
