"""Translations are data: every language has every key, and every refusal has a message."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hall import i18n

REPO = Path(__file__).resolve().parents[2]


def test_every_language_has_the_same_keys() -> None:
    keys = {lang: set(i18n.catalog(lang)) for lang in i18n.LANGUAGES}
    reference = keys["zh-Hant"]
    for lang, have in keys.items():
        assert have == reference, f"{lang}: missing {reference - have}, extra {have - reference}"


def test_every_error_code_the_service_can_send_is_translated() -> None:
    sources = [
        *sorted((REPO / "broker").rglob("*.py")),
        REPO / "hall" / "protocol.py",
        REPO / "kiosk" / "desk.py",
        REPO / "cases" / "rules.py",
    ]
    codes = set()
    for path in sources:
        text = path.read_text(encoding="utf-8")
        codes |= set(re.findall(r'CommandRejected\(\s*"([a-z_]+)"', text))
        codes |= set(re.findall(r'CaseRuleError\(\s*"([a-z_]+)"', text))
        codes |= set(re.findall(r'_error\([^,]+,\s*[^,]+,\s*"([a-z_]+)"', text))
        codes |= set(re.findall(r'errors\.([a-z_]+)"', text))
    codes |= {"window_open", "window_paused", "window_closed"}  # f"window_{status}"
    codes.discard("window_open")
    assert len(codes) > 15
    for lang in i18n.LANGUAGES:
        missing = {c for c in codes if f"errors.{c}" not in i18n.catalog(lang)}
        assert not missing, f"{lang} lacks {missing}"


def test_formatting_and_fallback() -> None:
    assert i18n.t("errors.window_busy", "en").startswith("Finish")
    assert i18n.t("errors.no_such_key", "en") == "errors.no_such_key"
    with pytest.raises(ValueError):
        i18n.catalog("fr")
