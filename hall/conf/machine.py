"""What ``hall up`` runs on one machine: ``config/machine.toml`` (optional).

A hall is several machines (the server, kiosks, the lobby display PC, window
PCs); each has its own machine file naming the apps and simulators it runs. The
broker and the queue service are not listed: ``hall up`` always runs them, the
rest comes from here. Without a machine file only the broker and the service run.
"""

from __future__ import annotations

import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import Field, ValidationError, model_validator

from hall.conf.load import ConfigIssue, HallConfig, _key_path
from hall.conf.model import Role, Strict

MACHINE_FILE = "machine.toml"


class AppKind(StrEnum):
    """Apps with a screen; each is the ``hall <kind>`` command with a client identity."""

    KIOSK = "kiosk"
    DISPLAY = "display"
    TERMINAL = "terminal"
    GUIDE = "guide"
    RATING = "rating"
    SIGNIN = "signin"
    DUTY = "duty"


APP_ROLE: dict[AppKind, Role] = {
    AppKind.KIOSK: Role.KIOSK,
    AppKind.DISPLAY: Role.DISPLAY,
    AppKind.TERMINAL: Role.WINDOW,
    AppKind.GUIDE: Role.GUIDE,
    AppKind.RATING: Role.RATING,
    AppKind.SIGNIN: Role.SIGNIN,
    AppKind.DUTY: Role.DUTY,
}


class SimKind(StrEnum):
    PRINTER = "printer"
    """The virtual ESC/POS printer (``hall device printer-sim``): tickets as PNG."""
    FINGERPRINT = "fingerprint"
    """A virtual fingerprint module on a pseudo-terminal (``hall device fingerprint-sim``)."""
    TRAFFIC = "traffic"
    """Simulated applicants and window staff (``hall demo-traffic``)."""


class When(StrEnum):
    ALWAYS = "always"
    DEMO = "demo"
    """Only with ``hall up --demo``."""


class DisplayMode(StrEnum):
    AUTO = "auto"
    """The attached screen when ``DISPLAY`` is set, else a virtual one (Xvfb)."""
    XVFB = "xvfb"
    """Always a virtual screen (a kiosk tested without a monitor)."""
    SCREEN = "screen"
    """The attached screen; ``hall up`` refuses to start apps without ``DISPLAY``."""


class MachineInfo(Strict):
    name: str = "this machine"
    display: DisplayMode = DisplayMode.AUTO
    screen: Annotated[str, Field(pattern=r"^\d{3,5}x\d{3,5}$")] = "1280x720"
    """Size of the virtual screen."""
    screenshot_every_s: float = Field(default=5.0, ge=0, le=3600)
    """On a virtual screen: a PNG of it in ``var/screens/`` this often (0: never)."""


class App(Strict):
    kind: AppKind
    client: str
    """Its client id in clients.toml (a kiosk app logs in as a kiosk client)."""
    printer: str | None = None
    """``sim`` for this machine's printer simulator, or a printer URL (kiosk)."""
    when: When = When.ALWAYS
    screen: int = Field(default=0, ge=0, le=9)
    """On a virtual screen: which one (a demo machine shows the kiosk on 0, the lobby display
    on 1; each gets its screenshots). On an attached screen every app uses ``DISPLAY``."""
    args: list[str] = Field(default_factory=list)
    """Extra command-line arguments of the app."""


class Simulator(Strict):
    kind: SimKind
    when: When = When.ALWAYS
    args: list[str] = Field(default_factory=list)


class MachineFile(Strict):
    machine: MachineInfo = MachineInfo()
    app: list[App] = Field(default_factory=list)
    simulator: list[Simulator] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> MachineFile:
        clients = [a.client for a in self.app]
        if len(set(clients)) != len(clients):
            raise ValueError("an app client id appears twice (one connection per client)")
        kinds = [s.kind for s in self.simulator]
        if len(set(kinds)) != len(kinds):
            raise ValueError("a simulator kind appears twice")
        return self

    def apps(self, demo: bool) -> list[App]:
        return [a for a in self.app if a.when is When.ALWAYS or demo]

    def simulators(self, demo: bool) -> list[Simulator]:
        return [s for s in self.simulator if s.when is When.ALWAYS or demo]

    def simulates(self, kind: SimKind, demo: bool) -> bool:
        return any(s.kind is kind for s in self.simulators(demo))


def load_machine(
    config: HallConfig, path: str | Path | None = None
) -> tuple[MachineFile, list[ConfigIssue]]:
    """The machine file (``config/machine.toml`` by default) and its problems.

    A missing default file is no problem (an empty machine); a missing file named
    explicitly is.
    """
    explicit = path is not None
    file = Path(path) if explicit else config.directory / MACHINE_FILE
    name = file.name
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        if explicit:
            return MachineFile(), [ConfigIssue(str(file), "", "missing")]
        return MachineFile(), []
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        return MachineFile(), [ConfigIssue(name, "", f"not valid TOML: {exc}")]
    try:
        machine = MachineFile.model_validate(data)
    except ValidationError as exc:
        return MachineFile(), [
            ConfigIssue(name, _key_path(tuple(err["loc"]), data), err["msg"])
            for err in exc.errors()
        ]
    return machine, cross_check(machine, config, name)


def cross_check(machine: MachineFile, config: HallConfig, name: str) -> list[ConfigIssue]:
    """Each app's client exists in clients.toml with the role its kind needs."""
    issues = []
    for n, app in enumerate(machine.app):
        key = f"app[{n}]({app.kind.value}).client"
        client = config.client_by_id.get(app.client)
        if client is None:
            issues.append(ConfigIssue(name, key, f"unknown client {app.client!r}"))
        elif client.role is not APP_ROLE[app.kind]:
            issues.append(
                ConfigIssue(
                    name,
                    key,
                    f"{app.client!r} is a {client.role.value} client; a {app.kind.value} app "
                    f"needs a {APP_ROLE[app.kind].value} client",
                )
            )
        if app.printer == "sim":
            sims = [s for s in machine.simulator if s.kind is SimKind.PRINTER]
            if not sims or (app.when is When.ALWAYS and sims[0].when is When.DEMO):
                issues.append(
                    ConfigIssue(
                        name,
                        f"app[{n}]({app.kind.value}).printer",
                        "'sim' needs a printer simulator running whenever the app runs",
                    )
                )
    return issues
