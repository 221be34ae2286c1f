import tomllib
from pathlib import Path

from hall.i18n import LANGUAGES, LOCALES_DIR


def _keys(node: dict, prefix: str = "") -> set[str]:
    keys: set[str] = set()
    for key, value in node.items():
        name = f"{prefix}{key}"
        keys |= _keys(value, f"{name}.") if isinstance(value, dict) else {name}
    return keys


def test_every_language_has_the_same_printer_keys() -> None:
    catalogs = {
        lang: _keys(tomllib.loads(Path(LOCALES_DIR, lang, "printer.toml").read_text("utf-8")))
        for lang in LANGUAGES
    }
    reference = catalogs["zh-Hant"]
    assert reference
    for lang, keys in catalogs.items():
        assert keys == reference, lang
