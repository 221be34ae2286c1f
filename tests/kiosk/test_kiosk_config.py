"""kiosks.toml: devices per kiosk checked by `hall config check`; touch targets in millimetres."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hall.conf import ConfigError, HallConfig, load_config
from hall.conf.kiosks import ScannerKind, load_kiosks
from hall.conf.model import ItemClass
from kiosk.catalog import Catalog

REPO = Path(__file__).resolve().parents[2]


def test_sample_kiosks_have_their_devices(sample_config: HallConfig) -> None:
    one = load_kiosks(sample_config, "kiosk-01")
    assert one.kiosk.printer.startswith("tcp:") and one.kiosk.scanner.kind is ScannerKind.WEDGE
    two = load_kiosks(sample_config, "kiosk-02")
    assert two.kiosk.scanner.kind is ScannerKind.SERIAL and two.kiosk.scanner.port
    assert load_kiosks(sample_config, "kiosk-03").kiosk.scanner.device == "0"


def test_touch_targets_are_15_mm_on_the_configured_screen(sample_config: HallConfig) -> None:
    d = load_kiosks(sample_config, "kiosk-01").defaults
    screen = d.screen
    assert (screen.width_px, screen.height_px, screen.diagonal_in) == (1920, 1080, 21.5)
    assert 102 < screen.dpi < 103
    target = screen.mm_to_px(d.min_target_mm)
    assert d.min_target_mm >= 15 and 60 < target < 61
    # the Choose page (2 columns) fits between the header, the navigation and the footer
    rows = -(-d.page_size // 2)
    chrome = 4 * target  # header, title, navigation bar, scan prompt
    assert (screen.height_px - chrome) / rows >= target
    # the largest department still pages: no page holds more than page_size buttons
    catalog = Catalog(sample_config)
    assert max(len(catalog.items_of(u.code, None)) for u in sample_config.units) > d.page_size
    assert len(catalog.units_of(ItemClass.LICENCE)) > d.page_size


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(REPO / "config", target)
    return target


def test_config_check_names_a_bad_kiosk_entry(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    path = directory / "kiosks.toml"
    text = path.read_text(encoding="utf-8")
    text = text.replace('client = "kiosk-03"', 'client = "window-01"')
    text = text.replace('printer = "usb:0416:5011"', 'printer = "lpt1"')
    text = text.replace(
        'scanner = { kind = "serial", port = "/dev/ttyACM0", baud = 9600 }',
        'scanner = { kind = "serial" }',
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(directory)
    problems = [str(i) for i in caught.value.issues]
    assert any("kiosk[1]" in p and "serial scanner needs 'port'" in p for p in problems), problems


def test_config_check_names_a_kiosk_that_is_not_a_kiosk(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    path = directory / "kiosks.toml"
    text = path.read_text(encoding="utf-8")
    text = text.replace('client = "kiosk-03"', 'client = "window-01"')
    text = text.replace('printer = "usb:0416:5011"', 'printer = "lpt1"')
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(directory)
    problems = [str(i) for i in caught.value.issues]
    assert "kiosks.toml: kiosk[2](window-01).client: has role window, not kiosk" in problems
    assert any("kiosk[2](window-01).printer: 'lpt1' is not a printer URL" in p for p in problems)


def test_no_kiosks_file_means_defaults(mini_config: HallConfig) -> None:
    settings = load_kiosks(mini_config, "kiosk-01")
    assert settings.kiosk.printer == "none" and settings.defaults.idle_timeout_s == 60
