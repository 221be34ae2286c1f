"""``hall case due``: the due date on the last line, by the hall's calendar."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hall.cli import main

REPO = Path(__file__).resolve().parents[2]


def due(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], str]:
    rc = main(["case", "due", "--config", str(REPO / "config"), *args])
    out = capsys.readouterr()
    return rc, out.out.splitlines(), out.err


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--from", "2026-11-27", "--days", "5"], "2026-12-04"),
        (["--from", "2026-11-27", "--days", "5", "--unit", "working"], "2026-12-04"),
        (["--from", "2026-11-26", "--days", "2", "--unit", "calendar"], "2026-11-30"),
        (["--from", "2026-09-30", "--days", "3"], "2026-10-10"),
        (["--from", "2026-12-29", "--days", "3"], "2027-01-04"),
        (
            ["--from", "2026-11-20", "--days", "5", "--materials-complete", "2026-11-25"],
            "2026-12-02",
        ),
        (["--from", "2026-12-28", "--days", "3", "--handed-over", "2026-12-30"], "2027-01-05"),
        (["--from", "2026-11-23", "--item", "XK-GA-001"], "2026-11-30"),  # promised 5
        (["--from", "2026-11-23", "--item", "XK-GA-001", "--unit", "calendar"], "2026-11-30"),
    ],
)
def test_due_on_the_last_line(
    capsys: pytest.CaptureFixture[str], args: list[str], expected: str
) -> None:
    rc, lines, _err = due(capsys, *args)
    assert rc == 0
    assert lines[-1] == expected


def test_explanation_in_the_chosen_language(capsys: pytest.CaptureFixture[str]) -> None:
    _rc, lines, _ = due(capsys, "--from", "2026-11-27", "--days", "5", "--lang", "en")
    assert lines == [
        "Clock started by: 2026-11-27 (not counted; the count starts the next day)",
        "Limit: 5 working days",
        "Due: 2026-12-04 (Friday)",
        "2026-12-04",
    ]
    _rc, lines, _ = due(capsys, "--from", "2026-11-27", "--days", "5", "--lang", "zh-Hant")
    assert lines[-2] == "辦結期限：2026-12-04（星期五）"


def test_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rc, lines, err = due(capsys, "--from", "2027-12-28", "--days", "5", "--lang", "en")
    assert rc == 1 and not lines and "2028" in err and "calendar.toml" in err
    rc, _lines, err = due(capsys, "--from", "2026-11-27", "--item", "XX-XX-999", "--lang", "en")
    assert rc == 2 and "XX-XX-999" in err
    broken = tmp_path / "hall"
    shutil.copytree(REPO / "tests" / "data" / "mini-hall", broken)
    (broken / "calendar.toml").write_text('covers = [2026]\nholidays = ["2026-13-01"]\n')
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "hall.cli",
            "case",
            "due",
            "--from",
            "2026-11-27",
            "--days",
            "1",
            "--config",
            str(broken),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert "calendar.toml: holidays[0]" in run.stderr
