"""A broken config gets an error naming the file, the key and what is wrong."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hall.conf import ConfigError, load_config

MINI = Path(__file__).parents[1] / "data" / "mini-hall"


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    target = tmp_path / "hall"
    shutil.copytree(MINI, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _issues(directory: Path) -> list[str]:
    with pytest.raises(ConfigError) as exc:
        load_config(directory)
    return [str(i) for i in exc.value.issues]


def test_promised_limit_must_be_shorter_than_legal(broken: Path) -> None:
    _edit(
        broken / "items.toml",
        "legal_days = 15\npromised_days = 3",
        "legal_days = 3\npromised_days = 3",
    )
    (issue,) = _issues(broken)
    assert issue.startswith("items.toml: item[2](XK-SJ-001)")
    assert "promised_days (3) must be shorter than legal_days (3)" in issue


def test_unknown_window_and_unit_are_named(broken: Path) -> None:
    _edit(broken / "items.toml", 'windows = ["W03"]', 'windows = ["W09"]')
    _edit(broken / "windows.toml", 'unit = "U03"', 'unit = "U99"')
    issues = _issues(broken)
    assert "windows.toml: window[2](W03).unit: unknown unit 'U99'" in issues
    assert "items.toml: item[4](XK-SW-001).windows: unknown window 'W09'" in issues


def test_bad_values_and_unknown_keys(broken: Path) -> None:
    _edit(broken / "hall.toml", 'timezone = "Asia/Shanghai"', 'timezone = "Mars/Olympus"')
    _edit(broken / "clients.toml", 'id = "kiosk-02"', 'id = "kiosk/02"')
    _edit(broken / "units.toml", "lead = true", 'lead = true\ncolour = "red"')
    issues = _issues(broken)
    assert any(i.startswith("hall.toml: hall.timezone:") and "Mars/Olympus" in i for i in issues)
    assert any(i.startswith("clients.toml: client[2](kiosk/02).id:") for i in issues)
    assert any(i.startswith("units.toml: unit[1](U02).colour:") for i in issues)


def test_not_toml_and_missing_files(broken: Path) -> None:
    (broken / "items.toml").write_text("[[item]\ncode = ", encoding="utf-8")
    (broken / "clients.toml").unlink()
    issues = _issues(broken)
    assert any(i.startswith("items.toml: not valid TOML") for i in issues)
    assert any(i.startswith("clients.toml: missing") for i in issues)


def test_after_hours_windows_must_agree(broken: Path) -> None:
    _edit(broken / "windows.toml", "after_hours = true", "after_hours = false")
    (issue,) = _issues(broken)
    assert issue.startswith("windows.toml: window(W04).after_hours: disagrees")


def test_window_terminal_needs_a_real_window(broken: Path) -> None:
    _edit(broken / "clients.toml", 'window = "W03"', 'window = "W07"')
    assert _issues(broken) == ["clients.toml: client[5](window-03).window: unknown window 'W07'"]


def test_config_check_command(broken: Path) -> None:
    ok = subprocess.run(
        [sys.executable, "-m", "hall.cli", "config", "check", str(MINI)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ok.returncode == 0
    assert "items: 6" in ok.stdout
    _edit(broken / "hall.toml", "max_skips = 2", "max_skips = -1")
    bad = subprocess.run(
        [sys.executable, "-m", "hall.cli", "config", "check", str(broken)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 1
    assert "hall.toml: queue.max_skips: Input should be greater than or equal to 0" in bad.stderr
