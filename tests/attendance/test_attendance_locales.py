"""Every refusal code of the attendance rules has a message in the three languages."""

from __future__ import annotations

import re
from pathlib import Path

from hall import i18n

ATTENDANCE = Path(__file__).resolve().parents[2] / "attendance"


def test_every_rejection_code_is_translated() -> None:
    codes: set[str] = set()
    for path in ATTENDANCE.glob("*.py"):
        codes |= set(re.findall(r'Rejected\(\s*"([a-z_]+)"', path.read_text(encoding="utf-8")))
    assert {"self_approval", "not_duty_officer", "day_closed", "stand_in_required"} <= codes
    for lang in i18n.LANGUAGES:
        missing = {c for c in codes if f"attendance.error.{c}" not in i18n.catalog(lang)}
        assert not missing, f"{lang} lacks {missing}"


def test_station_and_session_texts() -> None:
    for lang in i18n.LANGUAGES:
        for key in ("session.morning", "station.unclear", "station.offline", "reason.power_cut"):
            assert f"attendance.{key}" in i18n.catalog(lang)
    assert i18n.t("attendance.reason.unclear_fingerprint", "zh-Hant") == "指紋不明顯"
    text = i18n.t(
        "attendance.station.signed_in", "zh-Hant", name="王偉", session="上午", time="08:10"
    )
    assert text == "王偉，上午簽到成功（08:10）"
    assert "視窗" not in (Path(i18n.LOCALES_DIR) / "zh-Hant" / "attendance.toml").read_text(
        encoding="utf-8"
    )
