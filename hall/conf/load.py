"""Load and validate a hall's configuration directory.

Every problem becomes a :class:`ConfigIssue` naming the file, the key path and
what is wrong; :func:`load_config` raises :class:`ConfigError` carrying all of
them at once so an installer fixes a broken config in one pass.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError

from hall.calendar import CalendarFile, WorkCalendar
from hall.conf import roster as _roster
from hall.conf.model import (
    Client,
    ClientsFile,
    HallFile,
    ItemClass,
    ItemsFile,
    Role,
    ServiceItem,
    Unit,
    UnitsFile,
    Window,
    WindowsFile,
)

FILES: dict[str, type[BaseModel]] = {
    "hall.toml": HallFile,
    "units.toml": UnitsFile,
    "windows.toml": WindowsFile,
    "items.toml": ItemsFile,
    "clients.toml": ClientsFile,
    "calendar.toml": CalendarFile,
}

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class ConfigIssue:
    file: str
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.key}" if self.key else self.file
        return f"{where}: {self.message}"


class ConfigError(Exception):
    """The configuration cannot be used; ``issues`` lists every problem found."""

    def __init__(self, issues: list[ConfigIssue]):
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


def _key_path(loc: tuple[Any, ...], data: Any) -> str:
    """Render a pydantic location as a TOML-ish key, naming list entries by id/code."""
    parts: list[str] = []
    node = data
    for part in loc:
        if isinstance(part, int) and isinstance(node, list):
            entry = node[part] if part < len(node) else None
            label = None
            if isinstance(entry, dict):
                label = entry.get("code") or entry.get("id")
            parts[-1:] = [f"{parts[-1] if parts else ''}[{part}]" + (f"({label})" if label else "")]
            node = entry
        else:
            parts.append(str(part))
            node = node.get(part) if isinstance(node, dict) else None
    return ".".join(p for p in parts if p)


def _load_file(directory: Path, name: str, model: type[M], issues: list[ConfigIssue]) -> M | None:
    path = directory / name
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        issues.append(ConfigIssue(name, "", f"missing (looked for {path})"))
        return None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        issues.append(ConfigIssue(name, "", f"not valid TOML: {exc}"))
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if p not in ("function-after",))
            issues.append(ConfigIssue(name, _key_path(loc, data), err["msg"]))
        return None


@dataclass(frozen=True)
class HallConfig:
    """One validated hall: the five files plus lookup tables."""

    directory: Path
    hall_file: HallFile
    units: tuple[Unit, ...]
    windows: tuple[Window, ...]
    items: tuple[ServiceItem, ...]
    clients: tuple[Client, ...]
    calendar_file: CalendarFile
    roster: _roster.Roster | None = None
    """Staff, sign-in schedule and duty rota (``staff.toml`` ...), when the hall has them."""

    @property
    def code(self) -> str:
        return self.hall_file.hall.code

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.hall_file.hall.timezone)

    @property
    def topic_root(self) -> str:
        """Versioned MQTT topic root of this hall, e.g. ``hall/GY/v1``."""
        return f"hall/{self.code}/v1"

    @cached_property
    def calendar(self) -> WorkCalendar:
        """Working days of the hall (``calendar.toml``): deadlines, attendance, reports."""
        return self.calendar_file.calendar()

    @cached_property
    def item_by_code(self) -> dict[str, ServiceItem]:
        return {i.code: i for i in self.items}

    @cached_property
    def window_by_id(self) -> dict[str, Window]:
        return {w.id: w for w in self.windows}

    @cached_property
    def unit_by_code(self) -> dict[str, Unit]:
        return {u.code: u for u in self.units}

    @cached_property
    def client_by_id(self) -> dict[str, Client]:
        return {c.id: c for c in self.clients}

    @cached_property
    def items_by_window(self) -> dict[str, tuple[str, ...]]:
        """Window id -> codes of the items it serves."""
        served: dict[str, list[str]] = {w.id: [] for w in self.windows}
        for item in self.items:
            for window_id in item.windows:
                served.setdefault(window_id, []).append(item.code)
        return {w: tuple(codes) for w, codes in served.items()}

    @cached_property
    def priority_rank(self) -> dict[str, int]:
        return {p.code: p.rank for p in self.hall_file.priority}

    def summary(self) -> dict[str, Any]:
        """Counts an installer checks against the hall's own figures."""
        per_class = Counter(i.item_class.value for i in self.items)
        return {
            "hall": self.code,
            "units": len(self.units),
            "windows": len(self.windows),
            "items": len(self.items),
            "items_per_class": {c.value: per_class.get(c.value, 0) for c in ItemClass},
            "prefixes": sorted({i.prefix for i in self.items}),
            "after_hours_windows": list(self.hall_file.hours.after_hours.windows),
            "clients_per_role": dict(Counter(c.role.value for c in self.clients)),
        }

    def cross_check(self) -> list[ConfigIssue]:
        """Checks that need more than one file."""
        issues: list[ConfigIssue] = []

        def dupes(file: str, key: str, values: list[str]) -> None:
            for value, n in Counter(values).items():
                if n > 1:
                    issues.append(ConfigIssue(file, key, f"{value!r} appears {n} times"))

        dupes("units.toml", "unit.code", [u.code for u in self.units])
        dupes("windows.toml", "window.id", [w.id for w in self.windows])
        dupes("items.toml", "item.code", [i.code for i in self.items])
        dupes("clients.toml", "client.id", [c.id for c in self.clients])

        for n, w in enumerate(self.windows):
            if w.unit not in self.unit_by_code:
                issues.append(
                    ConfigIssue(
                        "windows.toml", f"window[{n}]({w.id}).unit", f"unknown unit {w.unit!r}"
                    )
                )
        for n, item in enumerate(self.items):
            key = f"item[{n}]({item.code})"
            if item.unit not in self.unit_by_code:
                issues.append(
                    ConfigIssue("items.toml", f"{key}.unit", f"unknown unit {item.unit!r}")
                )
            for window_id in item.windows:
                if window_id not in self.window_by_id:
                    issues.append(
                        ConfigIssue("items.toml", f"{key}.windows", f"unknown window {window_id!r}")
                    )
        listed = set(self.hall_file.hours.after_hours.windows)
        for window_id in sorted(listed - set(self.window_by_id)):
            issues.append(
                ConfigIssue(
                    "hall.toml", "hours.after_hours.windows", f"unknown window {window_id!r}"
                )
            )
        marked = {w.id for w in self.windows if w.after_hours}
        for window_id in sorted(marked ^ (listed & set(self.window_by_id))):
            issues.append(
                ConfigIssue(
                    "windows.toml",
                    f"window({window_id}).after_hours",
                    "disagrees with hours.after_hours.windows in hall.toml",
                )
            )
        for window_id, codes in self.items_by_window.items():
            if window_id in self.window_by_id and not codes:
                issues.append(
                    ConfigIssue(
                        "windows.toml", f"window({window_id})", "serves no item in items.toml"
                    )
                )
        bound: Counter[tuple[str, str]] = Counter()
        for n, c in enumerate(self.clients):
            if c.window is not None:
                bound[(c.window, c.role.value)] += 1
                if c.window not in self.window_by_id:
                    issues.append(
                        ConfigIssue(
                            "clients.toml",
                            f"client[{n}]({c.id}).window",
                            f"unknown window {c.window!r}",
                        )
                    )
        for (window_id, role), n in bound.items():
            if n > 1:
                issues.append(
                    ConfigIssue(
                        "clients.toml", "client.window", f"window {window_id!r} has {n} {role}s"
                    )
                )
        services = [c.id for c in self.clients if c.role is Role.SERVICE]
        if len(services) != 1:
            issues.append(
                ConfigIssue(
                    "clients.toml",
                    "client.role",
                    f"exactly one 'service' client is needed, found {len(services)}",
                )
            )
        issues += [ConfigIssue("calendar.toml", k, m) for k, m in self.calendar_file.problems()]
        return issues

    @property
    def service_client(self) -> Client:
        return next(c for c in self.clients if c.role is Role.SERVICE)

    def clients_with_role(self, role: Role) -> list[Client]:
        return [c for c in self.clients if c.role is role]

    def terminal_of(self, window_id: str) -> Client | None:
        return next(
            (c for c in self.clients if c.window == window_id and c.role is Role.WINDOW), None
        )

    def rating_pad_of(self, window_id: str) -> Client | None:
        return next(
            (c for c in self.clients if c.window == window_id and c.role is Role.RATING), None
        )


def load_config(directory: str | Path = "config") -> HallConfig:
    """Load, validate and cross-check a hall config directory; raise :class:`ConfigError`."""
    directory = Path(directory)
    issues: list[ConfigIssue] = []
    if not directory.is_dir():
        raise ConfigError([ConfigIssue(str(directory), "", "not a directory")])
    loaded = {name: _load_file(directory, name, model, issues) for name, model in FILES.items()}
    if issues:
        raise ConfigError(issues)
    hall_file = loaded["hall.toml"]
    assert isinstance(hall_file, HallFile)
    config = HallConfig(
        directory=directory,
        hall_file=hall_file,
        units=tuple(loaded["units.toml"].unit),  # type: ignore[union-attr]
        windows=tuple(loaded["windows.toml"].window),  # type: ignore[union-attr]
        items=tuple(loaded["items.toml"].item),  # type: ignore[union-attr]
        clients=tuple(loaded["clients.toml"].client),  # type: ignore[union-attr]
        calendar_file=loaded["calendar.toml"],  # type: ignore[arg-type]
    )
    problems = config.cross_check()
    roster, roster_problems = _roster.load_roster(directory, config)
    problems += roster_problems
    from hall.conf.kiosks import check_kiosks  # kiosks.toml (optional); imports this module

    problems += check_kiosks(directory, config)
    if problems:
        raise ConfigError(problems)
    return replace(config, roster=roster) if roster is not None else config
