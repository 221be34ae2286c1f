"""Widgets every hall screen shares; their look is in ``ui/widgets.kv``.

- :class:`BigButton`: a touch target at least ``app.min_target_px`` high, wrapped text.
- :class:`WrapLabel`: wraps text without spaces (Chinese) to its width and grows to
  fit it, so a long name is never clipped.
- :class:`LanguageBar`: the 繁體 / 简体 / English switch bound to ``app.lang``.
"""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import BooleanProperty, ListProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.label import Label

from ui.theme import PALETTE


class WrapLabel(Label):
    """A label that wraps to its width and whose height follows its text."""


class BigButton(Button):
    """A large touch target; ``selected`` draws it in the accent colour."""

    selected = BooleanProperty(False)
    ground = ListProperty(PALETTE.rgba("button"))
    subtitle = StringProperty("")


class LanguageBar(BoxLayout):
    """Three buttons, one per language, each written in its own language."""


Builder.load_file(str(Path(__file__).with_name("widgets.kv")))
