"""``hall protocol schema`` and ``hall protocol acl``: the MQTT contract as files."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    proto = sub.add_parser("protocol", help="the MQTT contract (JSON Schemas, broker ACL)")
    proto_sub = proto.add_subparsers(dest="protocol_command", metavar="ACTION", required=True)
    schema = proto_sub.add_parser("schema", help="write the JSON Schemas of every payload")
    schema.add_argument("--out", default="docs/schema")
    schema.set_defaults(func=_schema)
    acl = proto_sub.add_parser("acl", help="print the broker ACL generated from the config")
    acl.add_argument("--config", default="config")
    acl.set_defaults(func=_acl)


def write_schemas(out: Path) -> list[Path]:
    from hall.protocol import json_schemas

    out.mkdir(parents=True, exist_ok=True)
    schemas = json_schemas()
    for stale in out.glob("*.json"):
        if stale.stem not in schemas:
            stale.unlink()
    written = []
    for name, schema in sorted(schemas.items()):
        path = out / f"{name}.json"
        path.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    return written


def _schema(args: argparse.Namespace) -> int:
    for path in write_schemas(Path(args.out)):
        print(path)
    return 0


def _acl(args: argparse.Namespace) -> int:
    from hall.acl import acl_file
    from hall.conf import load_config

    print(acl_file(load_config(args.config)))
    return 0
