"""The staff roster (``config/staff.toml``): who works in the hall, where, in which roles.

A person has an id (``S001``), a name, either a unit (window staff belong to the unit of
their window) or a centre section, a post, roles, a PIN kept only as a salted scrypt hash
and the page numbers of their fingerprints on the sign-in reader (templates never leave
the reader). ``check_roster`` holds the checks that need units and windows.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections import Counter
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

from pydantic import Field, field_validator, model_validator

from hall.conf.model import Strict

if TYPE_CHECKING:
    from hall.conf.load import ConfigIssue, HallConfig

STAFF_ID_RE = re.compile(r"^S\d{3}$")
PIN_RE = re.compile(r"^\d{4,8}$")
MAX_PAGE = 0xFFFF

# scrypt cost: about 50 ms per check on the hall's small boxes, 16 MiB of memory.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SALT_BYTES = 16
HASH_BYTES = 32
PIN_HASH_RE = re.compile(
    r"^scrypt\$n=(?P<n>\d+),r=(?P<r>\d+),p=(?P<p>\d+)\$(?P<salt>[A-Za-z0-9+/=]+)\$"
    r"(?P<hash>[A-Za-z0-9+/=]+)$"
)


class StaffRole(StrEnum):
    """What a person may do in the hall (the seed's posts)."""

    WINDOW_STAFF = "window_staff"  # 窗口工作人員
    WINDOW_HEAD = "window_head"  # 窗口負責人: approves business trips of the unit's staff
    GUIDE_OFFICER = "guide_officer"  # 導辦員
    DUTY_OFFICER = "duty_officer"  # 值班人員
    DUTY_DIRECTOR = "duty_director"  # 值班主任
    CENTER_DIRECTOR = "center_director"  # 中心主任


class Section(StrEnum):
    """The centre's own sections (for staff who belong to no stationed unit)."""

    OFFICE = "office"  # 辦公室
    GENERAL = "general"  # 綜合科
    BUSINESS = "business"  # 業務科
    SUPERVISION = "supervision"  # 督查科


# ------------------------------------------------------------------ PIN hashes


class PinError(ValueError):
    """A PIN that cannot be used (not 4-8 digits)."""


def hash_pin(pin: str, *, salt: bytes | None = None) -> str:
    """A salted scrypt hash of ``pin`` as ``scrypt$n=..,r=..,p=..$SALT$HASH`` (base64)."""
    if not PIN_RE.match(pin):
        raise PinError("a PIN is 4 to 8 digits")
    salt = salt if salt is not None else secrets.token_bytes(SALT_BYTES)
    digest = hashlib.scrypt(
        pin.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=HASH_BYTES
    )
    b64 = base64.b64encode
    return (
        f"scrypt$n={SCRYPT_N},r={SCRYPT_R},p={SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"
    )


def verify_pin(stored: str | None, pin: str) -> bool:
    """True when ``pin`` matches the stored hash; the digests are compared in constant time."""
    if not stored:
        return False
    match = PIN_HASH_RE.match(stored)
    if match is None:
        return False
    n, r, p = int(match["n"]), int(match["r"]), int(match["p"])
    salt = base64.b64decode(match["salt"])
    expected = base64.b64decode(match["hash"])
    try:
        digest = hashlib.scrypt(
            pin.encode(), salt=salt, n=n, r=r, p=p, dklen=len(expected), maxmem=2**26
        )
    except ValueError:
        return False
    return hmac.compare_digest(digest, expected)


# ----------------------------------------------------------------- the model


class StaffMember(Strict):
    id: Annotated[str, Field(pattern=STAFF_ID_RE.pattern)]
    name: str = Field(min_length=1, max_length=40)
    unit: str | None = None
    """A stationed unit (``U01``); None for the centre's own staff."""
    section: Section | None = None
    """The centre section of the centre's own staff."""
    window: str | None = None
    """The window a window staff member serves at."""
    post: str = Field(min_length=1, max_length=40)
    roles: list[StaffRole] = Field(min_length=1)
    pin: str | None = None
    """The salted PIN hash written by ``hall staff set-pin``; never the PIN itself."""
    fingerprints: list[Annotated[int, Field(ge=0, le=MAX_PAGE)]] = Field(default_factory=list)
    """Library pages of this person's fingers on the sign-in reader."""

    @field_validator("pin")
    @classmethod
    def _hashed(cls, value: str | None) -> str | None:
        if value is not None and not PIN_HASH_RE.match(value):
            raise ValueError("must be a hash written by 'hall staff set-pin', never a plain PIN")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> StaffMember:
        if len(set(self.roles)) != len(self.roles):
            raise ValueError("roles must not repeat")
        if (self.unit is None) == (self.section is None):
            raise ValueError("give either 'unit' (stationed staff) or 'section' (centre staff)")
        serves = StaffRole.WINDOW_STAFF in self.roles
        if serves and not self.window:
            raise ValueError("window staff need 'window'")
        if self.window and not serves:
            raise ValueError("only window staff have 'window'")
        if StaffRole.WINDOW_HEAD in self.roles and not serves:
            raise ValueError("a window head is one of the window staff")
        if len(set(self.fingerprints)) != len(self.fingerprints):
            raise ValueError("fingerprint pages must not repeat")
        return self

    def has(self, role: StaffRole) -> bool:
        return role in self.roles


class StaffFile(Strict):
    """Contents of ``staff.toml``."""

    staff: list[StaffMember] = Field(min_length=1)


def check_roster(staff: list[StaffMember], config: HallConfig) -> list[ConfigIssue]:
    """Checks against units and windows: ids and pages unique, units and windows real."""
    from hall.conf.load import ConfigIssue

    issues: list[ConfigIssue] = []
    file = "staff.toml"
    for value, n in Counter(s.id for s in staff).items():
        if n > 1:
            issues.append(ConfigIssue(file, "staff.id", f"{value!r} appears {n} times"))
    owner: dict[int, str] = {}
    for n, member in enumerate(staff):
        key = f"staff[{n}]({member.id})"
        if member.unit is not None and member.unit not in config.unit_by_code:
            issues.append(ConfigIssue(file, f"{key}.unit", f"unknown unit {member.unit!r}"))
        if member.window is not None:
            window = config.window_by_id.get(member.window)
            if window is None:
                issues.append(
                    ConfigIssue(file, f"{key}.window", f"unknown window {member.window!r}")
                )
            elif member.unit is not None and window.unit != member.unit:
                issues.append(
                    ConfigIssue(
                        file,
                        f"{key}.window",
                        f"window {member.window} belongs to unit {window.unit}, not {member.unit}",
                    )
                )
        for page in member.fingerprints:
            if page in owner:
                issues.append(
                    ConfigIssue(
                        file, f"{key}.fingerprints", f"page {page} is already {owner[page]}'s"
                    )
                )
            owner.setdefault(page, member.id)
    heads: Counter[str] = Counter(
        s.window for s in staff if s.window and StaffRole.WINDOW_HEAD in s.roles
    )
    for window_id, n in heads.items():
        if n > 1:
            issues.append(
                ConfigIssue(file, "staff.roles", f"window {window_id} has {n} window heads")
            )
    if staff and not any(StaffRole.CENTER_DIRECTOR in s.roles for s in staff):
        issues.append(ConfigIssue(file, "staff.roles", "nobody is center_director"))
    return issues
