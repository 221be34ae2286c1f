"""A central Mosquitto as a child process (tests, the bench, a one-machine centre)."""

from __future__ import annotations

import getpass
import shutil
import subprocess
import time
from pathlib import Path

from central.bridge import central_files
from hall.net import port_open


class CentralBroker:
    def __init__(
        self,
        directory: Path,
        port: int,
        passwords: dict[str, str],
        codes: list[str],
        host: str = "127.0.0.1",
        tls: tuple[str, str, str] | None = None,
    ):
        self.directory, self.port, self.host = Path(directory), port, host
        self.passwords, self.codes = passwords, codes
        self.tls = tls
        """(cafile, certfile, keyfile) of a TLS listener; plain TCP when None."""
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 10.0) -> CentralBroker:
        exe = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        conf = central_files(
            self.directory,
            self.port,
            self.passwords,
            self.codes,
            host=self.host,
            user=getpass.getuser(),
            tls=self.tls,
        )
        with (self.directory / "mosquitto.log").open("ab") as out:
            self.process = subprocess.Popen(
                [exe, "-c", str(conf)], stdout=out, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"central mosquitto exited: {self.log_tail()}")
            if port_open(self.host, self.port):
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"central mosquitto did not listen on {self.port}")

    def stop(self, timeout: float = 5.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout)

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = (self.directory / "mosquitto.log").read_text(errors="replace")
        except FileNotFoundError:
            return ""
        return "\n".join(text.splitlines()[-lines:])
