"""docs/schema stays what the code validates against; docs/protocol.md names every type."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hall.codes import mask_id
from hall.contract import COMMAND_ARGS, EVENT_MODELS, SNAPSHOT_MODELS, json_schemas, parse_args
from hall.contract.base import CommandRejected

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_committed_schemas_match_the_code() -> None:
    schemas = json_schemas()
    for name, schema in schemas.items():
        path = DOCS / "schema" / f"{name}.json"
        assert path.exists(), f"{path} missing: run `hall protocol schema`"
        assert json.loads(path.read_text(encoding="utf-8")) == schema, f"{path} is stale"
    extra = {p.stem for p in (DOCS / "schema").glob("*.json")} - set(schemas)
    assert not extra, f"schemas of nothing: {extra}; run `hall protocol schema`"


def test_protocol_doc_covers_every_command_and_event() -> None:
    text = (DOCS / "protocol.md").read_text(encoding="utf-8")
    for ctype in COMMAND_ARGS:
        assert f"`{ctype}`" in text, ctype
    for etype in EVENT_MODELS:
        assert f"`{etype}`" in text, etype
    for name in SNAPSHOT_MODELS:
        assert f"`state/{name.replace('/+', '/<W>')}`" in text, name


def test_the_service_accepts_exactly_what_mask_id_produces() -> None:
    for number in ("11010519491231002X", "130127196211191209", "110105491231002"):
        masked = mask_id(number)
        assert parse_args("ticket.issue", {"item": "X", "id_masked": masked}).id_masked == masked
    for leak in ("11010519491231002X", "1101**********002X1", "1101051949****002X"):
        with pytest.raises(CommandRejected):
            parse_args("ticket.issue", {"item": "X", "id_masked": leak})
