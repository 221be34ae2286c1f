"""Build and parse R30x / AS608 packets.

A packet is ``EF 01 | address (4) | PID | length (2) | payload | checksum (2)``, big-endian,
where length counts the payload plus the two checksum bytes and the checksum is the sum of
PID, both length bytes and the payload bytes, modulo 65536.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from devices.fingerprint.codes import PacketType

HEADER = b"\xef\x01"
DEFAULT_ADDRESS = 0xFFFFFFFF
PREFIX_SIZE = 9  # header 2 + address 4 + PID 1 + length 2
MAX_DATA = 256  # the largest data packet size a module can be set to
MAX_LENGTH = MAX_DATA + 2
_PIDS = frozenset(int(p) for p in PacketType)


class PacketError(ValueError):
    """Bytes that are not one well-formed packet."""


class ChecksumError(PacketError):
    """A complete frame whose checksum does not add up."""


def checksum(pid: int, payload: bytes) -> int:
    """The 16-bit checksum of a packet with this PID and payload."""
    length = len(payload) + 2
    return (pid + (length >> 8) + (length & 0xFF) + sum(payload)) & 0xFFFF


@dataclass(frozen=True)
class Packet:
    """One decoded packet."""

    pid: int
    payload: bytes
    address: int = DEFAULT_ADDRESS

    def encode(self) -> bytes:
        """The packet as it travels on the wire."""
        if not 0 <= self.address <= 0xFFFFFFFF:
            raise ValueError(f"address out of range: {self.address:#x}")
        if len(self.payload) > MAX_DATA:
            raise ValueError(f"payload too long: {len(self.payload)} bytes")
        length = len(self.payload) + 2
        return (
            HEADER
            + self.address.to_bytes(4, "big")
            + bytes([self.pid])
            + length.to_bytes(2, "big")
            + self.payload
            + checksum(self.pid, self.payload).to_bytes(2, "big")
        )


def build_command(instruction: int, params: bytes = b"", address: int = DEFAULT_ADDRESS) -> bytes:
    """A command packet: instruction code followed by its parameters."""
    return Packet(PacketType.COMMAND, bytes([instruction]) + params, address).encode()


def build_ack(code: int, data: bytes = b"", address: int = DEFAULT_ADDRESS) -> bytes:
    """An acknowledge packet: confirmation code followed by its data."""
    return Packet(PacketType.ACK, bytes([code]) + data, address).encode()


class _Frame(Enum):
    OK = "ok"
    INCOMPLETE = "incomplete"
    INVALID = "invalid"
    BAD_CHECKSUM = "bad checksum"


def _frame_at(buf: bytes | bytearray, start: int) -> tuple[_Frame, Packet | None, int]:
    """Try to decode the frame whose header is at ``start``; returns (status, packet, size)."""
    if len(buf) - start < PREFIX_SIZE:
        return _Frame.INCOMPLETE, None, 0
    pid = buf[start + 6]
    length = int.from_bytes(buf[start + 7 : start + 9], "big")
    if pid not in _PIDS or not 2 <= length <= MAX_LENGTH:
        return _Frame.INVALID, None, 0
    size = PREFIX_SIZE + length
    if len(buf) - start < size:
        return _Frame.INCOMPLETE, None, size
    payload = bytes(buf[start + PREFIX_SIZE : start + size - 2])
    if int.from_bytes(buf[start + size - 2 : start + size], "big") != checksum(pid, payload):
        return _Frame.BAD_CHECKSUM, None, size
    address = int.from_bytes(buf[start + 2 : start + 6], "big")
    return _Frame.OK, Packet(pid, payload, address), size


def parse_packet(data: bytes) -> Packet:
    """Decode exactly one packet; raise :class:`PacketError` otherwise."""
    if not data.startswith(HEADER):
        raise PacketError("missing EF01 header")
    status, packet, size = _frame_at(data, 0)
    if status is _Frame.BAD_CHECKSUM:
        raise ChecksumError("checksum mismatch")
    if status is not _Frame.OK or packet is None:
        raise PacketError(f"not a packet ({status.value})")
    if size != len(data):
        raise PacketError(f"{len(data) - size} trailing bytes")
    return packet


class PacketParser:
    """Streaming decoder: feed it bytes as they arrive, get whole packets back.

    Bytes before an ``EF 01`` header are noise and dropped; a header with an impossible
    PID or length, or a frame with a bad checksum, is dropped one byte at a time so a
    real header inside it is found again (resync). ``checksum_errors`` and ``discarded``
    count what was thrown away.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self.discarded = 0
        self.checksum_errors = 0

    def feed(self, data: bytes) -> list[Packet]:
        """Add received bytes; return the packets completed by them, in order."""
        self._buf += data
        out: list[Packet] = []
        while self._step(out):
            pass
        return out

    def _drop(self, count: int) -> None:
        self.discarded += count
        del self._buf[:count]

    def _step(self, out: list[Packet]) -> bool:
        """Decode or drop from the front of the buffer; False when more bytes are needed."""
        start = self._buf.find(HEADER)
        if start < 0:
            self._drop(len(self._buf) - (1 if self._buf.endswith(HEADER[:1]) else 0))
            return False
        self._drop(start)
        status, packet, size = _frame_at(self._buf, 0)
        if status is _Frame.OK and packet is not None:
            out.append(packet)
            del self._buf[:size]
            return True
        if status is _Frame.BAD_CHECKSUM:
            self.checksum_errors += 1
            self._drop(1)
            return True
        if status is _Frame.INVALID:
            self._drop(1)
            return True
        # Incomplete: the header may be noise swallowing a real packet further on.
        later = self._buf.find(HEADER, 1)
        while later >= 0:
            status, packet, size = _frame_at(self._buf, later)
            if status is _Frame.OK and packet is not None:
                self._drop(later)
                out.append(packet)
                del self._buf[:size]
                return True
            later = self._buf.find(HEADER, later + 1)
        return False

    @property
    def in_frame(self) -> bool:
        """True while a frame has started (header seen) but is not complete yet."""
        return self._buf.startswith(HEADER)

    @property
    def wanted(self) -> int:
        """How many more bytes at least before the next packet can be complete."""
        if not self.in_frame:
            return PREFIX_SIZE - (1 if self._buf else 0)
        _status, _packet, size = _frame_at(self._buf, 0)
        return max(1, (size or PREFIX_SIZE) - len(self._buf))

    def clear(self) -> None:
        """Forget any partial frame (after the input was flushed)."""
        self._buf.clear()
