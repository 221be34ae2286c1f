"""A hand scanner on a serial line, simulated on a pseudo-terminal.

:class:`SerialScannerSim` opens a pty and keeps both ends; the reader (a kiosk's
:class:`~devices.scanner.serial_scanner.SerialScanner`) opens the slave side like any serial
port. ``scan(code)`` sends the code as a hand scanner set to its usual suffix does: the bytes
of the code, then CR LF. ``link`` puts a symlink to the slave at a path known before the pty
exists (``var/run/scanner-kiosk-02``), so that a reader can be told where to look before the
simulator starts; a restarted simulator replaces it.
"""

from __future__ import annotations

import contextlib
import os
import tty
from pathlib import Path


class SerialScannerSim:
    """A serial hand scanner on a pty: ``start()``, then ``scan(code)``; ``stop()`` unplugs it."""

    def __init__(self, link: Path | None = None, suffix: bytes = b"\r\n", encoding: str = "utf-8"):
        self.link = link
        self.suffix = suffix
        self.encoding = encoding
        self.port = ""
        """The slave side's path (``/dev/pts/N``) once started."""
        self.sent = 0
        """Codes sent whole."""
        self._master = self._slave = -1

    def start(self) -> SerialScannerSim:
        """Open the pseudo-terminal (and point ``link`` at it)."""
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)  # no echo, no line editing: the bytes as sent
        os.set_blocking(self._master, False)  # a full line nobody reads never blocks scan()
        self.port = os.ttyname(self._slave)
        if self.link is not None:
            self.link.parent.mkdir(parents=True, exist_ok=True)
            fresh = self.link.with_name(f".{self.link.name}.{os.getpid()}")
            fresh.unlink(missing_ok=True)
            fresh.symlink_to(self.port)
            os.replace(fresh, self.link)  # a reader never finds the link missing
        return self

    def scan(self, code: str) -> bool:
        """Send ``code`` and the suffix over the line; False when the line is full (nobody has
        read it) or the simulator is stopped: what did not fit is lost, as on a real wire."""
        if self._master < 0:
            return False
        frame = code.encode(self.encoding) + self.suffix
        try:
            written = os.write(self._master, frame)
        except (BlockingIOError, OSError):
            return False
        if written < len(frame):
            return False
        self.sent += 1
        return True

    def stop(self) -> None:
        """Close the pty (to the reader: the scanner's cable pulled) and remove ``link`` if it
        still points here."""
        if self.link is not None and self.port:
            with contextlib.suppress(OSError):
                if os.readlink(self.link) == self.port:
                    self.link.unlink()
        for fd in (self._master, self._slave):
            if fd >= 0:
                os.close(fd)
        self._master = self._slave = -1

    def __enter__(self) -> SerialScannerSim:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
