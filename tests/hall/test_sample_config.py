"""The sample hall in config/ matches the seed's own figures and is internally consistent."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from hall.conf import HallConfig, load_config
from hall.conf.model import CaseKind, ItemClass, Text

CONFIG_DIR = Path(__file__).resolve().parents[2] / "config"
CLASS_CODE = {ItemClass.LICENCE: "XK", ItemClass.NON_LICENCE: "FX", ItemClass.SUPERVISION: "JG"}


@pytest.fixture(scope="module")
def config() -> HallConfig:
    return load_config(CONFIG_DIR)


def _texts(config: HallConfig) -> Iterator[tuple[str, Text]]:
    """Every user-facing Text of the units, windows and items, with where it is."""
    for unit in config.units:
        yield f"unit {unit.code}.name", unit.name
    for window in config.windows:
        yield f"window {window.id}.name", window.name
    for item in config.items:
        yield f"item {item.code}.name", item.name
        yield f"item {item.code}.basis", item.basis
        for n, material in enumerate(item.materials):
            yield f"item {item.code}.materials[{n}]", material
        for n, fee in enumerate(item.fees):
            yield f"item {item.code}.fees[{n}].name", fee.name


def test_seed_counts(config: HallConfig) -> None:
    # 入駐中心辦公單位共36個，開設服務視窗36個，共辦理三類服務事項總計173項，
    # 其中行政許可112項，非行政許可41項，監管事項20項。
    assert len(config.units) == 36
    assert len(config.windows) == 36
    assert len(config.items) == 173
    per_class = Counter(i.item_class for i in config.items)
    assert per_class == {
        ItemClass.LICENCE: 112,
        ItemClass.NON_LICENCE: 41,
        ItemClass.SUPERVISION: 20,
    }
    summary = config.summary()
    assert summary["items_per_class"] == {"licence": 112, "non_licence": 41, "supervision": 20}


def test_ids_are_the_expected_sequences(config: HallConfig) -> None:
    assert [u.code for u in config.units] == [f"U{n:02d}" for n in range(1, 37)]
    assert [w.id for w in config.windows] == [f"W{n:02d}" for n in range(1, 37)]
    assert len({i.code for i in config.items}) == 173


def test_lead_units_are_the_seeds_three(config: HallConfig) -> None:
    leads = [u for u in config.units if u.lead]
    assert len(leads) == 3
    names = "".join(u.name.zh_Hant for u in leads)
    for word in ("發展和改革局", "住房和城鄉建設局", "市場監督管理局"):
        assert word in names


def test_every_unit_is_served_by_a_window(config: HallConfig) -> None:
    items_of_unit = Counter(i.unit for i in config.items)
    windows_of_unit: dict[str, set[str]] = {u.code: set() for u in config.units}
    for window in config.windows:
        windows_of_unit[window.unit].add(window.id)
    for item in config.items:
        windows_of_unit[item.unit].update(item.windows)
    for unit in config.units:
        assert items_of_unit[unit.code] >= 1, f"unit {unit.code} has no service item"
        assert windows_of_unit[unit.code], f"unit {unit.code} is served by no window"


def test_every_window_serves_an_item(config: HallConfig) -> None:
    for window_id, codes in config.items_by_window.items():
        assert codes, f"window {window_id} serves no item"


def test_time_limits(config: HallConfig) -> None:
    for item in config.items:
        assert item.promised_days < item.legal_days, item.code
        if item.case_kind is CaseKind.IMMEDIATE:
            assert item.promised_days <= 1, item.code
        else:
            assert item.promised_days >= 1, item.code
        assert 3 <= item.service_minutes <= 40, item.code


def test_joint_items_exist(config: HallConfig) -> None:
    assert any(i.case_kind is CaseKind.JOINT for i in config.items)


def test_item_codes_follow_their_class(config: HallConfig) -> None:
    for item in config.items:
        assert item.code.startswith(CLASS_CODE[item.item_class] + "-"), item.code


def test_one_time_notice_content(config: HallConfig) -> None:
    for item in config.items:
        assert 2 <= len(item.materials) <= 6, item.code
        for fee in item.fees:
            assert fee.amount_yuan > 0, item.code


def test_texts_have_three_languages(config: HallConfig) -> None:
    for where, text in _texts(config):
        for lang in ("zh-Hant", "zh-Hans", "en"):
            assert text.get(lang).strip(), f"{where}: empty {lang}"
        assert text.zh_Hant != text.en, f"{where}: zh-Hant equals en"


@pytest.mark.parametrize("lang", ["zh-Hant", "zh-Hans", "en"])
def test_item_names_are_unique(config: HallConfig, lang: str) -> None:
    names = Counter(i.name.get(lang) for i in config.items)
    assert [n for n, count in names.items() if count > 1] == []


@pytest.mark.parametrize("lang", ["zh-Hant", "zh-Hans", "en"])
def test_unit_and_window_names_are_unique(config: HallConfig, lang: str) -> None:
    for names in (
        Counter(u.name.get(lang) for u in config.units),
        Counter(w.name.get(lang) for w in config.windows),
    ):
        assert [n for n, count in names.items() if count > 1] == []


def test_after_hours_windows(config: HallConfig) -> None:
    after_hours = {w.id for w in config.windows if w.after_hours}
    assert after_hours == {"W35", "W36"}
    assert set(config.hall_file.hours.after_hours.windows) == after_hours
    # 延時服務 windows take items of several units
    for window_id in ("W35", "W36"):
        units = {config.item_by_code[c].unit for c in config.items_by_window[window_id]}
        assert len(units) >= 2, window_id


def test_items_served_together_share_a_prefix(config: HallConfig) -> None:
    """Apart from the general after-hours windows, a window calls one ticket prefix."""
    for window_id, codes in config.items_by_window.items():
        if config.window_by_id[window_id].after_hours:
            continue
        prefixes = {config.item_by_code[c].prefix for c in codes}
        assert len(prefixes) == 1, f"{window_id}: {sorted(prefixes)}"
    assert 8 <= len({i.prefix for i in config.items}) <= 12
