"""A virtual R30x / AS608 module on a pseudo-terminal, for the demo and the tests.

The library maps pages to virtual finger ids (a template *is* the finger id here); a
'finger on the sensor' slot holds the finger being pressed, or None. Faults can be injected
for a number of replies (or until cleared): silence, bad checksum, noise before the reply,
a reply from the wrong address, messy image, too few features, wrong password.
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
import tty
from collections.abc import Callable
from enum import StrEnum

from devices.fingerprint.codes import Confirm, Instruction, PacketType
from devices.fingerprint.packets import DEFAULT_ADDRESS, Packet, PacketParser, build_ack

# Stray bytes, a lone EF and a false header with an impossible PID: the reader must resync.
NOISE = b"\x00\x55\xef\xaa\xef\x01\xff\xff\xff\xff\x00\x13\x37"
INDEX_PAGE_SIZE = 256


class Fault(StrEnum):
    """Faults the simulator can inject."""

    SILENCE = "silence"
    BAD_CHECKSUM = "bad_checksum"
    NOISE = "noise"
    WRONG_ADDRESS = "wrong_address"
    MESSY_IMAGE = "messy_image"
    TOO_FEW_FEATURES = "too_few_features"
    WRONG_PASSWORD = "wrong_password"


Reply = tuple[int, bytes]


class VirtualModule:
    """The module's state and command semantics, without any I/O."""

    def __init__(
        self,
        library_size: int = 300,
        address: int = DEFAULT_ADDRESS,
        password: int = 0,
        security_level: int = 3,
        baud_multiplier: int = 6,
        packet_size_code: int = 2,
        default_score: int = 180,
    ) -> None:
        self.library_size = library_size
        self.address = address
        self.password = password
        self.security_level = security_level
        self.baud_multiplier = baud_multiplier
        self.packet_size_code = packet_size_code
        self.default_score = default_score
        self.scores: dict[str, int] = {}
        self.library: dict[int, str] = {}
        self.finger: str | None = None
        self.image: str | None = None
        self.buffers: dict[int, str | None] = {1: None, 2: None}
        self.faults: dict[Fault, int | None] = {}
        self._handlers: dict[int, Callable[[bytes], Reply]] = {
            Instruction.GEN_IMG: self._gen_img,
            Instruction.IMG2TZ: self._img2tz,
            Instruction.MATCH: self._match,
            Instruction.SEARCH: self._search,
            Instruction.REG_MODEL: self._reg_model,
            Instruction.STORE: self._store,
            Instruction.LOAD_CHAR: self._load_char,
            Instruction.DELETE_CHAR: self._delete_char,
            Instruction.EMPTY: self._empty,
            Instruction.READ_SYS_PARA: self._read_sys_para,
            Instruction.VFY_PWD: self._vfy_pwd,
            Instruction.TEMPLATE_NUM: self._template_num,
            Instruction.READ_INDEX_TABLE: self._read_index_table,
        }

    def take_fault(self, fault: Fault) -> bool:
        """True if ``fault`` is active now; uses up one of its counted occurrences."""
        if fault not in self.faults:
            return False
        left = self.faults[fault]
        if left is not None:
            if left <= 1:
                del self.faults[fault]
            else:
                self.faults[fault] = left - 1
        return True

    def score(self, finger: str) -> int:
        return self.scores.get(finger, self.default_score)

    def handle(self, payload: bytes) -> Reply:
        """Execute one command payload (instruction + parameters); return (code, data)."""
        if not payload:
            return Confirm.PACKET_RECEIVE_ERROR, b""
        handler = self._handlers.get(payload[0])
        if handler is None:
            return Confirm.PACKET_RECEIVE_ERROR, b""  # not modelled (UpChar, SetPwd, ...)
        try:
            return handler(payload[1:])
        except (IndexError, ValueError):
            return Confirm.PACKET_RECEIVE_ERROR, b""  # parameters missing or malformed

    @staticmethod
    def _word(params: bytes, at: int) -> int:
        if len(params) < at + 2:
            raise IndexError("parameter missing")
        return int.from_bytes(params[at : at + 2], "big")

    @staticmethod
    def _buffer(params: bytes) -> int:
        if params[0] not in (1, 2):
            raise ValueError("buffer id must be 1 or 2")
        return params[0]

    def _gen_img(self, _params: bytes) -> Reply:
        if self.finger is None:
            return Confirm.NO_FINGER, b""
        self.image = self.finger
        return Confirm.OK, b""

    def _img2tz(self, params: bytes) -> Reply:
        buffer = self._buffer(params)
        if self.image is None:
            return Confirm.NO_VALID_IMAGE, b""
        if self.take_fault(Fault.MESSY_IMAGE):
            return Confirm.MESSY_IMAGE, b""
        if self.take_fault(Fault.TOO_FEW_FEATURES):
            return Confirm.FEW_FEATURES, b""
        self.buffers[buffer] = self.image
        return Confirm.OK, b""

    def _match(self, _params: bytes) -> Reply:
        one, two = self.buffers[1], self.buffers[2]
        if one is not None and one == two:
            return Confirm.OK, self.score(one).to_bytes(2, "big")
        return Confirm.NOT_MATCHED, b"\x00\x00"

    def _search(self, params: bytes) -> Reply:
        template = self.buffers[self._buffer(params)]
        start, count = self._word(params, 1), self._word(params, 3)
        if start >= self.library_size:
            return Confirm.BAD_PAGE, b"\x00" * 4
        for page in range(start, min(start + count, self.library_size)):
            if template is not None and self.library.get(page) == template:
                return Confirm.OK, page.to_bytes(2, "big") + self.score(template).to_bytes(2, "big")
        return Confirm.NOT_FOUND, b"\x00" * 4

    def _reg_model(self, _params: bytes) -> Reply:
        one, two = self.buffers[1], self.buffers[2]
        if one is None or one != two:
            return Confirm.COMBINE_FAIL, b""
        return Confirm.OK, b""  # the combined template stays in both buffers

    def _store(self, params: bytes) -> Reply:
        template = self.buffers[self._buffer(params)]
        page = self._word(params, 1)
        if page >= self.library_size:
            return Confirm.BAD_PAGE, b""
        if template is None:  # nothing generated yet: this simulator refuses to store it
            return Confirm.TEMPLATE_READ_ERROR, b""
        self.library[page] = template
        return Confirm.OK, b""

    def _load_char(self, params: bytes) -> Reply:
        buffer, page = self._buffer(params), self._word(params, 1)
        if page >= self.library_size:
            return Confirm.BAD_PAGE, b""
        if page not in self.library:
            return Confirm.TEMPLATE_READ_ERROR, b""
        self.buffers[buffer] = self.library[page]
        return Confirm.OK, b""

    def _delete_char(self, params: bytes) -> Reply:
        page, count = self._word(params, 0), self._word(params, 2)
        if count == 0 or page + count > self.library_size:
            return Confirm.DELETE_FAIL, b""
        for p in range(page, page + count):
            self.library.pop(p, None)
        return Confirm.OK, b""

    def _empty(self, _params: bytes) -> Reply:
        self.library.clear()
        return Confirm.OK, b""

    def _read_sys_para(self, _params: bytes) -> Reply:
        words = (0, 0x0009, self.library_size, self.security_level)
        data = b"".join(w.to_bytes(2, "big") for w in words)
        data += self.address.to_bytes(4, "big")
        data += self.packet_size_code.to_bytes(2, "big") + self.baud_multiplier.to_bytes(2, "big")
        return Confirm.OK, data

    def _vfy_pwd(self, params: bytes) -> Reply:
        if len(params) < 4:
            raise IndexError("password missing")
        given = int.from_bytes(params[:4], "big")
        if self.take_fault(Fault.WRONG_PASSWORD) or given != self.password:
            return Confirm.WRONG_PASSWORD, b""
        return Confirm.OK, b""

    def _template_num(self, _params: bytes) -> Reply:
        return Confirm.OK, len(self.library).to_bytes(2, "big")

    def _read_index_table(self, params: bytes) -> Reply:
        first = params[0] * INDEX_PAGE_SIZE
        bits = bytearray(32)
        for page in self.library:
            if first <= page < first + INDEX_PAGE_SIZE:
                bits[(page - first) // 8] |= 1 << ((page - first) % 8)
        return Confirm.OK, bytes(bits)


class FingerprintSimulator:
    """A :class:`VirtualModule` answering on a pseudo-terminal from a background thread."""

    def __init__(self, **module_options: int) -> None:
        self.module = VirtualModule(**module_options)
        self.commands: list[int] = []
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._master = self._slave = -1
        self.port = ""

    # -- control (thread-safe) --------------------------------------------------------

    def enroll(self, page: int, finger: str, score: int | None = None) -> None:
        """Put a virtual finger's template at ``page``."""
        with self._lock:
            self.module.library[page] = finger
            if score is not None:
                self.module.scores[finger] = score

    def remove(self, page: int) -> None:
        """Delete the template at ``page``, if any."""
        with self._lock:
            self.module.library.pop(page, None)

    def put_finger(self, finger: str | None) -> None:
        """Press a virtual finger on the sensor (None lifts it)."""
        with self._lock:
            self.module.finger = finger

    def inject(self, fault: Fault | str, times: int | None = None) -> None:
        """Make ``fault`` happen on the next ``times`` occasions (None: until cleared)."""
        with self._lock:
            self.module.faults[Fault(fault)] = times

    def clear_faults(self) -> None:
        with self._lock:
            self.module.faults.clear()

    def state(self) -> dict[str, object]:
        """Library, finger slot and active faults, JSON-ready."""
        with self._lock:
            return {
                "port": self.port,
                "library": {str(p): f for p, f in sorted(self.module.library.items())},
                "finger": self.module.finger,
                "faults": {str(f): n for f, n in self.module.faults.items()},
            }

    # -- pty life cycle ---------------------------------------------------------------

    def start(self) -> str:
        """Open the pseudo-terminal, start answering, return the port path."""
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        os.set_blocking(self._master, False)
        self.port = os.ttyname(self._slave)
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, name="fingerprint-sim", daemon=True)
        self._thread.start()
        return self.port

    def stop(self) -> None:
        """Stop answering and close the pty (to the reader this is an unplugged module)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        for fd in (self._master, self._slave):
            if fd >= 0:
                os.close(fd)
        self._master = self._slave = -1

    def __enter__(self) -> FingerprintSimulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve(self) -> None:
        parser = PacketParser()
        while not self._stop.is_set():
            ready, _, _ = select.select([self._master], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(self._master, 4096)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                return
            errors = parser.checksum_errors
            packets = parser.feed(data)
            for _ in range(parser.checksum_errors - errors):
                self._send(Confirm.PACKET_RECEIVE_ERROR, b"")
            for packet in packets:
                self._answer(packet)

    def _answer(self, packet: Packet) -> None:
        with self._lock:
            if packet.address != self.module.address:
                return  # addressed to another module: stay quiet, as a real one does
            if packet.pid != PacketType.COMMAND:
                self._send(Confirm.PACKET_RECEIVE_ERROR, b"")
                return
            if self.module.take_fault(Fault.SILENCE):
                return
            if packet.payload:
                self.commands.append(packet.payload[0])
            code, data = self.module.handle(packet.payload)
            self._send(code, data)

    def _send(self, code: int, data: bytes) -> None:
        with self._lock:
            address = self.module.address
            if self.module.take_fault(Fault.WRONG_ADDRESS):
                address ^= 0x0000FFFF
            reply = build_ack(code, data, address)
            if self.module.take_fault(Fault.BAD_CHECKSUM):
                reply = reply[:-1] + bytes([reply[-1] ^ 0x5A])
            if self.module.take_fault(Fault.NOISE):
                reply = NOISE + reply
        # Nobody reading the line: the reply is lost, as on a real wire.
        with contextlib.suppress(OSError):
            os.write(self._master, reply)
