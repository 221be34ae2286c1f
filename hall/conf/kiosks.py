"""Kiosk settings: ``config/kiosks.toml`` (optional; defaults when absent).

Per kiosk client: its printer URL and its scanner (camera device, serial port or
keyboard wedge); for all kiosks: the physical screen (so touch targets can be
sized in millimetres), the idle timeouts and paging. Checked by ``hall config
check`` through :func:`check_kiosks`; read by the kiosk with :func:`load_kiosks`.
"""

from __future__ import annotations

import re
import tomllib
from enum import StrEnum
from pathlib import Path

from pydantic import Field, ValidationError, model_validator

from hall.conf.load import ConfigError, ConfigIssue, HallConfig, _key_path
from hall.conf.model import Role, Strict

KIOSKS_FILE = "kiosks.toml"
PRINTER_URL_RE = re.compile(
    r"^(usb:[0-9a-fA-F]{4}:[0-9a-fA-F]{4}|serial:/\S+|tcp:(//)?\S+|file:\S+|sim(:\S*)?|none)"
    r"(\?\S*)?$"
)
"""The printer URL forms of ``devices.printer.url`` (parsed fully when the kiosk starts)."""


class ScannerKind(StrEnum):
    WEDGE = "wedge"
    """A USB scanner that types like a keyboard: the kiosk window reads it."""
    SERIAL = "serial"
    CAMERA = "camera"
    NONE = "none"


class Scanner(Strict):
    kind: ScannerKind = ScannerKind.WEDGE
    port: str = ""
    """Serial port (``/dev/ttyACM0``) for a serial scanner."""
    baud: int = Field(default=9600, ge=1200, le=921600)
    device: str = ""
    """Camera index (``0``), device path (``/dev/video0``), network camera URL
    (``http://HOST/video.mjpg``, ``rtsp://...``), video file or image folder for a camera
    scanner."""

    @model_validator(mode="after")
    def _needs(self) -> Scanner:
        if self.kind is ScannerKind.SERIAL and not self.port:
            raise ValueError("a serial scanner needs 'port'")
        if self.kind is ScannerKind.CAMERA and not self.device:
            raise ValueError("a camera scanner needs 'device'")
        return self


class Screen(Strict):
    """The kiosk's physical screen."""

    width_px: int = Field(default=1920, ge=320, le=7680)
    height_px: int = Field(default=1080, ge=240, le=4320)
    diagonal_in: float = Field(default=21.5, gt=3, le=100)
    fullscreen: bool = True

    @property
    def dpi(self) -> float:
        return (self.width_px**2 + self.height_px**2) ** 0.5 / self.diagonal_in

    def mm_to_px(self, mm: float) -> float:
        return mm / 25.4 * self.dpi


class KioskDefaults(Strict):
    screen: Screen = Screen()
    idle_timeout_s: float = Field(default=60, ge=10, le=900)
    """No touch for this long: back to Home, a half-made choice is dropped."""
    issued_timeout_s: float = Field(default=20, ge=5, le=300)
    """How long the issued number stays on screen."""
    retry_s: float = Field(default=5, ge=1, le=120)
    """The kiosk retries an unanswered request this often while the service is away."""
    min_target_mm: float = Field(default=15, ge=7, le=40)
    font_mm: float = Field(default=7, ge=3, le=20)
    page_size: int = Field(default=8, ge=2, le=30)
    """Buttons per page on the Choose screen."""


class Kiosk(Strict):
    client: str
    printer: str = "none"
    """Printer URL (``tcp:10.0.0.5:9100``, ``usb:0416:5011``, ``sim:var/tickets``, ``none``)."""
    printer_profile: str | None = None
    scanner: Scanner = Scanner()
    location: str = ""


class KiosksFile(Strict):
    defaults: KioskDefaults = KioskDefaults()
    kiosk: list[Kiosk] = Field(default_factory=list)


def _read(directory: Path) -> tuple[KiosksFile, list[ConfigIssue]]:
    path = directory / KIOSKS_FILE
    if not path.exists():
        return KiosksFile(), []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        return KiosksFile(), [ConfigIssue(KIOSKS_FILE, "", f"not valid TOML: {exc}")]
    try:
        return KiosksFile.model_validate(data), []
    except ValidationError as exc:
        return KiosksFile(), [
            ConfigIssue(KIOSKS_FILE, _key_path(tuple(e["loc"]), data), e["msg"])
            for e in exc.errors()
        ]


def check_kiosks(directory: Path, config: HallConfig) -> list[ConfigIssue]:
    """Problems of ``kiosks.toml`` against the rest of the config (none when absent)."""
    file, issues = _read(directory)
    if issues:
        return issues
    seen: set[str] = set()
    for n, k in enumerate(file.kiosk):
        key = f"kiosk[{n}]({k.client})"
        client = config.client_by_id.get(k.client)
        if client is None:
            issues.append(ConfigIssue(KIOSKS_FILE, f"{key}.client", "not in clients.toml"))
        elif client.role is not Role.KIOSK:
            issues.append(
                ConfigIssue(KIOSKS_FILE, f"{key}.client", f"has role {client.role}, not kiosk")
            )
        if k.client in seen:
            issues.append(ConfigIssue(KIOSKS_FILE, f"{key}.client", "listed twice"))
        seen.add(k.client)
        if not PRINTER_URL_RE.match(k.printer):
            issues.append(
                ConfigIssue(
                    KIOSKS_FILE,
                    f"{key}.printer",
                    f"{k.printer!r} is not a printer URL (usb:VID:PID, serial:/dev/..., "
                    "tcp:HOST[:PORT], file:PATH, sim[:DIR] or none)",
                )
            )
    return issues


class KioskSettings:
    """The settings of one kiosk client (its entry, else defaults)."""

    def __init__(self, file: KiosksFile, client_id: str):
        self.defaults = file.defaults
        self.kiosk = next((k for k in file.kiosk if k.client == client_id), Kiosk(client=client_id))


def load_kiosks(config: HallConfig, client_id: str) -> KioskSettings:
    """Settings of kiosk ``client_id``; raise :class:`ConfigError` on a bad file."""
    issues = check_kiosks(config.directory, config)
    if issues:
        raise ConfigError(issues)
    file, _ = _read(config.directory)
    return KioskSettings(file, client_id)
