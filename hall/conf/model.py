"""Typed model of one hall's configuration (the TOML files under ``config/``).

Each file maps to one section of :class:`HallConfig`. Field checks live on the
models; checks that span files (an item's windows exist, a window client is
bound to a real window, ...) live in :func:`HallConfig.cross_check`.
"""

from __future__ import annotations

import re
from datetime import time
from enum import StrEnum
from itertools import pairwise
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hall.calendar import DayUnit
from hall.i18n import LANGUAGES

CLIENT_ID_RE = re.compile(r"^[a-z][a-z0-9-]{1,31}$")
WINDOW_ID_RE = re.compile(r"^W\d{2}$")
UNIT_CODE_RE = re.compile(r"^U\d{2}$")
ITEM_CODE_RE = re.compile(r"^[A-Z]{2}-[A-Z]{2,4}-\d{3}$")
PREFIX_RE = re.compile(r"^[A-Z]{1,2}$")


class Strict(BaseModel):
    """Base: unknown keys are errors, values are immutable once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """A user-facing text in the hall's three languages."""

    zh_Hant: str = Field(alias="zh-Hant", min_length=1)
    zh_Hans: str = Field(alias="zh-Hans", min_length=1)
    en: str = Field(min_length=1)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def get(self, lang: str) -> str:
        """The text in ``lang`` (one of :data:`LANGUAGES`), falling back to zh-Hant."""
        return {"zh-Hant": self.zh_Hant, "zh-Hans": self.zh_Hans, "en": self.en}.get(
            lang, self.zh_Hant
        )


class ItemClass(StrEnum):
    """The seed's three classes of service item."""

    LICENCE = "licence"  # 行政許可
    NON_LICENCE = "non_licence"  # 非行政許可
    SUPERVISION = "supervision"  # 監管事項


class CaseKind(StrEnum):
    """The five case kinds of the 辦件管理辦法."""

    IMMEDIATE = "immediate"  # 即辦件
    PROMISED = "promised"  # 承諾件
    JOINT = "joint"  # 聯辦件
    REPLY = "reply"  # 答覆件
    SUPPLEMENT = "supplement"  # 補辦件


class Role(StrEnum):
    """What an MQTT client may do; the broker ACL and the service both enforce it."""

    SERVICE = "service"
    KIOSK = "kiosk"
    WINDOW = "window"
    DISPLAY = "display"
    GUIDE = "guide"
    SIGNIN = "signin"
    DUTY = "duty"
    LEAVE = "leave"
    """A leave desk (``hall leave``): any staff member signs in to ask for or decide leave."""
    RATING = "rating"
    """The rating pad (好差評) at a window's counter; bound to that window like its terminal."""
    DIAG = "diag"
    CENTRAL = "central"
    """The hall's responder to the centre (``hall central respond``): reads range requests,
    answers with events from the hall's log; nothing else."""


# ---------------------------------------------------------------- hall.toml


class HallInfo(Strict):
    code: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
    name: Text
    timezone: str
    default_language: str = "zh-Hant"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("default_language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(f"must be one of {', '.join(LANGUAGES)}")
        return value


class Session(Strict):
    """One opening period of a business day, local time."""

    start: time
    end: time

    @model_validator(mode="after")
    def _ordered(self) -> Session:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class AfterHours(Session):
    """延時服務: windows that keep serving beyond the 8-hour day."""

    windows: list[str] = Field(min_length=1)


class Hours(Strict):
    weekdays: list[Annotated[int, Field(ge=1, le=7)]] = Field(min_length=1)
    sessions: list[Session] = Field(min_length=1)
    after_hours: AfterHours
    close_warning_minutes: int = Field(default=10, ge=0, le=60)

    @model_validator(mode="after")
    def _no_overlap(self) -> Hours:
        ordered = sorted(self.sessions, key=lambda s: s.start)
        for earlier, later in pairwise(ordered):
            if later.start < earlier.end:
                raise ValueError("sessions overlap")
        if self.after_hours.start < ordered[-1].end:
            raise ValueError("after_hours must start after the last session ends")
        return self


class QueueRules(Strict):
    max_skips: int = Field(default=2, ge=0, le=10)
    """A no-show is put back in the queue this many times, then voided."""
    requeue_behind: int = Field(default=3, ge=0, le=50)
    """A skipped ticket goes back behind this many waiting tickets."""
    max_consecutive_priority: int = Field(default=3, ge=1, le=20)
    """After this many priority calls in a row, a window calls a waiting normal ticket."""
    starvation_minutes: int = Field(default=30, ge=1, le=240)
    """A normal ticket waiting this long is called before priority tickets."""
    default_service_minutes: float = Field(default=8.0, gt=0, le=240)
    board_recent_calls: int = Field(default=8, ge=1, le=50)
    real_name_daily_limit: int = Field(default=3, ge=1, le=50)
    """實名取號: tickets one person may take per day for items marked ``real_name``."""


class PriorityClass(Strict):
    code: Annotated[str, Field(pattern=r"^[a-z_]{2,20}$")]
    rank: int = Field(ge=0, le=9)
    """Higher ranks are called first; rank 0 is the normal queue."""
    name: Text
    kiosk: bool = True
    """May an applicant choose it at a kiosk (VIP is given by the guide officer)."""


class MqttSettings(Strict):
    host: str = "127.0.0.1"
    port: int = Field(default=1883, ge=1, le=65535)
    keepalive: int = Field(default=15, ge=5, le=600)
    request_timeout_s: float = Field(default=5.0, gt=0, le=60)


class AppointmentRules(Strict):
    """Appointments the guide officer books by phone or at the desk (``[appointments]``)."""

    slots: list[Annotated[str, Field(pattern=r"^\d{2}:\d{2}$")]] = Field(
        default_factory=lambda: ["09:00", "10:00", "11:00", "14:00", "15:00", "16:00"]
    )
    """Slot start times, local time."""
    per_item_day: int = Field(default=10, ge=0, le=500)
    """Bookings per item per day, unless the item sets ``appointments_per_day``."""
    early_minutes: int = Field(default=30, ge=0, le=240)
    """A code checks in from this long before its slot; earlier ones are told when to come."""
    grace_minutes: int = Field(default=15, ge=0, le=240)
    """After the slot start plus this, the priority is lost: a normal ticket."""
    days_ahead: int = Field(default=14, ge=1, le=90)


class StaffSessions(Strict):
    """How long staff sign-ins last in the writer (``[staff]``)."""

    leave_desk_session_s: float = Field(default=120, ge=15, le=3600)
    """A sign-in at a leave desk (role ``leave``, ``hall leave``) lapses after this many
    seconds of the writer's clock without a command from that desk, so a ``hall leave``
    killed between sign-in and sign-out does not leave its person signed in there."""


class HallFile(Strict):
    """Contents of ``hall.toml``."""

    hall: HallInfo
    hours: Hours
    queue: QueueRules = QueueRules()
    appointments: AppointmentRules = AppointmentRules()
    staff: StaffSessions = StaffSessions()
    priority: list[PriorityClass] = Field(min_length=1)
    mqtt: MqttSettings = MqttSettings()

    @model_validator(mode="after")
    def _priority_classes(self) -> HallFile:
        codes = [p.code for p in self.priority]
        if len(set(codes)) != len(codes):
            raise ValueError("priority codes must be unique")
        if "normal" not in codes:
            raise ValueError("a priority class 'normal' is required")
        if next(p for p in self.priority if p.code == "normal").rank != 0:
            raise ValueError("priority 'normal' must have rank 0")
        return self


# --------------------------------------------------------------- units.toml


class Unit(Strict):
    code: Annotated[str, Field(pattern=UNIT_CODE_RE.pattern)]
    name: Text
    lead: bool = False
    """A lead unit (牽頭單位) for joint cases: 發改局, 建設局, 工商局."""


class UnitsFile(Strict):
    unit: list[Unit] = Field(min_length=1)


# ------------------------------------------------------------- windows.toml


class Window(Strict):
    id: Annotated[str, Field(pattern=WINDOW_ID_RE.pattern)]
    unit: str
    name: Text
    after_hours: bool = False


class WindowsFile(Strict):
    window: list[Window] = Field(min_length=1)


# --------------------------------------------------------------- items.toml


class Fee(Strict):
    name: Text
    amount_yuan: float = Field(ge=0)
    basis: str = ""


class ServiceItem(Strict):
    code: Annotated[str, Field(pattern=ITEM_CODE_RE.pattern)]
    name: Text
    unit: str
    item_class: ItemClass = Field(alias="class")
    windows: list[str] = Field(min_length=1)
    prefix: Annotated[str, Field(pattern=PREFIX_RE.pattern)]
    case_kind: CaseKind
    legal_days: int = Field(ge=1, le=365)
    promised_days: int = Field(ge=0, le=365)
    days_unit: DayUnit = DayUnit.WORKING
    """legal_days and promised_days count working days (工作日) unless ``calendar``."""
    service_minutes: float = Field(gt=0, le=240)
    basis: Text
    materials: list[Text] = Field(min_length=1)
    fees: list[Fee] = []
    real_name: bool = False
    """實名取號: the kiosk asks for the ID scan first; the service limits tickets per person."""
    appointments_per_day: int | None = Field(default=None, ge=0, le=500)
    """Bookable appointments a day for this item (default: ``[appointments] per_item_day``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _limits(self) -> ServiceItem:
        if self.promised_days >= self.legal_days:
            raise ValueError(
                f"promised_days ({self.promised_days}) must be shorter than "
                f"legal_days ({self.legal_days})"
            )
        if self.case_kind in (CaseKind.REPLY, CaseKind.SUPPLEMENT):
            raise ValueError("an item's default case_kind is immediate, promised or joint")
        if self.case_kind is CaseKind.IMMEDIATE and self.promised_days > 1:
            raise ValueError("an immediate item is promised within 1 day")
        if self.case_kind is not CaseKind.IMMEDIATE and self.promised_days < 1:
            raise ValueError("a promised or joint item needs promised_days >= 1")
        return self


class ItemsFile(Strict):
    item: list[ServiceItem] = Field(min_length=1)


# ------------------------------------------------------------- clients.toml


WINDOW_BOUND = (Role.WINDOW, Role.RATING)
"""Roles bound to one window: its terminal and its rating pad."""


class Client(Strict):
    id: str
    role: Role
    window: str | None = None
    """The window a ``window`` client commands (and only that one)."""
    name: str = ""

    @field_validator("id")
    @classmethod
    def _safe_id(cls, value: str) -> str:
        # Client ids become whole topic levels and ACL usernames: no '/', '+', '#'.
        if not CLIENT_ID_RE.match(value):
            raise ValueError("must be 2-32 of a-z, 0-9 and '-', starting with a letter")
        return value

    @model_validator(mode="after")
    def _window_binding(self) -> Client:
        if self.role in WINDOW_BOUND and not self.window:
            raise ValueError(f"a {self.role.value} client needs 'window'")
        if self.role not in WINDOW_BOUND and self.window:
            raise ValueError("only a window terminal or a rating pad has 'window'")
        return self


class ClientsFile(Strict):
    client: list[Client] = Field(min_length=1)
