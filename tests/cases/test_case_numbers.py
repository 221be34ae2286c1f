"""Case numbers issued with the hall code of the config, checked by an independent MOD 11-2."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from hall.codes import CaseNumbers, classify, parse_case_number
from hall.conf import HallConfig, load_config

MINI = Path(__file__).resolve().parents[1] / "data" / "mini-hall"


def iso7064_mod11_2(digits: str) -> str:
    """The recursive form of ISO 7064 MOD 11-2 (not the weighted sum hall.codes uses)."""
    p = 0
    for c in digits:
        p = (p + int(c)) * 2 % 11
    value = (12 - p) % 11
    return "X" if value == 10 else str(value)


def test_known_vector() -> None:
    assert iso7064_mod11_2("202607168439") == "X"
    gen = CaseNumbers("GY")
    gen.observe("GY202607168438" + iso7064_mod11_2("202607168438"))
    assert gen.next(date(2026, 7, 16)).text == "GY202607168439X"


def test_generator_takes_the_hall_code_from_the_config(tmp_path: Path) -> None:
    target = tmp_path / "hall"
    shutil.copytree(MINI, target)
    hall_toml = target / "hall.toml"
    text = hall_toml.read_text(encoding="utf-8")
    assert 'code = "GY"' in text
    hall_toml.write_text(text.replace('code = "GY"', 'code = "ZD"', 1), encoding="utf-8")
    config = load_config(target)
    number = CaseNumbers.from_config(config).next(date(2026, 11, 27)).text
    assert number == "ZD202611270001" + iso7064_mod11_2("202611270001")
    assert classify(number, config.code, today=date(2026, 11, 27)).kind == "case"
    assert classify(number, "GY", today=date(2026, 11, 27)).kind == "other"


def test_daily_serials_and_check_characters(sample_config: HallConfig) -> None:
    gen = CaseNumbers.from_config(sample_config)
    days = [date(2026, 12, 31), date(2027, 1, 1), date(2026, 12, 31)]
    issued = [gen.next(d).text for d in days for _ in range(30)]
    assert len(set(issued)) == len(issued) == 90
    assert issued[0] == "GY202612310001" + iso7064_mod11_2("202612310001")
    assert issued[30].startswith("GY202701010001")
    assert issued[60].startswith("GY202612310031")
    checks = set()
    for text in issued:
        assert len(text) == 15
        assert text[-1] == iso7064_mod11_2(text[2:14])
        checks.add(text[-1])
        parsed = parse_case_number(text, "GY", today=date(2027, 1, 1))
        assert parsed.text == text
    assert "X" in checks  # the 10 case is exercised


def test_a_restarted_writer_goes_past_the_numbers_it_issued() -> None:
    first = CaseNumbers("GY")
    issued = [first.next(date(2026, 11, 27)) for _ in range(7)]
    again = CaseNumbers("GY")
    for case in reversed(issued):
        again.observe(case.text)
    assert again.last_serial(date(2026, 11, 27)) == 7
    assert again.next(date(2026, 11, 27)).serial == 8
    assert again.next(date(2026, 11, 28)).serial == 1
    with pytest.raises(ValueError, match="belongs to hall"):
        CaseNumbers("ZD").observe(issued[0])
    with pytest.raises(ValueError):
        again.observe("GY202611270001" + ("0" if iso7064_mod11_2("202611270001") != "0" else "1"))


def test_limits() -> None:
    with pytest.raises(ValueError):
        CaseNumbers("gy")
    gen = CaseNumbers("GY")
    gen.observe("GY202611279998" + iso7064_mod11_2("202611279998"))
    assert gen.next(date(2026, 11, 27)).serial == 9999
    with pytest.raises(ValueError, match="9999"):
        gen.next(date(2026, 11, 27))
