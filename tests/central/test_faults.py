"""The collector killed mid-write and PostgreSQL restarted while a hall keeps issuing: the
centre still ends with every event once. Runs on a throwaway cluster (initdb + pg_ctl from
Debian's postgresql package) so the test may restart it; this also exercises the fallback
that ``make test`` uses on a machine without a server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from central.pgserver import NoServer, Throwaway, scratch_database
from tests.central.harness import Centre
from tests.central.test_many_halls import assert_centre_matches

pytestmark = [pytest.mark.broker, pytest.mark.slow]


@pytest.fixture
def throwaway_pg() -> Iterator[Throwaway]:
    try:
        pg = Throwaway.start()
    except NoServer as exc:
        pytest.fail(f"no throwaway PostgreSQL could be started: {exc}")
    try:
        yield pg
    finally:
        pg.stop()


def test_collector_killed_and_postgres_restarted(tmp_path: Path, throwaway_pg: Throwaway) -> None:
    with scratch_database(throwaway_pg.url) as url:
        centre = Centre(tmp_path, url)
        try:
            centre.start_broker(["HK"])
            centre.start_collector()
            hall = centre.add_hall("HK").running
            kiosk = hall.client("kiosk-01")
            issued = threading.Event()
            done = threading.Event()
            errors: list[BaseException] = []

            def keep_issuing() -> None:
                try:
                    for i in range(120):
                        kiosk.command("ticket.issue", {"item": "XK-GA-001", "lang": "en"})
                        if i == 20:
                            issued.set()
                except BaseException as exc:  # reported below
                    errors.append(exc)
                finally:
                    issued.set()
                    done.set()

            worker = threading.Thread(target=keep_issuing, daemon=True)
            worker.start()
            assert issued.wait(30)
            centre.kill_collector()  # mid-stream: whatever batch it held is not acknowledged
            centre.start_collector()
            throwaway_pg.restart()  # the collector's connection is cut; it reconnects
            assert done.wait(60), "the hall stopped issuing"
            worker.join(5)
            assert not errors, errors
            centre.wait_in_sync(timeout=60)
            assert_centre_matches(centre)
        finally:
            centre.stop()
