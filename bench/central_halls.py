"""Halls bridged to a centre, for the many-hall tests and ``hall bench --central``.

A hall's Mosquitto here is the runner's (same config, passwords, ACL) with the bridge section
of ``hall central bridge`` appended to its mosquitto.conf: what a deployment does with an
``include_dir`` line.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

from central.bridge import Tls, bridge_conf
from hall import secrets
from hall.conf import HallConfig, load_config
from hall.net import free_port
from runner.mosquitto import Mosquitto

RESPONDER_ID = "central-link"


class BridgedMosquitto(Mosquitto):
    """The hall's broker with a bridge to the central broker."""

    def __init__(self, *args: object, bridge: str = "", **kw: object):
        super().__init__(*args, **kw)  # type: ignore[arg-type]
        self.bridge = bridge

    def write_files(self) -> Path:
        path = super().write_files()
        if self.bridge:
            with path.open("a", encoding="utf-8") as f:
                f.write("\n" + self.bridge)
        return path


def hall_config_copy(source: Path, target: Path, code: str) -> HallConfig:
    """A copy of the hall config ``source`` with hall code ``code`` and a ``central`` client."""
    shutil.copytree(source, target)
    hall_toml = target / "hall.toml"
    text = hall_toml.read_text(encoding="utf-8")
    hall_toml.write_text(re.sub(r'(?m)^code = "[A-Z]{2}"', f'code = "{code}"', text, count=1))
    with (target / "clients.toml").open("a", encoding="utf-8") as f:
        f.write(f'\n[[client]]\nid = "{RESPONDER_ID}"\nrole = "central"\n')
    return load_config(target)


def with_code(config: HallConfig, code: str) -> HallConfig:
    """The same hall under another code (no files: for simulated halls)."""
    hall = config.hall_file.hall.model_copy(update={"code": code})
    return dataclasses.replace(config, hall_file=config.hall_file.model_copy(update={"hall": hall}))


def bridged_broker(
    config: HallConfig,
    directory: Path,
    central_port: int,
    bridge_password: str,
    queue: int | None = None,
    tls: Tls | None = None,
) -> tuple[BridgedMosquitto, dict[str, str]]:
    """A hall's broker (not started) bridged to the central broker on loopback."""
    passwords = secrets.ensure(directory / "secrets.toml", [c.id for c in config.clients])
    text = bridge_conf(
        config, "127.0.0.1", central_port, bridge_password, tls=tls, queue=queue, restart_s=(1, 2)
    )
    broker = BridgedMosquitto(
        config, passwords, directory / "mosquitto", port=free_port(), bridge=text
    )
    return broker, passwords
