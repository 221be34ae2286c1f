"""The event log's disk and file under faults: a full disk (a real, small tmpfs), a lost
(zero-byte or deleted) log, and a damaged one (bad header, corrupted page, truncated)."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from broker.store import Store
from hall.mqtt import HallClient
from tests.faults.harness import LONG, Applicants, ServiceProcess, check, log_tickets, record
from tests.support import RunningHall

pytestmark = [pytest.mark.faults, pytest.mark.broker, pytest.mark.slow]

ITEM = "XK-GA-001"
KIOSKS = ("kiosk-01", "kiosk-02")


def _connector(hall: RunningHall):
    def connect(kiosk: str) -> HallClient:
        return HallClient(hall.endpoint(kiosk), hall.topics, request_timeout_s=2.0).connect(10)

    return connect


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 4 MB filesystem (tmpfs) that the test can fill up. Needs root (mount)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m,mode=0755", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({done.stderr.strip()}): needs root")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(directory: Path) -> Path:
    """Write zeros into ``directory`` until the filesystem is full; the filler file."""
    filler = directory / "filler"
    chunk = b"\0" * 65536
    with filler.open("wb", buffering=0) as f:
        while True:
            try:
                f.write(chunk)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc
                break
        for size in (4096, 512, 1):  # the last bytes too
            while True:
                try:
                    f.write(b"\0" * size)
                except OSError:
                    break
    return filler


def test_full_disk(bare_hall: RunningHall, small_disk: Path) -> None:
    """Issue 6 item 7: refused at once with storage_unavailable while the disk is full (no
    timeouts, no crash loop), and back by itself when space returns."""
    db = small_disk / "hall.db"
    Store.create(db, bare_hall.config.code).close()
    service = ServiceProcess(bare_hall, db).start()
    pid = service.proc.pid  # type: ignore[union-attr]
    apps = Applicants(
        _connector(bare_hall),
        KIOSKS,
        ITEM,
        per_kiosk=100_000,
        timeout=2.0,
        attempts=3,
        pause_s=0.02,
    )
    full_s = 20.0 if LONG else 4.0
    try:
        apps.start()
        apps.wait_answers(20)
        filled_at = time.monotonic()
        filler = fill(small_disk)
        first_refusal = _wait_outcome(apps, lambda o: o.refused == "storage_unavailable", 60)
        refused_after_s = first_refusal.ended - filled_at
        time.sleep(full_s)  # the disk stays full this long: refusals go on, nothing else
        filler.unlink()
        freed_at = time.monotonic()
        _wait_outcome(apps, lambda o: o.ticket is not None and o.started > freed_at, 30)
        back_after_s = time.monotonic() - freed_at
        apps.wait_answers(10)
        apps.stop_event.set()
        apps.join()
        assert service.alive() and service.proc.pid == pid, service.log_tail()  # type: ignore[union-attr]
        apps.settle(_connector(bare_hall))
    finally:
        service.stop()
    refused = [o for o in apps.outcomes if o.refused == "storage_unavailable"]
    row = check(
        "full-disk",
        apps,
        db,
        {
            "filesystem": "tmpfs 4 MB",
            "first_refusal_after_s": round(refused_after_s, 2),
            "longest_refusal_wait_s": round(max(o.wait_s for o in refused), 3),
            "back_after_s": round(back_after_s, 2),
            "service_restarts": 0,
        },
    )
    assert row["longest_refusal_wait_s"] < 2.0, "a refusal must come at once, not after a timeout"
    assert "storage unavailable" in service.log.read_text(errors="replace")


def _wait_outcome(apps: Applicants, pred, timeout: float):
    deadline = time.monotonic() + timeout
    while True:
        hit = next((o for o in list(apps.outcomes) if pred(o)), None)
        if hit is not None:
            return hit
        assert not apps.errors, apps.errors
        assert time.monotonic() < deadline, f"no such outcome in {timeout}s"
        time.sleep(0.05)


def _hall_with_tickets(hall: RunningHall, n: int = 10) -> tuple[ServiceProcess, Applicants]:
    Store.open_or_create(hall.directory / "hall.db", hall.config.code).close()
    service = ServiceProcess(hall).start()
    apps = Applicants(_connector(hall), KIOSKS[:1], ITEM, n)
    apps.start().join()
    assert len(apps.tickets()) == n
    service.signal(signal.SIGTERM)
    assert service.proc is not None
    service.proc.wait(10)
    return service, apps


def _checkpoint(db: Path) -> None:
    """Fold the WAL into the database file, as a clean shutdown or a backup would."""
    con = sqlite3.connect(db)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()


def _refusal(service: ServiceProcess, fault: str, apps: Applicants) -> tuple[int, str]:
    code, out = service.run_to_exit(30)
    record(
        {
            "fault": fault,
            "mode": "long" if LONG else "short",
            "acked_before": len(apps.tickets()),
            "service_exit": code,
            "message": out.strip().splitlines()[-1] if out.strip() else "",
        }
    )
    return code, out


@pytest.mark.parametrize("how", ["zero-bytes", "deleted"])
def test_lost_database_is_refused(bare_hall: RunningHall, how: str) -> None:
    """Issue 6 item 2: a lost log must not start a new hall that hands out A001 again."""
    service, apps = _hall_with_tickets(bare_hall)
    db = service.db
    if how == "zero-bytes":
        _checkpoint(db)
        os.truncate(db, 0)
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    code, out = _refusal(service, f"lost-database-{how}", apps)
    assert code != 0, out
    assert "Traceback" not in out, out
    assert "backup" in out.lower() or "restore" in out.lower(), out
    assert not db.exists() or db.stat().st_size == 0  # nothing was written: no new hall


DAMAGE = ["bad-header", "corrupted-page", "truncated"]


@pytest.mark.parametrize("how", DAMAGE)
def test_damaged_database_is_refused_with_advice(bare_hall: RunningHall, how: str) -> None:
    """Issue 6 item 2: a damaged log is refused with a message an operator can act on."""
    service, apps = _hall_with_tickets(bare_hall, 60)
    db = service.db
    _checkpoint(db)
    backup = db.with_name("hall.db.before")
    shutil.copy(db, backup)
    size = db.stat().st_size
    con = sqlite3.connect(db)
    page = con.execute("PRAGMA page_size").fetchone()[0]
    root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = 'events'").fetchone()[0]
    con.close()
    assert size >= 4 * page, "the log is too small to damage"
    with db.open("r+b") as f:
        if how == "bad-header":
            f.write(b"this is not SQLite")
        elif how == "corrupted-page":  # the events table's root page: a garbled b-tree header
            f.seek((root - 1) * page)
            f.write(b"\xff" * 12)
        else:
            f.truncate(size // 2)
    code, out = _refusal(service, f"damaged-database-{how}", apps)
    assert code != 0, out
    assert "Traceback" not in out, out
    assert "damaged" in out and "backup" in out, out
    # The refusal changed nothing: the damaged file is as the fault left it.
    with db.open("rb") as f:
        assert f.read(16) != backup.read_bytes()[:16] or how != "bad-header"
    assert log_tickets(backup) and len(log_tickets(backup)) == 60


def test_the_ledger_catches_phantom_and_doubled_tickets(bare_hall: RunningHall) -> None:
    """The ledger check itself: it catches a lost, a phantom and a doubled ticket."""
    Store.open_or_create(bare_hall.directory / "hall.db", bare_hall.config.code).close()
    service = ServiceProcess(bare_hall).start()
    apps = Applicants(_connector(bare_hall), KIOSKS[:1], ITEM, 3)
    try:
        apps.start().join()
    finally:
        service.stop()
    held = apps.outcomes[0].ticket
    assert held is not None
    apps.outcomes[0].ticket = None  # the applicant's ticket "vanishes": the log has one more
    with pytest.raises(AssertionError, match="no applicant holds"):
        check("self-test", apps, service.db, keep=False)
    apps.outcomes[0].ticket = apps.outcomes[1].ticket  # two applicants, one number
    with pytest.raises(AssertionError, match="same number"):
        check("self-test", apps, service.db, keep=False)
