"""Resident ID numbers (GB 11643) and hall case numbers: validate, make, classify.

Pure domain code (no I/O), shared by the scanners, the kiosk and the queue service.

- Resident ID: 17 digits + ISO 7064 MOD 11-2 check character (``X`` for 10); digits 7-14
  are the birth date, which must exist and not lie in the future. Legacy 15-digit numbers
  (``yyMMdd`` birth date, no check character, all born 19xx) are upgraded to 18 digits.
- Case number: hall code + receipt date ``YYYYMMDD`` + 4-digit daily serial + MOD 11-2
  check character over those 12 digits, e.g. ``GY202607168439X``. :class:`CaseNumbers` issues
  them with the hall code of the config (``CaseNumbers.from_config(config).next(day)``).

Rejections carry a message key of the ``scan`` locale domain (``hall/locales/*/scan.toml``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum
from typing import Literal, Protocol

Kind = Literal["id", "case", "bad-id", "other"]

EARLIEST_BIRTH = date(1900, 1, 1)

_ID18_RE = re.compile(r"\d{17}[\dX]")
_ID15_RE = re.compile(r"\d{15}")
_CASE_RE = re.compile(r"([A-Z]{2})(\d{8})(\d{4})([\dX])")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
# The latest calendar date anywhere on Earth (UTC+14): "not in the future" never
# rejects a date that is already today in the hall's own time zone.
_LATEST_ZONE = timezone(timedelta(hours=14))


class Reason(StrEnum):
    """Why a payload was rejected: message keys of ``hall/locales/<lang>/scan.toml``."""

    EMPTY = "scan.empty"
    NOT_OURS = "scan.not_ours"
    ID_CHECK = "scan.id_check"
    ID_BIRTH_DATE = "scan.id_birth_date"
    ID_BIRTH_FUTURE = "scan.id_birth_future"
    CASE_CHECK = "scan.case_check"
    CASE_DATE = "scan.case_date"
    CASE_FUTURE = "scan.case_future"
    CASE_SERIAL = "scan.case_serial"
    CASE_OTHER_HALL = "scan.case_other_hall"


class CodeError(ValueError):
    """A payload has the shape of an ID or case number but is not a valid one."""

    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


def mod11_2(digits: str) -> str:
    """ISO 7064 MOD 11-2 check character of a digit string (``X`` stands for 10)."""
    if not digits.isdigit() or not digits.isascii():
        raise ValueError(f"digits expected, got {digits!r}")
    n = len(digits)
    total = sum(int(c) * pow(2, n - i, 11) for i, c in enumerate(digits))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def latest_today() -> date:
    """Today's date where it is latest (UTC+14): the default bound for "not in the future"."""
    return datetime.now(_LATEST_ZONE).date()


def _parse_date(text: str) -> date | None:
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


# --------------------------------------------------------------------------- resident IDs


@dataclass(frozen=True)
class ResidentId:
    """A valid resident ID number; ``legacy`` keeps the 15-digit form it was upgraded from."""

    number: str
    legacy: str | None = None

    @property
    def region(self) -> str:
        """The 6-digit administrative division code (GB/T 2260) of first registration."""
        return self.number[:6]

    @property
    def birth_date(self) -> date:
        parsed = _parse_date(self.number[6:14])
        assert parsed is not None  # checked at construction by parse_id
        return parsed

    @property
    def sex(self) -> Literal["M", "F"]:
        """Odd 17th digit: male; even: female."""
        return "M" if int(self.number[16]) % 2 else "F"

    @property
    def masked(self) -> str:
        return mask_id(self.number)


def upgrade_id15(number: str) -> str:
    """The 18-digit form of a 15-digit legacy number: ``19`` inserted, check char appended."""
    if not _ID15_RE.fullmatch(number):
        raise ValueError(f"a 15-digit number expected, got {len(number)} characters")
    body = number[:6] + "19" + number[6:]
    return body + mod11_2(body)


def _check_birth(text: str, today: date) -> None:
    born = _parse_date(text)
    if born is None or born < EARLIEST_BIRTH:
        raise CodeError(Reason.ID_BIRTH_DATE, f"impossible birth date {text}")
    if born > today:
        raise CodeError(Reason.ID_BIRTH_FUTURE, f"birth date {text} is in the future")


def parse_id(text: str, *, today: date | None = None) -> ResidentId:
    """Validate an 18- or 15-digit resident ID number (trimmed, ``x`` accepted for ``X``).

    Raises :class:`CodeError` (reason ``ID_CHECK``, ``ID_BIRTH_DATE`` or ``ID_BIRTH_FUTURE``)
    for a number of the right shape that is not valid, ``ValueError`` for other shapes.
    """
    number = _normalise(text).upper()
    bound = today or latest_today()
    if _ID15_RE.fullmatch(number):
        _check_birth("19" + number[6:12], bound)
        return ResidentId(upgrade_id15(number), legacy=number)
    if not _ID18_RE.fullmatch(number):
        raise ValueError("not an 18- or 15-digit resident ID number")
    expected = mod11_2(number[:17])
    if number[17] != expected:
        raise CodeError(
            Reason.ID_CHECK, f"check character {number[17]} is wrong (expected {expected})"
        )
    _check_birth(number[6:14], bound)
    return ResidentId(number)


def is_valid_id(text: str, *, today: date | None = None) -> bool:
    try:
        parse_id(text, today=today)
    except ValueError:
        return False
    return True


ID_MASK: dict[int, tuple[int, int]] = {18: (4, 4), 15: (4, 3)}
"""The one masking rule: how many leading and trailing characters of an 18- or 15-digit ID
number stay visible (the birth date, digits 7-14, never does)."""


def _masked_pattern() -> str:
    alternatives = []
    for length, (head, tail) in ID_MASK.items():
        last = "[0-9X]" if length == 18 else "[0-9]"
        alternatives.append(
            f"[0-9]{{{head}}}\\*{{{length - head - tail}}}[0-9]{{{tail - 1}}}{last}"
        )
    return "^(" + "|".join(alternatives) + ")$"


MASKED_ID_RE = _masked_pattern()
"""What :func:`mask_id` makes of an 18- or 15-digit ID number, and nothing else (the only
form of an ID number the queue service accepts)."""


def mask_id(number: str) -> str:
    """Mask an ID number for screens, tickets and logs, never revealing the birth date.

    18 digits keep the first 4 and last 4 (``1301**********1209``); 15 digits keep the
    first 4 and last 3 (:data:`ID_MASK`); anything else keeps at most its first 2 and last
    2 characters.
    """
    text = number.strip()
    if len(text) in ID_MASK:
        head, tail = ID_MASK[len(text)]
        return text[:head] + "*" * (len(text) - head - tail) + text[-tail:]
    if len(text) >= 8:
        return text[:2] + "*" * (len(text) - 4) + text[-2:]
    return "*" * len(text)


# -------------------------------------------------------------------------- case numbers


@dataclass(frozen=True)
class CaseNumber:
    """A hall case (receipt) number."""

    hall: str
    day: date
    serial: int

    @property
    def text(self) -> str:
        digits = f"{self.day:%Y%m%d}{self.serial:04d}"
        return f"{self.hall}{digits}{mod11_2(digits)}"

    def __str__(self) -> str:
        return self.text


def make_case_number(day: date, serial: int, hall_code: str) -> str:
    """The case number of the ``serial``-th case received on ``day`` (serial 1..9999)."""
    if not re.fullmatch(r"[A-Z]{2}", hall_code):
        raise ValueError(f"hall code must be two capital letters, got {hall_code!r}")
    if not 1 <= serial <= 9999:
        raise ValueError(f"serial must be 1..9999, got {serial}")
    return CaseNumber(hall_code, day, serial).text


class HasHallCode(Protocol):
    """Anything that knows its hall's code, e.g. :class:`hall.conf.HallConfig`."""

    @property
    def code(self) -> str: ...


class CaseNumbers:
    """Issues the case numbers of one hall: its code (from the config) + day + daily serial.

    The serial restarts at 0001 every receipt day. A writer that restarts feeds the numbers it
    already issued back with :meth:`observe` (replaying its log) so no number is issued twice.
    Not thread-safe: one writer owns one generator.
    """

    def __init__(self, hall_code: str) -> None:
        if not re.fullmatch(r"[A-Z]{2}", hall_code):
            raise ValueError(f"hall code must be two capital letters, got {hall_code!r}")
        self.hall_code = hall_code
        self._last: dict[date, int] = {}

    @classmethod
    def from_config(cls, config: HasHallCode) -> CaseNumbers:
        """The generator of the configured hall (``[hall] code`` in ``hall.toml``)."""
        return cls(config.code)

    def last_serial(self, day: date) -> int:
        return self._last.get(day, 0)

    def observe(self, number: str | CaseNumber) -> None:
        """Note a number issued earlier (e.g. found in the log) so the serial goes past it."""
        case = number if isinstance(number, CaseNumber) else None
        if case is None:
            case = parse_case_number(str(number), self.hall_code, today=date.max)
        if case.hall != self.hall_code:
            raise ValueError(f"case number {case} belongs to hall {case.hall}")
        self._last[case.day] = max(self._last.get(case.day, 0), case.serial)

    def next(self, day: date) -> CaseNumber:
        """The next case number of receipt day ``day``; more than 9999 a day is refused."""
        serial = self._last.get(day, 0) + 1
        if serial > 9999:
            raise ValueError(f"all 9999 case numbers of {day.isoformat()} are used")
        self._last[day] = serial
        return CaseNumber(self.hall_code, day, serial)


def _hall_codes(hall_code: str | Iterable[str]) -> frozenset[str]:
    codes = [hall_code] if isinstance(hall_code, str) else list(hall_code)
    return frozenset(code.upper() for code in codes)


def parse_case_number(
    text: str, hall_code: str | Iterable[str], *, today: date | None = None
) -> CaseNumber:
    """Validate a case number of one of ``hall_code`` (a code or several).

    Raises :class:`CodeError` with reason ``CASE_OTHER_HALL``, ``CASE_DATE``, ``CASE_FUTURE``,
    ``CASE_SERIAL`` or ``CASE_CHECK`` for a case-shaped text, ``ValueError`` otherwise.
    """
    number = _normalise(text).upper()
    match = _CASE_RE.fullmatch(number)
    if match is None:
        raise ValueError("not a case number")
    hall, day_text, serial_text, check = match.groups()
    if hall not in _hall_codes(hall_code):
        raise CodeError(Reason.CASE_OTHER_HALL, f"case number of another hall ({hall})")
    day = _parse_date(day_text)
    if day is None:
        raise CodeError(Reason.CASE_DATE, f"impossible receipt date {day_text}")
    if day > (today or latest_today()):
        raise CodeError(Reason.CASE_FUTURE, f"receipt date {day_text} is in the future")
    if serial_text == "0000":
        raise CodeError(Reason.CASE_SERIAL, "serial 0000 is never issued")
    expected = mod11_2(day_text + serial_text)
    if check != expected:
        raise CodeError(
            Reason.CASE_CHECK, f"check character {check} is wrong (expected {expected})"
        )
    return CaseNumber(hall, day, int(serial_text))


def is_valid_case_number(
    text: str, hall_code: str | Iterable[str], *, today: date | None = None
) -> bool:
    try:
        parse_case_number(text, hall_code, today=today)
    except ValueError:
        return False
    return True


# ---------------------------------------------------------------------------- classify


@dataclass(frozen=True)
class Classification:
    """What a scanned payload is.

    ``value`` is the normalised payload: the 18-digit number for an ID (also for an
    upgraded 15-digit one, kept in ``resident.legacy``), the upper-case case number, or
    the trimmed payload itself. ``reason`` is a message key when something was rejected.
    """

    kind: Kind
    value: str
    reason: Reason | None = None
    detail: str = ""
    resident: ResidentId | None = None
    case: CaseNumber | None = None

    @property
    def accepted(self) -> bool:
        return self.kind in ("id", "case")


def _normalise(text: str) -> str:
    """Full-width digits and letters folded (NFKC), invisible characters dropped, trimmed."""
    return unicodedata.normalize("NFKC", text).translate(_INVISIBLE).strip()


def classify(
    payload: str, hall_code: str | Iterable[str], *, today: date | None = None
) -> Classification:
    """Classify a scanned payload as ``id``, ``case``, ``bad-id`` or ``other``.

    A payload shaped like a resident ID that fails validation is ``bad-id``; a case number
    of another hall, or one of ours that fails validation, is ``other`` with a reason.
    """
    text = _normalise(payload)
    upper = text.upper()
    if not text:
        return Classification("other", "", Reason.EMPTY)
    if _ID18_RE.fullmatch(upper) or _ID15_RE.fullmatch(upper):
        try:
            resident = parse_id(upper, today=today)
        except CodeError as exc:
            return Classification("bad-id", upper, exc.reason, str(exc))
        return Classification("id", resident.number, resident=resident)
    if _CASE_RE.fullmatch(upper):
        try:
            case = parse_case_number(upper, hall_code, today=today)
        except CodeError as exc:
            return Classification("other", upper, exc.reason, str(exc))
        return Classification("case", case.text, case=case)
    return Classification("other", payload.strip(), Reason.NOT_OURS)
