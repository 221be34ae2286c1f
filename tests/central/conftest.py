"""A real PostgreSQL for the central tests: a scratch database per test, dropped after.

The server is ``HALL_CENTRAL_PG``, else the machine's on 127.0.0.1:5432, else a throwaway
cluster from Debian's ``postgresql`` package. None at all is a failure, never a skip.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from central.pgserver import NoServer, scratch_database, server


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[str]:
    try:
        with server() as url:
            yield url
    except NoServer as exc:
        pytest.fail(f"the central tests need PostgreSQL and none could be had: {exc}")


@pytest.fixture
def central_db(pg_admin: str) -> Iterator[str]:
    with scratch_database(pg_admin) as url:
        yield url
