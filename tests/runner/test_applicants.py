"""`hall demo-applicants` at the real kiosk: with `--prefer`, an applicant looking for what a
window serves finds it, turning the pages when it is not on the first (the demo sends
applicants to the window terminals it shows); for a real-name item, an ID presented through
the kiosk's own scanner, whichever kind kiosks.toml gives it (wedge, camera, serial)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hall.conf import HallConfig
from hall.conf.machine import App, AppKind
from hall.runtime import RuntimeDir
from runner.plan import demo_scanner
from tests.runner.conftest import HALL_CLI, Rig, hall_app
from tests.support import RunningHall

pytestmark = [pytest.mark.slow, pytest.mark.broker]


def _kiosk(hall: RunningHall, kiosk: str, *extra: str) -> list[str]:
    """The kiosk app, printing to the printer simulator's folder."""
    tickets = f"sim:{hall.directory / 'tickets'}"
    return hall_app(hall, "kiosk", kiosk, "--printer", tickets, "--windowed", *extra)


@pytest.mark.timeout(240)
def test_applicants_find_a_preferred_windows_item_on_a_later_page(
    sample_config: HallConfig, sample_hall: RunningHall, rig: Rig, tmp_path: Path
) -> None:
    # Window 6's items come after the first page of its department (U02) on the kiosk.
    w06 = sorted(sample_config.items_by_window["W06"])
    log = tmp_path / "applicants.log"
    port = rig.listening(
        [*HALL_CLI, "demo-applicants", "--pace", "0.1",
         "--prefer", ",".join(["U02", *w06]), "--prefer-share", "1"],
        log,
    )  # fmt: skip
    rig.app(_kiosk(sample_hall, "kiosk-01"), tmp_path / "kiosk.log", port)
    assert sample_hall.service is not None
    tickets = sample_hall.service.engine.state.tickets
    rig.wait_for(lambda: len(tickets) >= 2, log, 150)
    items = {t.item for t in tickets.values()}
    assert items <= set(w06), items
    assert "W06" in {w for i in items for w in sample_config.item_by_code[i].windows}


@pytest.mark.timeout(300)
@pytest.mark.parametrize(
    ("kiosk", "kind"),
    [("kiosk-01", "wedge"), ("kiosk-03", "camera"), ("kiosk-02", "serial")],
    ids=["wedge", "camera", "serial"],
)
def test_applicants_scan_an_id_for_a_real_name_item_up_to_the_daily_limit(
    sample_config: HallConfig,
    sample_hall: RunningHall,
    rig: Rig,
    tmp_path: Path,
    kiosk: str,
    kind: str,
) -> None:
    """實名取號 at the real kiosk: asked for the ID, each applicant first presents a misread
    number (wrong check character: the kiosk refuses it on screen), then the right one through
    the kiosk's scanner as kiosks.toml has it, wired as `hall up --demo` wires it: typed as a
    keyboard wedge types (kiosk-01); a QR held up to the simulated network camera the kiosk
    reads (kiosk-03); or scanned with the simulated serial scanner, whose pseudo-terminal the
    kiosk reads as its serial port (kiosk-02). All come with the same number, so the service
    issues three tickets to it and refuses the fourth."""
    scanner, kiosk_scanner = demo_scanner(
        sample_config, App(kind=AppKind.KIOSK, client=kiosk), RuntimeDir(tmp_path)
    )
    assert scanner.partition(":")[0] == kind
    item = sample_config.item_by_code["XK-GA-002"]
    assert item.real_name
    limit = sample_config.hall_file.queue.real_name_daily_limit
    log = tmp_path / "applicants.log"
    port = rig.listening(
        [*HALL_CLI, "demo-applicants", "--pace", "0.1",
         "--seed", "5", "--prefer-share", "0", "--scanner", scanner,
         "--real-name", f"{item.unit},{item.code}", "--real-name-share", "1",
         "--bad-id-share", "1", "--repeat-id-share", "1"],
        log,
    )  # fmt: skip
    app = rig.app(_kiosk(sample_hall, kiosk, *kiosk_scanner), tmp_path / "kiosk.log", port)
    rig.wait_line(log, "daily limit per person reached", 240)
    if kind == "serial":
        # The kiosk holds the simulator's pty open: the IDs came over the serial line.
        pty = os.readlink(scanner.removeprefix("serial:"))
        held = {os.readlink(fd) for fd in Path(f"/proc/{app.pid}/fd").iterdir()}
        assert pty in held, (pty, held)
    assert sample_hall.service is not None
    tickets = list(sample_hall.service.engine.state.tickets.values())
    rig.stop()
    text = log.read_text()
    assert len(tickets) == limit, text
    assert {t.item for t in tickets} == {item.code}
    masked = {t.id_masked for t in tickets}
    assert len(masked) == 1 and None not in masked, masked  # one person, three tickets
    assert {t.id_hash for t in tickets} != {None}
    # Each applicant's misread card was refused on the kiosk's screen first.
    assert text.count("refused by the kiosk") >= limit + 1, text
    assert "ID numbers refused by the kiosk" in text  # the tally on stopping
    if kind == "serial":  # every ID, misread or not, was sent over the line
        assert text.count("scanned over the serial line") >= 2 * (limit + 1), text
