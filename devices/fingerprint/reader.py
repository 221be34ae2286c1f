"""The sign-in reader adapter: R30x / AS608 commands over a :class:`Transport`.

Two layers. The building blocks (``verify_password`` ... ``empty``) send one command and
return the module's confirmation code or parsed data; they raise :class:`DeviceFault` when
the module cannot be talked to. The hall-facing calls ``identify``, ``enroll`` and ``info``
never raise for device problems: they return a :class:`FingerprintResult` (or a dict) whose
``result`` is one of the hall's reasons, ``device_fault`` carrying a ``detail``.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any, Literal

from devices.fingerprint.codes import Confirm, Instruction, PacketType, describe
from devices.fingerprint.packets import DEFAULT_ADDRESS, Packet, PacketParser, build_command
from devices.fingerprint.transport import (
    SerialTransport,
    Transport,
    TransportError,
    TransportTimeout,
)

ResultKind = Literal["matched", "no_match", "unclear", "no_finger", "device_fault"]
RESULTS: tuple[ResultKind, ...] = ("matched", "no_match", "unclear", "no_finger", "device_fault")

# Codes meaning "the finger was there but the image is not usable": the seed's 指紋不明顯.
UNCLEAR_CODES = frozenset(
    {Confirm.IMAGE_FAIL, Confirm.MESSY_IMAGE, Confirm.FEW_FEATURES, Confirm.NO_VALID_IMAGE}
)
INDEX_PAGE_SIZE = 256  # templates covered by one ReadIndexTable page


class DeviceFault(Exception):
    """The module could not be talked to: no reply, corrupt reply, wrong address, port error."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True)
class FingerprintResult:
    """The outcome of one identify or enroll, in the hall's terms."""

    result: ResultKind
    page: int | None = None
    score: int | None = None
    detail: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON-ready data, without empty fields."""
        return {k: v for k, v in asdict(self).items() if v is not None}

    @property
    def message_key(self) -> str:
        """The translation key of the message shown for this result."""
        return f"fingerprint.result.{self.result}"

    def message(self, lang: str = "zh-Hant") -> str:
        """The user-facing message in ``lang``."""
        from hall.i18n import t

        return t(self.message_key, lang, page=self.page, score=self.score, detail=self.detail)


@dataclass(frozen=True)
class SystemParameters:
    """The 16 bytes of a ReadSysPara reply."""

    status_register: int
    system_id: int
    library_size: int
    security_level: int
    address: int
    packet_size: int
    baudrate: int

    @classmethod
    def from_bytes(cls, data: bytes) -> SystemParameters:
        if len(data) < 16:
            raise ValueError(f"system parameters need 16 bytes, got {len(data)}")

        def word(i: int) -> int:
            return int.from_bytes(data[i : i + 2], "big")

        return cls(
            status_register=word(0),
            system_id=word(2),
            library_size=word(4),
            security_level=word(6),
            address=int.from_bytes(data[8:12], "big"),
            packet_size=32 << min(word(12), 3),
            baudrate=9600 * word(14),
        )

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["address"] = f"{self.address:08X}"
        return out


def _code(value: int) -> int:
    try:
        return Confirm(value)
    except ValueError:
        return value


class FingerprintReader:
    """One fingerprint module on one line."""

    def __init__(
        self,
        transport: Transport,
        *,
        address: int = DEFAULT_ADDRESS,
        password: int = 0,
        timeout: float = 2.0,
        retries: int = 2,
        poll_s: float = 0.1,
    ) -> None:
        self.transport = transport
        self.address = address
        self.password = password
        self.timeout = timeout
        self.retries = retries
        self.poll_s = poll_s
        self._params: SystemParameters | None = None

    @classmethod
    def serial(cls, port: str, baudrate: int = 57600, **kwargs: Any) -> FingerprintReader:
        """A reader on a serial port (opened on first use)."""
        return cls(SerialTransport(port, baudrate), **kwargs)

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> FingerprintReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- one command ------------------------------------------------------------------

    def command(
        self, instruction: int, params: bytes = b"", min_data: int = 0
    ) -> tuple[int, bytes]:
        """Send one command; return (confirmation code, data after it).

        A reply with a bad checksum, or the module's own 'packet receive error', makes the
        command go out again (``retries`` times). ``min_data`` is the data length an OK
        reply must carry.
        """
        name = _instruction_name(instruction)
        packet = build_command(instruction, params, self.address)
        problem = ""
        for _attempt in range(self.retries + 1):
            try:
                self.transport.reset_input()
                self.transport.write(packet)
                reply = self._read_reply(time.monotonic() + self.timeout)
            except TransportError as exc:
                raise DeviceFault(f"{name}: {exc}") from exc
            except DeviceFault as exc:
                raise DeviceFault(f"{name}: {exc.detail}") from exc
            if reply is None:
                problem = "reply failed its checksum"
                continue
            code, data = self._check_reply(name, reply)
            if code == Confirm.PACKET_RECEIVE_ERROR:
                problem = f"module reported {describe(code)}"
                continue
            if code == Confirm.OK and len(data) < min_data:
                raise DeviceFault(f"{name}: reply carries {len(data)} of {min_data} data bytes")
            return code, data
        raise DeviceFault(f"{name}: {problem} ({self.retries + 1} attempts)")

    def _read_reply(self, deadline: float) -> Packet | None:
        """The next packet before ``deadline``; None when only corrupt frames came."""
        parser = PacketParser()
        received = 0
        while True:
            try:
                chunk = self.transport.read_exactly(parser.wanted, deadline)
            except TransportTimeout as exc:
                received += len(exc.partial)
                packets = parser.feed(exc.partial)
                if packets:
                    return packets[0]
                if parser.checksum_errors:
                    return None
                if received:
                    raise DeviceFault(
                        f"no valid reply within {self.timeout:g} s ({received} bytes of noise "
                        "or a cut-off packet)"
                    ) from None
                raise DeviceFault(f"no reply within {self.timeout:g} s") from None
            received += len(chunk)
            packets = parser.feed(chunk)
            if packets:
                return packets[0]
            if parser.checksum_errors and not parser.in_frame:
                return None

    def _check_reply(self, name: str, reply: Packet) -> tuple[int, bytes]:
        if reply.address != self.address:
            raise DeviceFault(
                f"{name}: reply from address {reply.address:08X}, expected {self.address:08X}"
            )
        if reply.pid != PacketType.ACK or not reply.payload:
            raise DeviceFault(f"{name}: unexpected packet type 0x{reply.pid:02X}")
        return _code(reply.payload[0]), reply.payload[1:]

    # -- building blocks (raise DeviceFault) ----------------------------------------------

    def verify_password(self) -> bool:
        """VfyPwd: True when the module accepts ``password``."""
        code, _ = self.command(Instruction.VFY_PWD, self.password.to_bytes(4, "big"))
        if code == Confirm.WRONG_PASSWORD:
            return False
        self._expect_ok("VFY_PWD", code)
        return True

    def read_system_parameters(self) -> SystemParameters:
        """ReadSysPara: library size, security level, address, packet size, baud rate."""
        code, data = self.command(Instruction.READ_SYS_PARA, min_data=16)
        self._expect_ok("READ_SYS_PARA", code)
        self._params = SystemParameters.from_bytes(data)
        return self._params

    def template_count(self) -> int:
        """TemplateNum: how many templates the library holds."""
        code, data = self.command(Instruction.TEMPLATE_NUM, min_data=2)
        self._expect_ok("TEMPLATE_NUM", code)
        return int.from_bytes(data[:2], "big")

    def used_pages(self) -> list[int]:
        """ReadIndexTable over the whole library: the page numbers holding a template."""
        size = self._parameters().library_size
        pages: list[int] = []
        for index in range((size + INDEX_PAGE_SIZE - 1) // INDEX_PAGE_SIZE):
            code, data = self.command(Instruction.READ_INDEX_TABLE, bytes([index]), min_data=32)
            self._expect_ok("READ_INDEX_TABLE", code)
            for i, byte in enumerate(data[:32]):
                for bit in range(8):
                    page = index * INDEX_PAGE_SIZE + i * 8 + bit
                    if byte >> bit & 1 and page < size:
                        pages.append(page)
        return pages

    def capture(self, window_s: float = 0.0) -> int:
        """GenImg, repeated while the module says 'no finger', for up to ``window_s``."""
        deadline = time.monotonic() + window_s
        while True:
            code, _ = self.command(Instruction.GEN_IMG)
            left = deadline - time.monotonic()
            if code != Confirm.NO_FINGER or left <= 0:
                return code
            time.sleep(min(self.poll_s, left))

    def image_to_template(self, buffer: int = 1) -> int:
        """Img2Tz: turn the captured image into a character file in buffer 1 or 2."""
        return self.command(Instruction.IMG2TZ, bytes([buffer]))[0]

    def search(
        self, buffer: int = 1, start: int = 0, count: int | None = None
    ) -> tuple[int, int | None, int | None]:
        """Search the library; return (code, page, score), page and score only on a match."""
        if count is None:
            count = self._parameters().library_size
        params = bytes([buffer]) + start.to_bytes(2, "big") + count.to_bytes(2, "big")
        code, data = self.command(Instruction.SEARCH, params, min_data=4)
        if code != Confirm.OK:
            return code, None, None
        return code, int.from_bytes(data[0:2], "big"), int.from_bytes(data[2:4], "big")

    def register_model(self) -> int:
        """RegModel: combine buffers 1 and 2 into one template (in both buffers)."""
        return self.command(Instruction.REG_MODEL)[0]

    def store(self, page: int, buffer: int = 1) -> int:
        """Store the template in ``buffer`` at library ``page``."""
        return self.command(Instruction.STORE, bytes([buffer]) + _page(page))[0]

    def delete(self, page: int, count: int = 1) -> int:
        """DeletChar: remove ``count`` templates from ``page`` on."""
        return self.command(Instruction.DELETE_CHAR, _page(page) + _page(count))[0]

    def empty(self) -> int:
        """Empty: remove every template from the library."""
        return self.command(Instruction.EMPTY)[0]

    def _expect_ok(self, name: str, code: int) -> None:
        if code != Confirm.OK:
            raise DeviceFault(f"{name}: {describe(code)}")

    def _parameters(self) -> SystemParameters:
        return self._params or self.read_system_parameters()

    def _ready(self, refresh: bool = False) -> SystemParameters:
        """Handshake once per session (password, parameters); again after any fault."""
        if self._params is None or refresh:
            if not self.verify_password():
                raise DeviceFault(f"VFY_PWD: {describe(Confirm.WRONG_PASSWORD)}")
            self.read_system_parameters()
        assert self._params is not None
        return self._params

    # -- hall-facing calls (never raise for device problems) ------------------------------

    def info(self) -> dict[str, Any]:
        """System parameters, template count and used pages, or a device_fault result."""
        try:
            params = self._ready(refresh=True)
            return {
                "result": "ok",
                **params.to_dict(),
                "template_count": self.template_count(),
                "pages": self.used_pages(),
            }
        except DeviceFault as exc:
            return self._fault(exc).to_dict()

    def identify(self, timeout_s: float = 5.0) -> FingerprintResult:
        """Wait up to ``timeout_s`` for a finger and search the whole library for it."""
        try:
            params = self._ready()
            early = self._take_image(1, timeout_s)
            if early is not None:
                return early
            code, page, score = self.search(1, 0, params.library_size)
            if code == Confirm.OK:
                return FingerprintResult("matched", page=page, score=score)
            if code == Confirm.NOT_FOUND:
                return FingerprintResult("no_match", detail=describe(code))
            raise DeviceFault(f"SEARCH: {describe(code)}")
        except DeviceFault as exc:
            return self._fault(exc)

    def enroll(self, page: int, timeout_s: float = 10.0, lift_s: float = 0.0) -> FingerprintResult:
        """Take two presses, combine them, store at ``page`` and check the stored template.

        Each press is awaited up to ``timeout_s``; with ``lift_s`` the reader first waits
        that long for the finger to leave the sensor between presses. Success is
        ``matched`` with the page and the score of the stored template against the press.
        """
        if not 0 <= page <= 0xFFFF:
            raise ValueError(f"page out of range: {page}")
        try:
            params = self._ready()
            for buffer in (1, 2):
                if buffer == 2 and lift_s > 0:
                    self._wait_for_lift(lift_s)
                early = self._take_image(buffer, timeout_s)
                if early is not None:
                    return early
            code = self.register_model()
            if code == Confirm.COMBINE_FAIL:
                return FingerprintResult(
                    "no_match", detail=f"the two presses differ: {describe(code)}"
                )
            self._expect_ok("REG_MODEL", code)
            code = self.store(page, 1)
            if code == Confirm.BAD_PAGE:
                raise DeviceFault(
                    f"STORE: page {page} is beyond the library of {params.library_size}"
                )
            self._expect_ok("STORE", code)
            code, found, score = self.search(1, page, 1)
            if code != Confirm.OK or found != page:
                raise DeviceFault(
                    f"SEARCH: stored template not found at page {page}: {describe(code)}"
                )
            return FingerprintResult("matched", page=page, score=score, detail="enrolled")
        except DeviceFault as exc:
            return self._fault(exc)

    def _fault(self, exc: DeviceFault) -> FingerprintResult:
        """A device_fault result; the next call starts with a fresh handshake."""
        self._params = None
        return FingerprintResult("device_fault", detail=exc.detail)

    def _take_image(self, buffer: int, timeout_s: float) -> FingerprintResult | None:
        """Capture and convert into ``buffer``; a result when that already decides it."""
        code = self.capture(timeout_s)
        if code == Confirm.NO_FINGER:
            return FingerprintResult("no_finger", detail=f"no finger within {timeout_s:g} s")
        if code in UNCLEAR_CODES:
            return FingerprintResult("unclear", detail=describe(code))
        self._expect_ok("GEN_IMG", code)
        code = self.image_to_template(buffer)
        if code in UNCLEAR_CODES:
            return FingerprintResult("unclear", detail=describe(code))
        self._expect_ok("IMG2TZ", code)
        return None

    def _wait_for_lift(self, window_s: float) -> None:
        deadline = time.monotonic() + window_s
        while time.monotonic() < deadline:
            if self.command(Instruction.GEN_IMG)[0] == Confirm.NO_FINGER:
                return
            time.sleep(self.poll_s)


def _instruction_name(instruction: int) -> str:
    try:
        return Instruction(instruction).name
    except ValueError:
        return f"0x{instruction:02X}"


def _page(value: int) -> bytes:
    if not 0 <= value <= 0xFFFF:
        raise ValueError(f"page out of range: {value}")
    return value.to_bytes(2, "big")
