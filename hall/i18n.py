"""Translations kept as data: ``hall/locales/<lang>/<domain>.toml``.

A key is ``<domain>.<name>``; values are ``str.format`` templates. Every language
must have every key (a test enforces it); at run time a missing key falls back
to the hall's own language, then to the key itself, so a gap never crashes a screen.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any, Literal

LOCALES_DIR = Path(__file__).with_name("locales")
LANGUAGES = ("zh-Hant", "zh-Hans", "en")
"""The hall's three languages, its own (Traditional Chinese) first: the one definition."""
Lang = Literal["zh-Hant", "zh-Hans", "en"]
FALLBACK = "zh-Hant"


def _flatten(prefix: str, node: dict[str, Any], out: dict[str, str]) -> None:
    for key, value in node.items():
        full = f"{prefix}.{key}"
        if isinstance(value, dict):
            _flatten(full, value, out)
        else:
            out[full] = str(value)


@cache
def catalog(lang: str) -> dict[str, str]:
    """All messages of one language, keyed ``domain.name``."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGUAGES)}")
    out: dict[str, str] = {}
    for path in sorted((LOCALES_DIR / lang).glob("*.toml")):
        _flatten(path.stem, tomllib.loads(path.read_text(encoding="utf-8")), out)
    return out


def t(key: str, lang: str = FALLBACK, /, **params: Any) -> str:
    """The message ``key`` in ``lang``, formatted with ``params``."""
    template = catalog(lang).get(key) or catalog(FALLBACK).get(key) or key
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template
