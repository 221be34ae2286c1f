"""What ``hall up`` starts, in order: broker, queue service, screen, simulators, apps.

Built from the hall config and the machine file (:mod:`hall.conf.machine`), as
a list of :class:`~runner.supervisor.Child` that the supervisor runs. Apps that
are not installed yet (no ``hall <kind>`` command) are reported and skipped.
"""

from __future__ import annotations

import sys
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from hall.conf import ConfigError, HallConfig
from hall.conf.kiosks import ScannerKind, load_kiosks
from hall.conf.machine import App, AppKind, MachineFile, SimKind
from hall.conf.staff import StaffRole
from hall.net import free_port, port_open
from hall.runtime import RuntimeDir
from runner.display import DisplayPlan, plan_display, socket_of, xvfb_argv
from runner.staff import SAMPLE_PIN, NoStaff, duty_officer, pick_staff
from runner.supervisor import Child

HALL = (sys.executable, "-m", "hall.cli")


@dataclass
class UpOptions:
    config_dir: Path
    var: RuntimeDir
    broker_conf: Path
    port: int
    host: str = "127.0.0.1"
    demo: bool = False
    ignore_hours: bool = False
    installed: Collection[str] = ()
    """``hall`` subcommands that exist (an app whose command is missing is skipped)."""


@dataclass
class UpPlan:
    children: list[Child]
    notes: list[str] = field(default_factory=list)
    display: DisplayPlan | None = None
    printer_url: str | None = None
    gui_kiosks: list[str] = field(default_factory=list)
    screens: list[tuple[Path, str]] = field(default_factory=list)
    """On a virtual screen: (newest screenshot, what it shows) per screen."""
    staffed: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Demo: window terminal, guide or duty console client -> (its window, "" for a console;
    the staff id simulated staff sign in with, pressing its buttons: ``hall demo-staff``)."""


def screen_files(index: int) -> tuple[str, str]:
    """File name stem and newest-file name of the screenshots of virtual screen ``index``."""
    return ("screen", "latest.png") if index == 0 else (f"screen{index}", f"latest-{index}.png")


def _common(opts: UpOptions) -> list[str]:
    return ["--config", str(opts.config_dir), "--var", str(opts.var.root)]


def core_children(opts: UpOptions) -> list[Child]:
    """The broker and the queue service: always, on every ``hall up``."""
    var, host, port = opts.var, opts.host, opts.port
    ready = var.ready_file("queue-service")
    service = [*HALL, "service", *_common(opts), "--port", str(port)]
    if opts.demo or opts.ignore_hours:
        service.append("--ignore-hours")
    return [
        Child(
            "mosquitto",
            ["mosquitto", "-c", str(opts.broker_conf)],
            var.logs / "mosquitto.log",
            ready=lambda: port_open(host, port),
        ),
        Child("queue-service", service, var.logs / "queue-service.log", ready=ready.exists),
    ]


def plan_up(config: HallConfig, machine: MachineFile, opts: UpOptions) -> UpPlan:
    """Every child of ``hall up`` on this machine, in start order."""
    plan = UpPlan(core_children(opts))
    var = opts.var
    apps = []
    for app in machine.apps(opts.demo):
        if app.kind.value in opts.installed:
            apps.append(app)
        else:
            plan.notes.append(
                f"{app.kind.value} ({app.client}) skipped: this installation has no "
                f"`hall {app.kind.value}` yet"
            )

    touch = machine.simulates(SimKind.TRAFFIC, opts.demo)
    # One login per window: the demo traffic's headless staff leave the windows whose
    # terminal runs here; with the traffic simulator, simulated staff press its buttons.
    terminals = {a.client: window_of(config, a) for a in apps if a.kind is AppKind.TERMINAL}
    for client, window_id in terminals.items() if touch else ():
        try:
            plan.staffed[client] = (window_id, pick_staff(config, window_id, SAMPLE_PIN))
        except NoStaff as exc:
            plan.notes.append(f"terminal {client}: no simulated staff at {window_id}: {exc}")
    for app in [a for a in apps if a.kind is AppKind.GUIDE] if touch else ():
        try:  # a simulated guide officer signs in at the guide console
            role = StaffRole.GUIDE_OFFICER
            plan.staffed[app.client] = ("", pick_staff(config, None, SAMPLE_PIN, role=role))
        except NoStaff as exc:
            plan.notes.append(f"guide {app.client}: no simulated officer: {exc}")
    for app in [a for a in apps if a.kind is AppKind.DUTY] if touch else ():
        try:  # the duty officer on duty today signs in at the duty console
            plan.staffed[app.client] = ("", duty_officer(config, SAMPLE_PIN))
        except NoStaff as exc:
            plan.notes.append(f"duty {app.client}: no simulated officer: {exc}")

    # Half of the applicants look for what one staffed terminal serves: each has tickets to call.
    prefer = []
    for window_id, _ in plan.staffed.values():
        if not window_id:
            continue
        unit = config.window_by_id[window_id].unit
        prefer += ["--prefer", ",".join([unit, *sorted(config.items_by_window[window_id])])]

    screenshots: list[Child] = []
    if apps:
        used = sorted({a.screen for a in apps})
        plan.display = plan_display(machine.machine.display, screens=used[-1] + 1)
        if plan.display.virtual:
            for index in used:
                display = plan.display.for_screen(index)
                plan.children.append(
                    Child(
                        "xvfb" if index == 0 else f"xvfb-{index}",
                        xvfb_argv(display, machine.machine.screen),
                        var.logs / ("xvfb.log" if index == 0 else f"xvfb-{index}.log"),
                        ready=socket_of(display).exists,
                    )
                )
            every = machine.machine.screenshot_every_s
            for index in used if every > 0 else []:
                name, latest = screen_files(index)
                shows = ", ".join(
                    describe(a, plan.staffed) for a in apps if a.screen == index and draws(a)
                )
                plan.screens.append((var.root / "screens" / latest, shows))
                screenshots.append(
                    Child(
                        "screens" if index == 0 else f"screens-{index}",
                        [
                            *HALL,
                            "screens",
                            "--display",
                            plan.display.for_screen(index),
                            "--out",
                            str(var.root / "screens"),
                            "--every",
                            str(every),
                            "--name",
                            name,
                            "--latest",
                            latest,
                        ],
                        var.logs / ("screens.log" if index == 0 else f"screens-{index}.log"),
                    )
                )

    for sim in machine.simulators(opts.demo):
        if sim.kind is SimKind.PRINTER:
            printer_port = free_port()
            plan.printer_url = f"tcp:127.0.0.1:{printer_port}"
            argv = [*HALL, "device", "printer-sim", "--port", str(printer_port)]
            argv += ["--out", str(var.tickets), *sim.args]
            plan.children.append(
                Child(
                    "printer-sim",
                    argv,
                    var.logs / "printer-sim.log",
                    ready=lambda p=printer_port: port_open("127.0.0.1", p),
                )
            )
        elif sim.kind is SimKind.FINGERPRINT:
            argv = [*HALL, "device", "fingerprint-sim", *sim.args]
            plan.children.append(Child("fingerprint-sim", argv, var.logs / "fingerprint-sim.log"))

    # Some applicants come for an item that needs an ID scan (實名取號).
    real_name = []
    for item in sorted(config.item_by_code.values(), key=lambda i: i.code):
        if item.real_name:
            real_name += ["--real-name", f"{item.unit},{item.code}"]

    for app in apps:
        env = {"DISPLAY": plan.display.for_screen(app.screen)} if plan.display else {}
        extra: list[str] = []
        if app.kind is AppKind.KIOSK:
            plan.gui_kiosks.append(app.client)
            if touch:  # simulated applicants touch this kiosk's screen
                touch_port = free_port()
                scanner, extra = demo_scanner(config, app, var)
                plan.children.append(
                    Child(
                        f"applicants-{app.client}",
                        [
                            *HALL,
                            "demo-applicants",
                            *prefer,
                            *real_name,
                            "--scanner",
                            scanner,
                            "--listen",
                            f"127.0.0.1:{touch_port}",
                        ],
                        _log(var, f"applicants-{app.client}"),
                        ready=lambda p=touch_port: port_open("127.0.0.1", p),
                    )
                )
                env["HALL_UI_DRIVER"] = f"127.0.0.1:{touch_port}"
        elif app.kind is AppKind.RATING and touch:  # applicants rate on this pad
            touch_port = free_port()
            plan.children.append(
                Child(
                    f"raters-{app.client}",
                    [*HALL, "demo-raters", "--listen", f"127.0.0.1:{touch_port}"],
                    _log(var, f"raters-{app.client}"),
                    ready=lambda p=touch_port: port_open("127.0.0.1", p),
                )
            )
            env["HALL_UI_DRIVER"] = f"127.0.0.1:{touch_port}"
        elif app.client in plan.staffed:  # simulated staff press this app's buttons
            window_id, staff = plan.staffed[app.client]
            touch_port = free_port()
            argv = [*HALL, "demo-staff", "--config", str(opts.config_dir)]
            argv += ["--listen", f"127.0.0.1:{touch_port}"]
            argv += ["--window", window_id] if window_id else ["--console", app.kind.value]
            plan.children.append(
                Child(
                    f"staff-{app.client}",
                    [*argv, "--staff", staff],
                    _log(var, f"staff-{app.client}"),
                    ready=lambda p=touch_port: port_open("127.0.0.1", p),
                )
            )
            env["HALL_UI_DRIVER"] = f"127.0.0.1:{touch_port}"
        argv = [*HALL, app.kind.value, *app_arguments(app, opts, plan.printer_url), *app.args]
        argv += extra
        plan.children.append(
            Child(f"{app.kind.value}-{app.client}", argv, _log(var, app.client), env=env)
        )

    if touch:
        sim = next(s for s in machine.simulators(opts.demo) if s.kind is SimKind.TRAFFIC)
        argv = [*HALL, "demo-traffic", *_common(opts), "--port", str(opts.port)]
        if plan.printer_url:
            argv += ["--printer", plan.printer_url]
        if plan.gui_kiosks:  # applicants use the kiosk screens, not a kiosk of their own
            argv += ["--kiosks", ""]
        if terminals:
            argv += ["--skip-windows", ",".join(sorted(terminals.values()))]
        plan.children.append(
            Child("demo-traffic", [*argv, *sim.args], var.logs / "demo-traffic.log")
        )
    # The screenshots start last, so they stop first: a screenshot taken while the apps are
    # being stopped would show an empty screen and replace the last one of the working hall.
    plan.children += screenshots
    return plan


# How each app takes its client id, runtime directory, broker port and printer; None: it
# has no such option. Apps not listed take --client, --var, --broker-port and --printer.
APP_FLAGS: dict[AppKind, dict[str, str | None]] = {
    AppKind.KIOSK: {"client": "--kiosk-id"},
    AppKind.SIGNIN: {"printer": None},
    AppKind.DUTY: {"printer": None},
}
DEFAULT_FLAGS = {
    "client": "--client",
    "var": "--var",
    "port": "--broker-port",
    "printer": "--printer",
}


def app_arguments(app: App, opts: UpOptions, printer_sim: str | None) -> list[str]:
    """The command-line options ``hall up`` gives an app (before the file's own ``args``)."""
    flags = {**DEFAULT_FLAGS, **APP_FLAGS.get(app.kind, {})}
    printer = printer_sim if app.printer == "sim" else app.printer
    values = {
        "client": app.client,
        "var": str(opts.var.root),
        "port": str(opts.port),
        "printer": printer,
    }
    out = ["--config", str(opts.config_dir)]
    for key, flag in flags.items():
        if flag is not None and values[key]:
            out += [flag, str(values[key])]
    return out


def demo_scanner(config: HallConfig, app: App, var: RuntimeDir) -> tuple[str, list[str]]:
    """How the demo's applicants present an ID to kiosk ``app`` (``demo-applicants
    --scanner``), and what the kiosk is told besides: a wedge scanner as configured; a camera
    scanner reads the applicants' simulated network camera (``--scanner camera:URL``); a
    serial scanner reads their simulated serial scanner's pseudo-terminal, through the link
    ``var/run/scanner-<kiosk>`` the simulator points at it (``--scanner serial:LINK:BAUD``)."""
    if "--scanner" in app.args:  # the machine file chose the scanner: wedge, or none for us
        given = app.args[app.args.index("--scanner") + 1 :][:1]
        return ("wedge" if given == ["wedge"] else "none"), []
    try:
        scanner = load_kiosks(config, app.client).kiosk.scanner
    except ConfigError:  # the kiosk itself says what is wrong, in its log
        return "none", []
    if scanner.kind is ScannerKind.CAMERA:
        port = free_port()
        return f"camera:{port}", ["--scanner", f"camera:http://127.0.0.1:{port}/video.mjpg"]
    if scanner.kind is ScannerKind.SERIAL:
        link = var.run / f"scanner-{app.client}"
        return f"serial:{link}", ["--scanner", f"serial:{link}:{scanner.baud}"]
    return scanner.kind.value, []


def window_of(config: HallConfig, app: App) -> str:
    """The window of a window terminal app (its client's window in clients.toml)."""
    return config.client_by_id[app.client].window or ""


def describe(app: App, staffed: dict[str, tuple[str, str]]) -> str:
    """What the banner says runs on a screen: ``display display-lobby``, ``terminal
    window-04 at W04, simulated staff S016``, ``guide guide-01, simulated officer S008``."""
    if app.client in staffed:
        window_id, staff = staffed[app.client]
        if not window_id:
            return f"{app.kind.value} {app.client}, simulated officer {staff}"
        return f"{app.kind.value} {app.client} at {window_id}, simulated staff {staff}"
    return f"{app.kind.value} {app.client}"


def draws(app: App) -> bool:
    """False for an app told to run without its window (the sign-in station's ``--no-gui``)."""
    return "--no-gui" not in app.args


def _log(var: RuntimeDir, name: str) -> Path:
    return var.logs / f"{name}.log"
