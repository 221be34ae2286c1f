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

from hall.conf import HallConfig
from hall.conf.machine import AppKind, MachineFile, SimKind
from hall.net import free_port, port_open
from hall.runtime import RuntimeDir
from runner.display import DisplayPlan, plan_display, xvfb_argv
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

    if apps:
        plan.display = plan_display(machine.machine.display)
        if plan.display.virtual:
            socket = plan.display.socket
            plan.children.append(
                Child(
                    "xvfb",
                    xvfb_argv(plan.display, machine.machine.screen),
                    var.logs / "xvfb.log",
                    ready=socket.exists,
                )
            )
            every = machine.machine.screenshot_every_s
            if every > 0:
                plan.children.append(
                    Child(
                        "screens",
                        [
                            *HALL,
                            "screens",
                            "--display",
                            plan.display.display,
                            "--out",
                            str(var.root / "screens"),
                            "--every",
                            str(every),
                        ],
                        var.logs / "screens.log",
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

    for app in apps:
        argv = [*HALL, app.kind.value, *_common(opts), "--client", app.client]
        printer = plan.printer_url if app.printer == "sim" else app.printer
        if printer:
            argv += ["--printer", printer]
        env = {"DISPLAY": plan.display.display} if plan.display else {}
        if app.kind is AppKind.KIOSK:
            plan.gui_kiosks.append(app.client)
        plan.children.append(
            Child(
                f"{app.kind.value}-{app.client}", [*argv, *app.args], _log(var, app.client), env=env
            )
        )

    if machine.simulates(SimKind.TRAFFIC, opts.demo):
        sim = next(s for s in machine.simulators(opts.demo) if s.kind is SimKind.TRAFFIC)
        argv = [*HALL, "demo-traffic", *_common(opts), "--port", str(opts.port)]
        if plan.printer_url:
            argv += ["--printer", plan.printer_url]
        plan.children.append(
            Child("demo-traffic", [*argv, *sim.args], var.logs / "demo-traffic.log")
        )
    return plan


def _log(var: RuntimeDir, name: str) -> Path:
    return var.logs / f"{name}.log"
