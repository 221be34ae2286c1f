"""docs/schema stays what the code validates against; docs/protocol.md names every type."""

from __future__ import annotations

import json
from pathlib import Path

from broker.state import EVENT_TYPES
from hall.protocol import COMMAND_ARGS, json_schemas

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_committed_schemas_match_the_code() -> None:
    for name, schema in json_schemas().items():
        path = DOCS / "schema" / f"{name}.json"
        assert path.exists(), f"{path} missing: run `hall protocol schema`"
        assert json.loads(path.read_text(encoding="utf-8")) == schema, f"{path} is stale"


def test_protocol_doc_covers_every_command_and_event() -> None:
    text = (DOCS / "protocol.md").read_text(encoding="utf-8")
    for ctype in COMMAND_ARGS:
        assert f"`{ctype}`" in text, ctype
    for etype in EVENT_TYPES:
        assert f"`{etype}`" in text, etype
