"""A central Mosquitto as a child process (tests, the bench, a one-machine centre)."""

from __future__ import annotations

import getpass
from pathlib import Path

from central.bridge import central_files
from hall.net import MosquittoProcess


class CentralBroker(MosquittoProcess):
    name = "central mosquitto"

    def __init__(
        self,
        directory: Path,
        port: int,
        passwords: dict[str, str],
        codes: list[str],
        host: str = "127.0.0.1",
        tls: tuple[str, str, str] | None = None,
    ):
        super().__init__(directory, port, host)
        self.passwords, self.codes = passwords, codes
        self.tls = tls
        """(cafile, certfile, keyfile) of a TLS listener; plain TCP when None."""

    def start(self, timeout: float = 10.0) -> CentralBroker:
        conf = central_files(
            self.directory,
            self.port,
            self.passwords,
            self.codes,
            host=self.host,
            user=getpass.getuser(),
            tls=self.tls,
        )
        self.launch(conf, timeout)
        return self
