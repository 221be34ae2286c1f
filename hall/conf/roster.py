"""The people side of a hall config: roster, sign-in schedule and duty rota, loaded together.

``staff.toml`` is optional for a hall that runs no sign-in (the test mini hall has none);
when it is there, ``attendance.toml`` and ``rota.toml`` must be there too, and all three
are validated against the units and windows.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from hall.conf.duty import AttendanceFile, Rota, RotaFile, check_rota
from hall.conf.staff import StaffFile, StaffMember, StaffRole, check_roster, verify_pin

if TYPE_CHECKING:
    from hall.conf.load import ConfigIssue, HallConfig

FILES = ("staff.toml", "attendance.toml", "rota.toml")


@dataclass(frozen=True)
class Roster:
    """Staff, the sign-in schedule and the rota of one hall."""

    staff: tuple[StaffMember, ...]
    schedule: AttendanceFile
    rota: Rota

    @cached_property
    def by_id(self) -> dict[str, StaffMember]:
        return {s.id: s for s in self.staff}

    @cached_property
    def by_page(self) -> dict[int, StaffMember]:
        """Fingerprint page on the reader -> the person whose finger it is."""
        return {page: s for s in self.staff for page in s.fingerprints}

    def authenticate(self, staff_id: str, pin: str) -> StaffMember | None:
        """The person when ``pin`` is theirs (constant-time compare), else None."""
        member = self.by_id.get(staff_id.strip().upper())
        if member is None or not verify_pin(member.pin, pin):
            return None
        return member

    def with_role(self, role: StaffRole) -> list[StaffMember]:
        return [s for s in self.staff if role in s.roles]

    def summary(self) -> dict[str, int]:
        counts = {role.value: len(self.with_role(role)) for role in StaffRole}
        return {"staff": len(self.staff), **counts}


def load_roster(directory: Path, config: HallConfig) -> tuple[Roster | None, list[ConfigIssue]]:
    """The roster of ``directory`` (None when it has no ``staff.toml``) and its problems."""
    from hall.conf.load import ConfigIssue, _load_file

    if not (directory / "staff.toml").exists():
        stray = [n for n in FILES[1:] if (directory / n).exists()]
        return None, [ConfigIssue(n, "", "present but staff.toml is missing") for n in stray]
    issues: list[ConfigIssue] = []
    staff = _load_file(directory, "staff.toml", StaffFile, issues)
    schedule = _load_file(directory, "attendance.toml", AttendanceFile, issues)
    rota = _load_file(directory, "rota.toml", RotaFile, issues)
    if staff is not None:
        issues += check_roster(staff.staff, config)
        if rota is not None:
            issues += check_rota(rota, {s.id: s for s in staff.staff})
    if issues or staff is None or schedule is None or rota is None:
        return None, issues
    return Roster(tuple(staff.staff), schedule, Rota(rota)), issues
