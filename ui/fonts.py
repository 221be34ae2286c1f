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


def release_label_surfaces() -> None:
    """Make Kivy's SDL2 text provider drop a label's pixel surface once rendered.

    Kivy 2.3.1's ``LabelSDL2._render_end`` copies the SDL surface into the label's
    texture data but keeps ``self._surface`` (the pygame provider deletes its own), so
    every label alive holds its pixels twice: once as an SDL surface (RGBA, the label's
    size) and once as its GL texture. Under a software renderer both are process memory
    (measured on the kiosk: ~9.5 MB of surfaces). Nothing reads the surface after the
    render; a new render makes a new one.
    """
    from kivy.core import text

    provider = text.Label
    if getattr(provider, "_hall_releases_surface", False):
        return
    if provider.__name__ != "LabelSDL2":  # other providers keep nothing
        return
    render_end = provider._render_end

    def _render_end(self: object) -> object:
        try:
            return render_end(self)
        finally:
            self._surface = None  # type: ignore[attr-defined]

    provider._render_end = _render_end
    provider._hall_releases_surface = True
