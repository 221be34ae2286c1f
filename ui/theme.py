"""Colours and sizes every hall screen shares, with the accessibility checks behind them.

Text contrast follows WCAG 2: at least 4.5:1 for body text (the issue asks that of
the kiosk); touch targets are sized in millimetres on the configured screen.
"""

from __future__ import annotations

from dataclasses import dataclass

RGB = tuple[float, float, float]


def hex_rgb(value: str) -> RGB:
    value = value.lstrip("#")
    return tuple(int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def _linear(c: float) -> float:
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(rgb: RGB) -> float:
    r, g, b = (_linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: RGB, b: RGB) -> float:
    """WCAG contrast ratio of two colours (1..21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@dataclass(frozen=True)
class Palette:
    background: str = "#0B1F3A"
    text: str = "#FFFFFF"
    muted_text: str = "#D6E2F0"
    button: str = "#1D5FA8"
    button_text: str = "#FFFFFF"
    accent: str = "#FFD24D"
    accent_text: str = "#1A1A1A"
    selected: str = "#FFD24D"
    selected_text: str = "#1A1A1A"
    panel: str = "#132F55"
    error: str = "#FFB4A8"
    ok: str = "#9BE7A1"

    def rgba(self, name: str) -> list[float]:
        return [*hex_rgb(getattr(self, name)), 1.0]

    def pairs(self) -> dict[str, tuple[str, str]]:
        """Every (text, ground) pair a screen draws, for the contrast check."""
        return {
            "text": (self.text, self.background),
            "muted_text": (self.muted_text, self.background),
            "text_on_panel": (self.text, self.panel),
            "muted_on_panel": (self.muted_text, self.panel),
            "button": (self.button_text, self.button),
            "accent": (self.accent_text, self.accent),
            "selected": (self.selected_text, self.selected),
            "error": (self.error, self.background),
            "error_on_panel": (self.error, self.panel),
            "ok": (self.ok, self.background),
            "ok_on_panel": (self.ok, self.panel),
        }

    def worst_contrast(self) -> tuple[str, float]:
        return min(
            ((name, contrast(hex_rgb(fg), hex_rgb(bg))) for name, (fg, bg) in self.pairs().items()),
            key=lambda p: p[1],
        )


PALETTE = Palette()


def mm_to_px(mm: float, dpi: float) -> float:
    """Pixels covering ``mm`` millimetres on a screen of ``dpi`` dots per inch."""
    return mm / 25.4 * dpi


def screen_dpi(width_px: int, height_px: int, diagonal_in: float) -> float:
    """The dpi of a screen from its resolution and its diagonal in inches."""
    return (width_px**2 + height_px**2) ** 0.5 / diagonal_in
