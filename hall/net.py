"""Small loopback network helpers: a free port, is a port open, wait until it is, and a
Mosquitto child process that is up once its port is (stopped as every server child is)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port the OS reports free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def port_open(host: str, port: int, timeout: float = 0.2) -> bool:
    """True when something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_port(host: str, port: int, timeout: float = 10.0) -> bool:
    """Poll until ``host:port`` accepts a connection; False after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(host, port):
            return True
        time.sleep(0.05)
    return False


def stop_process(process: subprocess.Popen[Any], timeout: float = 5.0) -> None:
    """SIGTERM a child, SIGKILL it after ``timeout`` seconds, and reap it; nothing when it
    has exited already (a server's child: Mosquitto, Xvfb, an app under a test driver)."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout)


def mosquitto_exe() -> str:
    """The mosquitto program: on PATH, else Debian's place (which may not exist)."""
    return shutil.which("mosquitto") or "/usr/sbin/mosquitto"


class BrokerError(RuntimeError):
    """Mosquitto could not be started (not installed, port taken, bad config)."""


class MosquittoProcess:
    """A Mosquitto child process: its output goes to ``directory/mosquitto.log``; it is up
    once ``host:port`` accepts connections. Subclasses write the config and call ``launch``:
    the hall's own broker (``runner.mosquitto``) and the central one (``central.broker``).
    """

    name = "mosquitto"
    """How errors name this broker."""

    def __init__(self, directory: Path, port: int, host: str = "127.0.0.1"):
        self.directory, self.port, self.host = Path(directory), port, host
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def log_path(self) -> Path:
        return self.directory / "mosquitto.log"

    def launch(self, conf: Path, timeout: float = 10.0) -> None:
        """Run mosquitto with ``conf`` and wait until it listens; BrokerError when it exits
        first or does not listen within ``timeout`` seconds (then it is stopped)."""
        with self.log_path.open("ab") as out:
            self.process = subprocess.Popen(
                [mosquitto_exe(), "-c", str(conf)], stdout=out, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BrokerError(f"{self.name} exited at start:\n{self.log_tail()}")
            if port_open(self.host, self.port):
                return
            time.sleep(0.05)
        self.stop()
        raise BrokerError(f"{self.name} did not listen on {self.host}:{self.port} in {timeout}s")

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM, then SIGKILL after ``timeout`` seconds; nothing when it is not running."""
        if self.process is not None:
            stop_process(self.process, timeout)

    def log_tail(self, lines: int = 20) -> str:
        """The last ``lines`` lines of its log ("" before the first start)."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""
