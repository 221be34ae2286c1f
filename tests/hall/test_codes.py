"""hall.codes: GB 11643 resident IDs, hall case numbers, masking and payload classification."""

from __future__ import annotations

import csv
import os
from datetime import date
from pathlib import Path

import pytest

from hall import codes
from hall.codes import (
    CodeError,
    Reason,
    is_valid_id,
    mask_id,
    mod11_2,
    parse_id,
    upgrade_id15,
)
from hall.i18n import LANGUAGES, catalog

TODAY = date(2026, 11, 27)
HALL = "GY"
"""The sample hall's code (config/hall.toml); the functions take it from the config."""


def classify(payload: str, hall_code: str | tuple[str, ...] = HALL, **kw):  # type: ignore[no-untyped-def]
    return codes.classify(payload, hall_code, **kw)


def make_case_number(day: date, serial: int, hall_code: str = HALL) -> str:
    return codes.make_case_number(day, serial, hall_code)


def parse_case_number(text: str, hall_code: str = HALL, **kw):  # type: ignore[no-untyped-def]
    return codes.parse_case_number(text, hall_code, **kw)


def is_valid_case_number(text: str, hall_code: str = HALL, **kw) -> bool:  # type: ignore[no-untyped-def]
    return codes.is_valid_case_number(text, hall_code, **kw)


def _manifest() -> Path:
    repo = Path(__file__).resolve().parents[2]
    base = Path(os.environ.get("HALL_FIXTURES") or repo.parent / "shared" / "fixtures")
    return base / "barcodes" / "manifest.csv"


def _manifest_rows() -> list[dict[str, str]]:
    path = _manifest()
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


MANIFEST = _manifest_rows()
needs_manifest = pytest.mark.skipif(
    not MANIFEST, reason=f"barcode fixtures not found at {_manifest()} (set HALL_FIXTURES)"
)


# ------------------------------------------------------------------ check character


def test_mod11_2_standard_example() -> None:
    assert mod11_2("11010519491231002") == "X"
    assert mod11_2("13012719621119120") == "9"


def test_mod11_2_rejects_non_digits() -> None:
    with pytest.raises(ValueError):
        mod11_2("1101051949123100A")


# ------------------------------------------------------------------------ resident IDs


def test_example_id_is_valid() -> None:
    resident = parse_id("11010519491231002X", today=TODAY)
    assert resident.birth_date == date(1949, 12, 31)
    assert resident.region == "110105"
    assert resident.sex == "F"
    assert resident.legacy is None


def test_lowercase_x_and_whitespace_are_normalised() -> None:
    result = classify("  11010519491231002x\r\n", today=TODAY)
    assert (result.kind, result.value) == ("id", "11010519491231002X")


def test_full_width_digits_are_folded() -> None:
    result = classify("１１０１０５１９４９１２３１００２Ｘ", today=TODAY)
    assert (result.kind, result.value) == ("id", "11010519491231002X")


def test_wrong_check_character_is_bad_id_with_reason() -> None:
    result = classify("110105194912310021", today=TODAY)
    assert result.kind == "bad-id"
    assert result.reason is Reason.ID_CHECK
    assert "expected X" in result.detail
    assert not result.accepted


def test_impossible_birth_date_is_rejected() -> None:
    body = "11010519490230002"  # 30 February
    result = classify(body + mod11_2(body), today=TODAY)
    assert (result.kind, result.reason) == ("bad-id", Reason.ID_BIRTH_DATE)


def test_birth_before_1900_is_impossible() -> None:
    body = "11010518991231002"
    assert classify(body + mod11_2(body), today=TODAY).reason is Reason.ID_BIRTH_DATE


def test_future_birth_date_is_rejected_but_today_is_fine() -> None:
    future = "11010520261128002"
    result = classify(future + mod11_2(future), today=TODAY)
    assert (result.kind, result.reason) == ("bad-id", Reason.ID_BIRTH_FUTURE)
    born_today = "11010520261127002"
    assert classify(born_today + mod11_2(born_today), today=TODAY).kind == "id"


def test_default_today_never_rejects_a_birth_today_anywhere() -> None:
    born = date.today()
    body = f"110105{born:%Y%m%d}002"
    assert is_valid_id(body + mod11_2(body))


@pytest.mark.parametrize(
    ("day", "valid"),
    [("20000229", True), ("19000229", False), ("20240229", True), ("20230229", False)],
)
def test_feb_29_birthdays(day: str, valid: bool) -> None:
    body = f"130127{day}120"
    assert is_valid_id(body + mod11_2(body), today=TODAY) is valid


def test_legacy_15_digit_number_is_upgraded() -> None:
    assert upgrade_id15("130127621119120") == "130127196211191209"
    result = classify("130127621119120", today=TODAY)
    assert result.kind == "id"
    assert result.value == "130127196211191209"
    assert result.resident is not None and result.resident.legacy == "130127621119120"
    assert result.resident.birth_date == date(1962, 11, 19)


def test_legacy_15_digit_feb_29_follows_19xx_leap_years() -> None:
    assert is_valid_id("110105960229123", today=TODAY)  # 1996 is a leap year
    result = classify("110105970229123", today=TODAY)  # 1997 is not
    assert (result.kind, result.reason) == ("bad-id", Reason.ID_BIRTH_DATE)


def test_parse_id_raises_code_error_with_reason() -> None:
    with pytest.raises(CodeError) as info:
        parse_id("110105194912310021", today=TODAY)
    assert info.value.reason is Reason.ID_CHECK
    with pytest.raises(ValueError):
        parse_id("1101051949", today=TODAY)


def test_mask_id_never_reveals_the_birth_date() -> None:
    assert mask_id("130127196211191209") == "1301**********1209"
    assert mask_id("130127621119120") == "1301********120"
    masked = mask_id("11010519491231002X")
    assert "19491231" not in masked and masked.endswith("002X")
    assert mask_id("short") == "*****"
    assert parse_id("130127196211191209", today=TODAY).masked == "1301**********1209"


# ------------------------------------------------------------------------ case numbers


def test_make_and_parse_case_number_round_trip() -> None:
    text = make_case_number(date(2026, 7, 16), 8439)
    assert text == "GY202607168439X"
    case = parse_case_number(text, today=TODAY)
    assert (case.hall, case.day, case.serial) == ("GY", date(2026, 7, 16), 8439)
    assert str(case) == text


def test_make_case_number_checks_its_input() -> None:
    with pytest.raises(ValueError):
        make_case_number(date(2026, 1, 1), 0)
    with pytest.raises(ValueError):
        make_case_number(date(2026, 1, 1), 10000)
    with pytest.raises(ValueError):
        make_case_number(date(2026, 1, 1), 1, hall_code="gy")


def test_case_with_wrong_check_character_is_rejected() -> None:
    result = classify("GY2026071684391", today=TODAY)
    assert (result.kind, result.reason) == ("other", Reason.CASE_CHECK)
    assert not is_valid_case_number("GY2026071684391", today=TODAY)


def test_case_lowercase_is_normalised() -> None:
    result = classify(" gy202607168439x ", today=TODAY)
    assert (result.kind, result.value) == ("case", "GY202607168439X")


def test_case_with_impossible_or_future_date_or_zero_serial() -> None:
    impossible = "202602300001"
    assert classify("GY" + impossible + mod11_2(impossible), today=TODAY).reason is (
        Reason.CASE_DATE
    )
    future = "202611280001"
    assert classify("GY" + future + mod11_2(future), today=TODAY).reason is Reason.CASE_FUTURE
    zero = "202611270000"
    assert classify("GY" + zero + mod11_2(zero), today=TODAY).reason is Reason.CASE_SERIAL


def test_other_halls_case_numbers_are_other_unless_configured() -> None:
    text = make_case_number(date(2026, 3, 8), 4576, hall_code="ZD")
    result = classify(text, today=TODAY)
    assert (result.kind, result.reason) == ("other", Reason.CASE_OTHER_HALL)
    assert classify(text, hall_code="ZD", today=TODAY).kind == "case"
    assert classify(text, hall_code=("GY", "ZD"), today=TODAY).kind == "case"
    assert classify("GY2026030845767", hall_code="ZD", today=TODAY).kind == "other"


# ----------------------------------------------------------------------------- classify


@pytest.mark.parametrize(
    "payload",
    [
        "6351396937161",
        "WIFI:S:hall;T:WPA;P:secret;;",
        "高邑縣政務服務中心 歡迎您",
        "https://example.org/?id=11010519491231002X",
        "1101051949123100",
        "GY20260308",
    ],
)
def test_not_ours_is_other(payload: str) -> None:
    result = classify(payload, today=TODAY)
    assert (result.kind, result.reason) == ("other", Reason.NOT_OURS)
    assert result.value == payload


def test_empty_payload() -> None:
    assert classify(" \u200b ", today=TODAY).reason is Reason.EMPTY


@needs_manifest
@pytest.mark.parametrize("row", MANIFEST, ids=[r["file"] for r in MANIFEST])
def test_manifest_payloads_classify_to_their_kind(row: dict[str, str]) -> None:
    result = classify(row["payload"], today=TODAY)
    assert result.kind == row["kind"], result
    if row["kind"] == "case":
        payload = row["payload"]
        assert mod11_2(payload[2:14]) == payload[14]  # the manifest is our ground truth
        assert result.value == payload


def test_every_reason_has_a_message_in_every_language() -> None:
    for lang in LANGUAGES:
        messages = catalog(lang)
        missing = [reason.value for reason in Reason if reason.value not in messages]
        assert not missing, (lang, missing)
    assert catalog("zh-Hant")["scan.id_check"] == "身份證號碼校驗位錯誤，請核對號碼"
