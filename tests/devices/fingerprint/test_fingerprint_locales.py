"""Every fingerprint result has a message in every language."""

from __future__ import annotations

import tomllib

import pytest

from devices.fingerprint.reader import RESULTS, FingerprintResult
from hall.i18n import LANGUAGES, LOCALES_DIR


def _keys(lang: str) -> set[str]:
    data = tomllib.loads((LOCALES_DIR / lang / "fingerprint.toml").read_text(encoding="utf-8"))
    return {f"{section}.{key}" for section, table in data.items() for key in table}


def test_same_keys_in_every_language() -> None:
    keys = {lang: _keys(lang) for lang in LANGUAGES}
    assert all(k == keys["zh-Hant"] for k in keys.values())
    assert {f"result.{r}" for r in RESULTS} <= keys["zh-Hant"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_result_has_a_formatted_message(lang: str) -> None:
    for result in RESULTS:
        text = FingerprintResult(result, page=7, score=180).message(lang)
        assert text and not text.startswith("fingerprint.") and "{" not in text


def test_unclear_uses_the_seed_wording() -> None:
    assert "指紋不明顯" in FingerprintResult("unclear").message("zh-Hant")
    assert "7" in FingerprintResult("matched", page=7).message("en")
