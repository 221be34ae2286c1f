"""calendar.toml through the config loader: a broken calendar names file and key."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from hall.calendar import CalendarFile
from hall.conf import ConfigError, HallConfig, load_config

REPO = Path(__file__).resolve().parents[2]
D = date.fromisoformat


def test_sample_config_has_its_calendar(sample_config: HallConfig) -> None:
    assert sample_config.calendar.years == (2026, 2027)
    assert sample_config.calendar.is_working_day(D("2026-10-10"))


# ------------------------------------------------------------------------- config


def _broken(tmp_path: Path, text: str) -> list[str]:
    target = tmp_path / "hall"
    shutil.copytree(REPO / "tests" / "data" / "mini-hall", target)
    (target / "calendar.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_config(target)
    return [str(i) for i in exc.value.issues]


def test_a_broken_calendar_names_file_and_key(tmp_path: Path) -> None:
    issues = _broken(
        tmp_path,
        "covers = [2026]\n"
        'holidays = ["2026-10-01", "2026-10-01", "2027-01-01"]\n'
        'workdays = ["2026-10-12", "2026-10-10", "2026-10-01"]\n',
    )
    assert "calendar.toml: holidays: 2026-10-01 appears 2 times" in issues
    assert "calendar.toml: holidays[2]: 2027-01-01 is in 2027, not in covers" in issues
    assert any(i.startswith("calendar.toml: workdays[0]: 2026-10-12 is a Monday") for i in issues)
    assert "calendar.toml: workdays[2]: 2026-10-01 is also listed in holidays" in issues
    assert not any("workdays[1]" in i for i in issues)


def test_bad_dates_and_missing_file(tmp_path: Path) -> None:
    issues = _broken(tmp_path, 'covers = [2026]\nholidays = ["2026-02-30"]\n')
    assert len(issues) == 1 and issues[0].startswith("calendar.toml: holidays[0]")
    (tmp_path / "hall" / "calendar.toml").unlink()
    with pytest.raises(ConfigError) as exc:
        load_config(tmp_path / "hall")
    assert any(str(i).startswith("calendar.toml: missing") for i in exc.value.issues)


def test_hall_config_check_reports_a_broken_calendar(tmp_path: Path) -> None:
    target = tmp_path / "hall"
    shutil.copytree(REPO / "tests" / "data" / "mini-hall", target)
    (target / "calendar.toml").write_text("covers = [2026]\nholiday = []\n", encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "hall.cli", "config", "check", str(target)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1
    assert "calendar.toml: holiday: Extra inputs are not permitted" in run.stderr


def test_calendar_file_model_alone() -> None:
    f = CalendarFile.model_validate({"covers": [2026], "holidays": [date(2026, 1, 1)]})
    assert f.problems() == []
    assert not f.calendar().is_working_day(D("2026-01-01"))


def test_promised_limit_not_shorter_than_legal_is_a_config_error(
    sample_config: HallConfig, tmp_path: Path
) -> None:
    assert all(i.promised_days < i.legal_days for i in sample_config.items)
    target = tmp_path / "hall"
    shutil.copytree(REPO / "tests" / "data" / "mini-hall", target)
    items = target / "items.toml"
    text = items.read_text(encoding="utf-8")
    assert "legal_days = 15\npromised_days = 3" in text
    items.write_text(
        text.replace("legal_days = 15\npromised_days = 3", "legal_days = 3\npromised_days = 4"),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as exc:
        load_config(target)
    assert any(
        "promised_days (4) must be shorter than legal_days (3)" in str(i) for i in exc.value.issues
    )


def test_config_check_names_the_calendar(capsys: pytest.CaptureFixture[str]) -> None:
    from hall.cli import main

    assert main(["config", "check", str(REPO / "config")]) == 0
    out = capsys.readouterr().out
    assert "calendar: 2026, 2027 (62 holidays, 11 make-up working days)" in out
