"""The language of a screen: one current language, texts from the locale files.

Views bind to ``app.lang`` so every text re-renders when the language changes:
``text: app.tr("kiosk.home.title", app.lang)`` in kv (passing ``app.lang`` makes
kv re-evaluate the rule when it changes).
"""

from __future__ import annotations

from typing import Any

from hall.i18n import LANGUAGES, t


def language_label(lang: str) -> str:
    """A language's name written in that language (for the switch buttons)."""
    return t(f"ui.language.{lang}", lang)


def tr(key: str, lang: str, **params: Any) -> str:
    """The text ``key`` in ``lang`` (see :func:`hall.i18n.t`)."""
    return t(key, lang, **params)


def next_language(lang: str) -> str:
    """The language after ``lang`` in the switch's order (for a single cycling button)."""
    return LANGUAGES[(LANGUAGES.index(lang) + 1) % len(LANGUAGES)]
