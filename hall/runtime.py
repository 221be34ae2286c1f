"""Where a running hall keeps its files, and how an app finds the broker.

The runtime directory (``var/`` by default, ``HALL_VAR`` to move it) holds the
secrets, the broker's generated config, the SQLite log, logs, printed tickets
and screenshots. ``hall up`` records the broker address it actually used in
``run/broker.json`` so apps started by hand find it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from hall import secrets
from hall.conf import HallConfig
from hall.mqtt import Endpoint


@dataclass(frozen=True)
class RuntimeDir:
    root: Path

    @classmethod
    def default(cls, value: str | Path | None = None) -> RuntimeDir:
        return cls(Path(value or os.environ.get("HALL_VAR", "var")).resolve())

    @property
    def secrets(self) -> Path:
        return self.root / "secrets.toml"

    @property
    def broker_dir(self) -> Path:
        return self.root / "mosquitto"

    @property
    def database(self) -> Path:
        return self.root / "hall.db"

    @property
    def logs(self) -> Path:
        return self.root / "log"

    @property
    def tickets(self) -> Path:
        return self.root / "tickets"

    @property
    def screenshots(self) -> Path:
        return self.root / "screenshots"

    @property
    def run(self) -> Path:
        return self.root / "run"

    def ready_file(self, name: str) -> Path:
        return self.run / f"{name}.ready"

    def write_broker_address(self, host: str, port: int) -> None:
        self.run.mkdir(parents=True, exist_ok=True)
        (self.run / "broker.json").write_text(json.dumps({"host": host, "port": port}))

    def broker_address(self, config: HallConfig) -> tuple[str, int]:
        """The address ``hall up`` used, else the configured one."""
        try:
            data = json.loads((self.run / "broker.json").read_text())
            return str(data["host"]), int(data["port"])
        except (FileNotFoundError, ValueError, KeyError):
            return config.hall_file.mqtt.host, config.hall_file.mqtt.port

    def endpoint(
        self, config: HallConfig, client_id: str, host: str | None = None, port: int | None = None
    ) -> Endpoint:
        """Connection details of ``client_id``, with its password from the secrets file."""
        known_host, known_port = self.broker_address(config)
        return Endpoint(
            host=host or known_host,
            port=port or known_port,
            client_id=client_id,
            password=secrets.password_for(self.secrets, client_id),
            keepalive=config.hall_file.mqtt.keepalive,
        )
