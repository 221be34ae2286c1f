"""The staff roster, sign-in schedule and rota: sample data, validation errors, set-pin."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from datetime import date, time
from pathlib import Path

import pytest

from hall.conf import ConfigError, HallConfig, load_config
from hall.conf.duty import SessionCode
from hall.conf.staff import StaffRole, hash_pin, verify_pin
from hall.conf.staff_cli import replace_pin, set_pin

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "config"


@pytest.fixture(scope="module")
def config() -> HallConfig:
    return load_config(CONFIG)


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "hall"
    shutil.copytree(CONFIG, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _issues(directory: Path) -> list[str]:
    with pytest.raises(ConfigError) as exc:
        load_config(directory)
    return [str(i) for i in exc.value.issues]


def test_sample_roster_fills_the_hall(config: HallConfig) -> None:
    roster = config.roster
    assert roster is not None
    assert len(roster.staff) == 53  # the seed's 53 staff posts
    heads = Counter(s.window for s in roster.with_role(StaffRole.WINDOW_HEAD))
    assert set(heads) == {w.id for w in config.windows} and set(heads.values()) == {1}
    for member in roster.with_role(StaffRole.WINDOW_STAFF):
        assert config.window_by_id[member.window].unit == member.unit  # type: ignore[index]
    assert len(roster.with_role(StaffRole.CENTER_DIRECTOR)) == 1
    assert len(roster.with_role(StaffRole.DUTY_OFFICER)) >= 2
    assert len(roster.with_role(StaffRole.DUTY_DIRECTOR)) >= 2
    pages = [p for s in roster.staff for p in s.fingerprints]
    assert len(pages) == len(set(pages)) and roster.by_page[pages[0]] is roster.staff[0]
    text = (CONFIG / "staff.toml").read_text(encoding="utf-8")
    assert text.startswith("# SAMPLE DATA")
    assert all(s.pin and s.pin.startswith("scrypt$") for s in roster.staff)
    assert verify_pin(roster.by_id["S001"].pin, "1234")  # the documented sample PIN
    assert not verify_pin(roster.by_id["S001"].pin, "4321")


def test_authenticate(config: HallConfig) -> None:
    roster = config.roster
    assert roster is not None
    member = roster.authenticate("s012", "1234")
    assert member is not None and member.id == "S012" and member.window == "W01"
    assert roster.authenticate("S012", "4321") is None
    assert roster.authenticate("S999", "1234") is None


def test_pin_hash_is_salted_and_checked() -> None:
    first, second = hash_pin("2468"), hash_pin("2468")
    assert first != second  # a salt per record
    assert "2468" not in first
    assert verify_pin(first, "2468") and verify_pin(second, "2468")
    assert not verify_pin(first, "2469")
    assert not verify_pin(None, "2468")
    assert not verify_pin("scrypt$n=16384,r=8,p=1$AAAA$AAAA", "2468")
    assert not verify_pin("2468", "2468")  # a plain PIN is never accepted as a hash
    with pytest.raises(ValueError):
        hash_pin("12a4")
    with pytest.raises(ValueError):
        hash_pin("123")


def test_schedule_sessions(config: HallConfig) -> None:
    schedule = config.roster.schedule  # type: ignore[union-attr]
    wednesday, monday = date(2026, 11, 25), date(2026, 11, 23)
    assert schedule.session_at(wednesday, time(8, 10)) is SessionCode.MORNING
    assert schedule.session_at(wednesday, time(13, 45)) is SessionCode.AFTERNOON
    assert schedule.session_at(wednesday, time(18, 40)) is None  # study is on Mondays
    assert schedule.session_at(monday, time(18, 40)) is SessionCode.STUDY
    assert schedule.session_at(wednesday, time(6, 0)) is None
    assert schedule.study.absence_days == 0.5


def test_rota_changes_ahead_of_time_with_history(config: HallConfig) -> None:
    rota = config.roster.rota  # type: ignore[union-attr]
    day = date(2026, 11, 18)
    now = rota.on(day)
    assert now is not None and (now.officer, now.director) == ("S006", "S004")
    earlier = rota.on(day, as_of=date(2026, 11, 13))
    assert earlier is not None and earlier.officer == "S009"
    before_any_change = rota.on(day, as_of=date(2026, 11, 1))
    assert before_any_change is not None and before_any_change.officer == "S008"
    history = rota.history(day)
    assert [a.officer for a in history] == ["S008", "S008", "S009", "S006"]
    assert history[-1].source.startswith("change")
    friday = rota.on(date(2026, 11, 27))
    assert friday is not None and friday.officer == "S007"  # the November pattern
    assert rota.on(date(2026, 10, 30)).officer == "S006"  # type: ignore[union-attr]


def test_roster_errors_name_file_and_key(copy: Path) -> None:
    staff = copy / "staff.toml"
    _edit(staff, 'window = "W01"', 'window = "W02"')  # W02 is U01 too: fine
    _edit(staff, 'window = "W04"', 'window = "W99"')
    _edit(staff, 'unit = "U03"\nwindow = "W', 'unit = "U04"\nwindow = "W')
    _edit(staff, "fingerprints = [2, 3]", "fingerprints = [0, 3]")
    issues = _issues(copy)
    assert "staff.toml: staff[15](S016).window: unknown window 'W99'" in issues, issues
    assert any("belongs to unit U03, not U04" in i and ".window" in i for i in issues), issues
    assert "staff.toml: staff[1](S002).fingerprints: page 0 is already S001's" in issues


def test_plain_pin_and_role_rules_are_refused(copy: Path) -> None:
    staff = copy / "staff.toml"
    _edit(staff, 'id = "S011"', 'id = "S011"\ncolour = "red"')
    text = staff.read_text(encoding="utf-8")
    start = text.index('id = "S002"')
    pin_at = text.index("pin = ", start)
    end = text.index("\n", pin_at)
    staff.write_text(text[:pin_at] + 'pin = "1234"' + text[end:], encoding="utf-8")
    _edit(staff, 'post = "導辦員"\nroles = ["guide_officer"]', 'post = "導辦員"\nroles = []')
    issues = _issues(copy)
    assert any(
        i.startswith("staff.toml: staff[1](S002).pin:") and "never a plain PIN" in i for i in issues
    ), issues
    assert any(i.startswith("staff.toml: staff[9](S010).roles") for i in issues), issues
    assert any(i.startswith("staff.toml: staff[10](S011).colour") for i in issues), issues


def test_rota_errors(copy: Path) -> None:
    rota = copy / "rota.toml"
    _edit(
        rota,
        'monday = { officer = "S006", director = "S002" }',
        'monday = { officer = "S010", director = "S002" }',
    )
    _edit(rota, 'officer = "S006"\ndirector = "S004"', 'officer = "S404"\ndirector = "S004"')
    issues = _issues(copy)
    assert "rota.toml: pattern[0].monday.officer: S010 is not a duty_officer" in issues, issues
    assert "rota.toml: change[1](2026-11-18).officer: unknown staff 'S404'" in issues, issues
    _edit(rota, "set_on = 2026-11-12", "set_on = 2026-11-19")
    (issue,) = _issues(copy)
    assert issue.startswith("rota.toml: change[0]") and "ahead of time" in issue


def test_schedule_errors(copy: Path) -> None:
    _edit(copy / "attendance.toml", 'late_after = "08:30"', 'late_after = "13:00"')
    (issue,) = _issues(copy)
    assert issue.startswith("attendance.toml: session[0](morning)")
    assert "opens <= late_after < closes" in issue


def test_config_check_command_reports_staff_errors(copy: Path) -> None:
    _edit(copy / "staff.toml", 'window = "W04"', 'window = "W99"')
    bad = subprocess.run(
        [sys.executable, "-m", "hall.cli", "config", "check", str(copy)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 1
    assert "staff.toml: staff[15](S016).window: unknown window 'W99'" in bad.stderr
    good = subprocess.run(
        [sys.executable, "-m", "hall.cli", "config", "check", str(CONFIG)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert good.returncode == 0, good.stderr
    assert "staff: 53 (" in good.stdout


def test_set_pin_rewrites_only_that_entry(copy: Path) -> None:
    path = copy / "staff.toml"
    before = path.read_text(encoding="utf-8").splitlines()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "hall.conf.staff_cli",
            "staff",
            "set-pin",
            "S017",
            "--config",
            str(copy),
        ],
        cwd=REPO,
        input="975310\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    after = path.read_text(encoding="utf-8").splitlines()
    changed = [n for n, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert len(changed) == 1
    block = "\n".join(after[: changed[0]])
    assert block[block.rindex("[[staff]]") :].splitlines()[1] == 'id = "S017"'
    member = load_config(copy).roster.by_id["S017"]  # type: ignore[union-attr]
    assert verify_pin(member.pin, "975310") and not verify_pin(member.pin, "1234")
    assert "975310" not in path.read_text(encoding="utf-8")


def test_set_pin_refusals(copy: Path) -> None:
    path = copy / "staff.toml"
    original = path.read_text(encoding="utf-8")
    for staff_id, pin in (("S999", "1234"), ("S001", "12")):
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "hall.conf.staff_cli",
                "staff",
                "set-pin",
                staff_id,
                "--config",
                str(copy),
            ],
            cwd=REPO,
            input=f"{pin}\n",
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 1 and "set-pin" in proc.stderr
    assert path.read_text(encoding="utf-8") == original


def test_replace_pin_adds_a_missing_line(tmp_path: Path) -> None:
    text = (
        '# roster\n[[staff]]\nid = "S001"\nname = "甲"\n\n[[staff]]\nid = "S002"\n'
        'name = "乙"\npin = "old"\n'
    )
    out = replace_pin(text, "S001", "NEW")
    assert out == text.replace('name = "甲"\n', 'name = "甲"\npin = "NEW"\n')
    assert replace_pin(text, "S002", "NEW").endswith('pin = "NEW"\n')
    path = tmp_path / "staff.toml"
    shutil.copy(CONFIG / "staff.toml", path)
    set_pin(path, "S053", "8642")
    assert path.read_text(encoding="utf-8").count("[[staff]]") == 53


def test_rota_command_shows_the_day_and_its_history() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "hall.conf.staff_cli",
            "staff",
            "rota",
            "--day",
            "2026-11-18",
            "--days",
            "2",
            "--config",
            str(CONFIG),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    first, second = (json.loads(line) for line in proc.stdout.splitlines())
    assert first["on_duty"]["officer"] == "S006" and first["on_duty"]["director"] == "S004"
    assert [h["officer"] for h in first["history"]] == ["S008", "S008", "S009", "S006"]
    assert second["day"] == "2026-11-19" and second["on_duty"]["officer"] == "S009"
