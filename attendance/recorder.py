"""The recorder seam: where the station and the consoles send attendance commands.

On the hall network that is the queue service, the single durable writer
(:class:`attendance.mqtt_recorder.MqttRecorder`). A box without the hall network
(``--record-file PATH``) uses a :class:`FileRecorder` instead: the record in an append-only
JSON-lines file, one line per event, never rewritten. Every call takes an exclusive lock on the
file, folds in the lines other processes appended since, runs the command through the same
handlers the writer runs, appends the events, fsyncs, and lets go.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path
from typing import IO, Protocol

from attendance.handlers import Handlers
from attendance.rules import Context
from attendance.state import AttendanceState, Command, Event, apply


class Recorder(Protocol):
    def submit(self, command: Command) -> list[Event]:
        """Carry out ``command``; its events, or :class:`attendance.rules.Rejected`."""
        ...


class FileRecorder:
    """Attendance events in an append-only JSON-lines file (one process or several)."""

    def __init__(self, path: str | Path, ctx: Context) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.touch(exist_ok=True)
        self.handlers = Handlers(ctx)
        self.state = AttendanceState()
        self._offset = 0

    def _catch_up(self, stream: IO[bytes]) -> None:
        stream.seek(self._offset)
        for raw in stream:
            if not raw.endswith(b"\n"):
                break  # a line still being written by a process that died: ignore its tail
            self._offset += len(raw)
            event = _parse(raw)
            if event is not None:
                apply(self.state, event)

    def refresh(self) -> AttendanceState:
        """The state with everything appended so far (by any process)."""
        with self.path.open("rb") as stream:
            fcntl.flock(stream, fcntl.LOCK_SH)
            try:
                self._catch_up(stream)
            finally:
                fcntl.flock(stream, fcntl.LOCK_UN)
        return self.state

    def submit(self, command: Command) -> list[Event]:
        with self.path.open("r+b") as stream:
            fcntl.flock(stream, fcntl.LOCK_EX)
            try:
                self._catch_up(stream)
                events = self.handlers.handle(self.state, command)
                if events:
                    stream.seek(0, os.SEEK_END)
                    if stream.tell() != self._offset:  # a torn tail: start on a fresh line
                        stream.write(b"\n")
                        self._offset = stream.tell()
                    data = b"".join(
                        json.dumps(e.to_dict(), ensure_ascii=False).encode() + b"\n" for e in events
                    )
                    stream.write(data)
                    stream.flush()
                    os.fsync(stream.fileno())
                    self._offset += len(data)
                for event in events:
                    apply(self.state, event)
                return events
            finally:
                fcntl.flock(stream, fcntl.LOCK_UN)

    def events(self) -> list[Event]:
        """Every event in the file, in order."""
        out = []
        with self.path.open("rb") as stream:
            for raw in stream:
                event = _parse(raw) if raw.endswith(b"\n") else None
                if event is not None:
                    out.append(event)
        return out


def _parse(raw: bytes) -> Event | None:
    """One line as an event; None for a blank line or the torn tail of a crashed write."""
    if not raw.strip():
        return None
    try:
        return Event.from_dict(json.loads(raw))
    except (ValueError, KeyError, TypeError):
        return None
