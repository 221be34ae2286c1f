"""The fault-injection suite (issue 6): every test here is marked ``faults``.

``pytest -m faults`` runs the short version (part of ``make test``); ``make faults``
sets ``HALL_FAULTS=long`` for more tickets, longer hangs and repeated kills. The
figures of each scenario are printed at the end of the run (and appended as JSON
lines to ``$HALL_FAULTS_SUMMARY`` when set).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.faults.harness import SUMMARY


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/faults/" in item.nodeid:
            item.add_marker(pytest.mark.faults)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not SUMMARY:
        return
    terminalreporter.section("fault injection: acknowledged tickets vs the event log")
    for row in SUMMARY:
        terminalreporter.write_line(json.dumps(row, ensure_ascii=False))
