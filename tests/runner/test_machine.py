"""The machine file (what `hall up` runs here) and the plan built from it, without starting
anything: which children, in which order, with which arguments and screen."""

from __future__ import annotations

from pathlib import Path

import pytest

from hall.conf import HallConfig
from hall.conf.machine import DisplayMode, MachineFile, load_machine
from hall.runtime import RuntimeDir
from runner.display import DisplayUnavailable, plan_display
from runner.plan import UpOptions, plan_up
from runner.staff import duty_officer

REPO = Path(__file__).resolve().parents[2]


def _machine(config: HallConfig, tmp_path: Path, text: str) -> tuple[MachineFile, list[str]]:
    path = tmp_path / "machine.toml"
    path.write_text(text, encoding="utf-8")
    machine, issues = load_machine(config, path)
    return machine, [str(i) for i in issues]


@pytest.fixture(autouse=True)
def _no_display(monkeypatch: pytest.MonkeyPatch) -> None:
    """No screen attached: the plans put the apps on virtual screens (Xvfb)."""
    monkeypatch.delenv("DISPLAY", raising=False)


@pytest.fixture
def sample_machine(sample_config: HallConfig) -> MachineFile:
    """The sample machine file (the all-in-one demo machine of `make demo`)."""
    machine, issues = load_machine(sample_config)
    assert issues == []
    return machine


def _opts(tmp_path: Path, installed: set[str], demo: bool = False) -> UpOptions:
    return UpOptions(
        config_dir=REPO / "config",
        var=RuntimeDir(tmp_path / "var"),
        broker_conf=tmp_path / "mosquitto.conf",
        port=18830,
        demo=demo,
        installed=installed,
    )


def test_the_sample_machine_file_is_valid(sample_config: HallConfig) -> None:
    machine, issues = load_machine(sample_config)
    assert issues == []
    assert [a.kind.value for a in machine.app] == [
        "kiosk",
        "display",
        "guide",
        "rating",
        "signin",
        "duty",
        "terminal",
        "terminal",
    ]
    assert {s.kind.value for s in machine.simulator} >= {"printer", "traffic"}


def test_without_a_machine_file_only_broker_and_service_run(
    mini_config: HallConfig, tmp_path: Path
) -> None:
    machine, issues = load_machine(mini_config)  # the mini hall has no machine.toml
    assert issues == [] and machine == MachineFile()
    plan = plan_up(mini_config, machine, _opts(tmp_path, {"kiosk"}))
    assert [c.name for c in plan.children] == ["mosquitto", "queue-service"]


def test_app_clients_must_exist_with_the_right_role(
    sample_config: HallConfig, tmp_path: Path
) -> None:
    _m, issues = _machine(
        sample_config,
        tmp_path,
        '[[app]]\nkind = "kiosk"\nclient = "window-01"\n\n'
        '[[app]]\nkind = "display"\nclient = "nobody"\n\n'
        '[[app]]\nkind = "kiosk"\nclient = "kiosk-02"\nprinter = "sim"\n',
    )
    assert issues == [
        "machine.toml: app[0](kiosk).client: 'window-01' is a window client; "
        "a kiosk app needs a kiosk client",
        "machine.toml: app[1](display).client: unknown client 'nobody'",
        "machine.toml: app[2](kiosk).printer: 'sim' needs a printer simulator running "
        "whenever the app runs",
    ]


def test_unknown_keys_and_kinds_are_errors(sample_config: HallConfig, tmp_path: Path) -> None:
    _m, issues = _machine(
        sample_config, tmp_path, '[machine]\ndisplay = "tv"\n\n[[simulator]]\nkind = "printr"\n'
    )
    assert any(i.startswith("machine.toml: machine.display:") for i in issues), issues
    assert any(i.startswith("machine.toml: simulator[0].kind:") for i in issues), issues


def test_plan_follows_the_machine_file(
    sample_config: HallConfig, tmp_path: Path, sample_machine: MachineFile
) -> None:
    plan = plan_up(sample_config, sample_machine, _opts(tmp_path, {"kiosk", "display"}, demo=True))
    names = [c.name for c in plan.children]
    assert names == [
        "mosquitto",
        "queue-service",
        "xvfb",
        "xvfb-1",
        "printer-sim",
        "applicants-kiosk-01",
        "kiosk-kiosk-01",
        "display-display-lobby",
        "demo-traffic",
        # Last, so stopped first (the supervisor stops in reverse): the last screenshots show
        # the apps at work, not the empty screens they leave when they are stopped.
        "screens",
        "screens-1",
    ]
    assert plan.display is not None and plan.display.virtual
    # Two virtual screens (an Xvfb each): the kiosk on the first, the lobby display on the second.
    first, second = plan.display.screens
    assert plan.children[2].argv[:2] == ["Xvfb", first] and "1920x1080x24" in plan.children[2].argv
    assert plan.children[3].argv[:2] == ["Xvfb", second]
    kiosk = plan.children[names.index("kiosk-kiosk-01")]
    display = plan.children[names.index("display-display-lobby")]
    assert kiosk.env["DISPLAY"] == first
    assert display.env["DISPLAY"] == second
    assert list(display.argv[display.argv.index("--client") :][:2]) == ["--client", "display-lobby"]
    assert "--printer" not in display.argv
    shots = list(plan.children[names.index("screens-1")].argv)
    assert shots[shots.index("--display") + 1] == second
    assert [(p.name, shows) for p, shows in plan.screens] == [
        ("latest.png", "kiosk kiosk-01"),
        ("latest-1.png", "display display-lobby"),
    ]
    argv = list(kiosk.argv)
    assert argv[argv.index("--printer") + 1] == plan.printer_url
    assert argv[argv.index("--kiosk-id") + 1] == "kiosk-01"
    assert argv[argv.index("--broker-port") + 1] == "18830"
    # The simulated applicants listen where the kiosk's driver connects; the desk traffic
    # then uses no kiosk of its own.
    applicants = plan.children[names.index("applicants-kiosk-01")]
    assert applicants.argv[-1] == kiosk.env["HALL_UI_DRIVER"]
    traffic = list(plan.children[names.index("demo-traffic")].argv)
    assert traffic[traffic.index("--kiosks") + 1] == ""
    service = plan.children[1]
    assert "--ignore-hours" in service.argv  # demo implies it
    # Not a demo: no traffic, and the service keeps opening hours.
    plain = plan_up(sample_config, sample_machine, _opts(tmp_path, {"kiosk"}))
    assert [c.name for c in plain.children][-2:] == ["kiosk-kiosk-01", "screens"]
    assert "HALL_UI_DRIVER" not in plain.children[-2].env
    assert plain.notes == [
        "display (display-lobby) skipped: this installation has no `hall display` yet"
    ]
    assert "--ignore-hours" not in plain.children[1].argv


def test_an_app_not_installed_yet_is_skipped_with_a_note(
    sample_config: HallConfig, tmp_path: Path, sample_machine: MachineFile
) -> None:
    plan = plan_up(sample_config, sample_machine, _opts(tmp_path, set(), demo=True))
    assert [c.name for c in plan.children] == [
        "mosquitto",
        "queue-service",
        "printer-sim",
        "demo-traffic",
    ]
    assert plan.display is None  # no app, no screen needed
    assert plan.notes == [
        "kiosk (kiosk-01) skipped: this installation has no `hall kiosk` yet",
        "display (display-lobby) skipped: this installation has no `hall display` yet",
        "guide (guide-01) skipped: this installation has no `hall guide` yet",
        "rating (rating-04) skipped: this installation has no `hall rating` yet",
        "signin (signin-01) skipped: this installation has no `hall signin` yet",
        "duty (duty-01) skipped: this installation has no `hall duty` yet",
        "terminal (window-04) skipped: this installation has no `hall terminal` yet",
        "terminal (window-06) skipped: this installation has no `hall terminal` yet",
    ]


def test_display_choice() -> None:
    assert plan_display(DisplayMode.AUTO, {"DISPLAY": ":0"}).display == ":0"
    assert not plan_display(DisplayMode.AUTO, {"DISPLAY": ":0"}).virtual
    virtual = plan_display(DisplayMode.AUTO, {})
    assert virtual.virtual and virtual.number >= 90
    assert plan_display(DisplayMode.XVFB, {"DISPLAY": ":0"}).virtual
    with pytest.raises(DisplayUnavailable, match="DISPLAY is not set"):
        plan_display(DisplayMode.SCREEN, {})


def test_config_check_checks_the_machine_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    from hall.cli import main

    config = tmp_path / "config"
    shutil.copytree(REPO / "tests" / "data" / "mini-hall", config)
    (config / "machine.toml").write_text('[[app]]\nkind = "kiosk"\nclient = "window-01"\n')
    assert main(["config", "check", "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert "machine.toml: app[0](kiosk).client: 'window-01' is a window client" in err
    (config / "machine.toml").write_text('[[app]]\nkind = "kiosk"\nclient = "kiosk-02"\n')
    assert main(["config", "check", "--config", str(config)]) == 0
    assert "this machine (machine.toml): apps kiosk kiosk-02; simulators none" in (
        capsys.readouterr().out
    )


def test_demo_plan_runs_the_signin_station_and_the_duty_console(
    sample_config: HallConfig, tmp_path: Path, sample_machine: MachineFile
) -> None:
    plan = plan_up(sample_config, sample_machine, _opts(tmp_path, {"signin", "duty"}, demo=True))
    by_name = {c.name: c for c in plan.children}
    signin = list(by_name["signin-signin-01"].argv)
    duty = list(by_name["duty-duty-01"].argv)
    for argv, client in ((signin, "signin-01"), (duty, "duty-01")):
        # They connect to the writer as their client, with the secrets of the runtime dir.
        assert argv[argv.index("--client") + 1] == client
        assert argv[argv.index("--var") + 1] == str(tmp_path / "var")
        assert argv[argv.index("--broker-port") + 1] == "18830"
        assert "--printer" not in argv and "--record-file" not in argv
    assert signin[signin.index("--reader") + 1] == "sim" and "--no-gui" in signin
    assert plan.display is not None
    assert by_name["duty-duty-01"].env["DISPLAY"] == plan.display.for_screen(4)
    plain = plan_up(sample_config, sample_machine, _opts(tmp_path, {"signin", "duty"}))
    assert not {"signin-signin-01", "duty-duty-01"} & {c.name for c in plain.children}


def test_demo_plan_shows_window_terminals_worked_by_simulated_staff(
    sample_config: HallConfig, tmp_path: Path, sample_machine: MachineFile
) -> None:
    """Issue 9: the demo shows two window terminals at work, each on its own virtual screen,
    each worked by simulated staff through its buttons; the headless window staff of the demo
    traffic keep off those two windows (one login per window)."""
    plan = plan_up(
        sample_config, sample_machine, _opts(tmp_path, {"terminal", "rating"}, demo=True)
    )
    by_name = {c.name: c for c in plan.children}
    names = list(by_name)
    assert plan.display is not None
    assert plan.staffed == {"window-04": ("W04", "S016"), "window-06": ("W06", "S019")}
    for client, window_id, screen in (("window-04", "W04", 5), ("window-06", "W06", 6)):
        term, staff = by_name[f"terminal-{client}"], by_name[f"staff-{client}"]
        assert names.index(f"staff-{client}") < names.index(f"terminal-{client}")
        argv = list(staff.argv)
        assert argv[argv.index("--window") + 1] == window_id
        # The terminal's test driver connects to the simulated person's port.
        assert term.env["HALL_UI_DRIVER"] == argv[argv.index("--listen") + 1]
        assert term.env["DISPLAY"] == plan.display.for_screen(screen)
        targv = list(term.argv)
        assert targv[targv.index("--client") + 1] == client
        assert targv[targv.index("--printer") + 1] == plan.printer_url  # notices printed
    traffic = list(by_name["demo-traffic"].argv)
    assert traffic[traffic.index("--skip-windows") + 1] == "W04,W06"
    shown = {p.name: what for p, what in plan.screens}
    assert shown["latest-5.png"] == "terminal window-04 at W04, simulated staff S016"
    assert shown["latest-6.png"] == "terminal window-06 at W06, simulated staff S019"
    assert shown["latest-3.png"] == "rating rating-04"  # the pad at the terminal's counter
    # The kiosk's applicants favour the departments and items of the two terminals' windows.
    with_kiosk = plan_up(
        sample_config, sample_machine, _opts(tmp_path, {"terminal", "kiosk"}, True)
    )
    argv = list(next(c.argv for c in with_kiosk.children if c.name == "applicants-kiosk-01"))
    groups = [argv[i + 1].split(",") for i, a in enumerate(argv) if a == "--prefer"]
    assert groups == [
        ["U02", *sorted(sample_config.items_by_window["W04"])],
        ["U02", *sorted(sample_config.items_by_window["W06"])],
    ]
    # Simulated applicants rate on the pad through its screen.
    raters, pad = by_name["raters-rating-04"], by_name["rating-rating-04"]
    assert names.index("raters-rating-04") < names.index("rating-rating-04")
    assert pad.env["HALL_UI_DRIVER"] == raters.argv[raters.argv.index("--listen") + 1]
    # Without --demo the terminals (when = "demo") and their simulated staff do not run.
    plain = plan_up(sample_config, sample_machine, _opts(tmp_path, {"terminal", "rating"}))
    assert not [c.name for c in plain.children if "window-0" in c.name]


def test_a_terminal_gets_no_simulated_staff_without_the_pin(
    sample_config: HallConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hall whose staff have real PINs: the terminal runs signed out, and hall up says why;
    the demo traffic still keeps off its window (its login is the terminal's)."""
    monkeypatch.setattr("runner.plan.SAMPLE_PIN", "0000")
    machine, _ = _machine(
        sample_config,
        tmp_path,
        '[[app]]\nkind = "terminal"\nclient = "window-04"\n\n[[simulator]]\nkind = "traffic"\n',
    )
    plan = plan_up(sample_config, machine, _opts(tmp_path, {"terminal"}, demo=True))
    names = [c.name for c in plan.children]
    assert "terminal-window-04" in names and "staff-window-04" not in names
    assert "HALL_UI_DRIVER" not in plan.children[names.index("terminal-window-04")].env
    assert plan.notes == [
        "terminal window-04: no simulated staff at W04: no window staff of W04 has the PIN "
        "given (--pin, --staff)"
    ]
    traffic = list(plan.children[names.index("demo-traffic")].argv)
    assert traffic[traffic.index("--skip-windows") + 1] == "W04"


def test_demo_plan_signs_a_simulated_officer_in_at_the_guide_console(
    sample_config: HallConfig, tmp_path: Path, sample_machine: MachineFile
) -> None:
    plan = plan_up(sample_config, sample_machine, _opts(tmp_path, {"guide"}, demo=True))
    assert plan.staffed == {"guide-01": ("", "S010")}  # the first guide officer
    by_name = {c.name: c for c in plan.children}
    staff = list(by_name["staff-guide-01"].argv)
    assert staff[staff.index("--console") + 1] == "guide" and "--window" not in staff
    assert by_name["guide-guide-01"].env["HALL_UI_DRIVER"] == staff[staff.index("--listen") + 1]
    assert ("latest-2.png", "guide guide-01, simulated officer S010") in [
        (p.name, what) for p, what in plan.screens
    ]
    traffic = list(by_name["demo-traffic"].argv)
    assert "--skip-windows" not in traffic  # no terminal on this machine


def test_demo_plan_signs_the_duty_officer_on_duty_in_at_the_duty_console(
    sample_config: HallConfig, tmp_path: Path, sample_machine: MachineFile
) -> None:
    plan = plan_up(sample_config, sample_machine, _opts(tmp_path, {"duty"}, demo=True))
    officer = duty_officer(sample_config, "1234")  # today's, by the rota
    assert plan.staffed == {"duty-01": ("", officer)}
    by_name = {c.name: c for c in plan.children}
    staff = list(by_name["staff-duty-01"].argv)
    assert staff[staff.index("--console") + 1] == "duty" and "--window" not in staff
    assert staff[staff.index("--staff") + 1] == officer
    assert by_name["duty-duty-01"].env["HALL_UI_DRIVER"] == staff[staff.index("--listen") + 1]
    assert ("latest-4.png", f"duty duty-01, simulated officer {officer}") in [
        (p.name, what) for p, what in plan.screens
    ]


def test_demo_applicants_present_ids_through_the_kiosks_own_scanner(
    sample_config: HallConfig, tmp_path: Path, sample_machine: MachineFile
) -> None:
    """The demo kiosk's scanner is a keyboard wedge: the applicants type the ID into it. A
    kiosk with a camera scanner reads the applicants' simulated network camera instead; one
    with a serial scanner reads, as its serial port, the pseudo-terminal of their simulated
    serial scanner (through the link the simulator puts in var/run)."""
    plan = plan_up(sample_config, sample_machine, _opts(tmp_path, {"kiosk"}, demo=True))
    by_name = {c.name: c for c in plan.children}
    argv = list(by_name["applicants-kiosk-01"].argv)
    assert argv[argv.index("--scanner") + 1] == "wedge"
    groups = [argv[i + 1] for i, a in enumerate(argv) if a == "--real-name"]
    real_name = sorted((i.code, i.unit) for i in sample_config.item_by_code.values() if i.real_name)
    assert real_name and groups == [f"{unit},{code}" for code, unit in real_name]
    assert "--scanner" not in by_name["kiosk-kiosk-01"].argv  # as kiosks.toml says
    kiosks, _ = _machine(
        sample_config,
        tmp_path,
        '[[app]]\nkind = "kiosk"\nclient = "kiosk-03"\n\n'
        '[[app]]\nkind = "kiosk"\nclient = "kiosk-02"\nscreen = 1\n\n'
        '[[simulator]]\nkind = "traffic"\n',
    )
    plan = plan_up(sample_config, kiosks, _opts(tmp_path, {"kiosk"}, demo=True))
    by_name = {c.name: c for c in plan.children}
    argv = list(by_name["applicants-kiosk-03"].argv)
    kind, _, port = argv[argv.index("--scanner") + 1].partition(":")
    assert kind == "camera" and port.isdigit()
    kiosk = list(by_name["kiosk-kiosk-03"].argv)
    assert kiosk[kiosk.index("--scanner") + 1] == f"camera:http://127.0.0.1:{port}/video.mjpg"
    argv = list(by_name["applicants-kiosk-02"].argv)
    link = tmp_path / "var" / "run" / "scanner-kiosk-02"
    assert argv[argv.index("--scanner") + 1] == f"serial:{link}"
    kiosk = list(by_name["kiosk-kiosk-02"].argv)
    assert kiosk[kiosk.index("--scanner") + 1] == f"serial:{link}:9600"  # kiosks.toml's baud
