"""The reader against recorded byte sequences (ReplayTransport): what it sends, how it reads."""

from __future__ import annotations

import time

from devices.fingerprint.reader import FingerprintReader, FingerprintResult, SystemParameters
from devices.fingerprint.transport import ReplayTransport

H = "EF 01 FF FF FF FF"


def b(text: str) -> bytes:
    return bytes.fromhex(text)


# Commands, written out by hand.
VFY_PWD = b(f"{H} 01 00 07 13 00 00 00 00 00 1B")
READ_SYS_PARA = b(f"{H} 01 00 03 0F 00 13")
GEN_IMG = b(f"{H} 01 00 03 01 00 05")
IMG2TZ_1 = b(f"{H} 01 00 04 02 01 00 08")
SEARCH_ALL = b(f"{H} 01 00 08 04 01 00 00 01 2C 00 3B")
TEMPLATE_NUM = b(f"{H} 01 00 03 1D 00 21")

# Replies of a module with 300 pages, security level 3, 128-byte packets, 57600 baud.
OK = b(f"{H} 07 00 03 00 00 0A")
NO_FINGER = b(f"{H} 07 00 03 02 00 0C")
PACKET_ERROR = b(f"{H} 07 00 03 01 00 0B")
MESSY = b(f"{H} 07 00 03 06 00 10")
FEW_FEATURES = b(f"{H} 07 00 03 07 00 11")
NO_VALID_IMAGE = b(f"{H} 07 00 03 15 00 1F")
IMAGE_FAIL = b(f"{H} 07 00 03 03 00 0D")
WRONG_PASSWORD = b(f"{H} 07 00 03 13 00 1D")
SYS_PARA = b(f"{H} 07 00 13 00 0000 0009 012C 0003 FFFFFFFF 0002 0006 04 57")
FOUND_7_180 = b(f"{H} 07 00 07 00 00 07 00 B4 00 C9")
NOT_FOUND = b(f"{H} 07 00 07 09 00 00 00 00 00 17")
COUNT_2 = b(f"{H} 07 00 05 00 00 02 00 0E")
INDEX_7_8 = b(f"{H} 07 00 23 00 80 01" + " 00" * 30 + " 00 AB")
INDEX_EMPTY = b(f"{H} 07 00 23" + " 00" * 33 + " 00 2A")
HANDSHAKE = [OK, SYS_PARA]


def make(
    replies: list[bytes | None], chunk: int | None = None
) -> tuple[FingerprintReader, ReplayTransport]:
    transport = ReplayTransport(replies, chunk=chunk, poll_s=0.005)
    return FingerprintReader(transport, timeout=0.2, poll_s=0.01), transport


def test_identify_matched_sends_the_datasheet_sequence() -> None:
    reader, wire = make([*HANDSHAKE, OK, OK, FOUND_7_180])
    assert reader.identify(1.0) == FingerprintResult("matched", page=7, score=180)
    assert wire.writes == [VFY_PWD, READ_SYS_PARA, GEN_IMG, IMG2TZ_1, SEARCH_ALL]


def test_identify_with_replies_split_into_single_bytes() -> None:
    reader, _ = make([*HANDSHAKE, OK, OK, FOUND_7_180], chunk=1)
    assert reader.identify(1.0).to_dict() == {"result": "matched", "page": 7, "score": 180}


def test_identify_no_match() -> None:
    reader, _ = make([*HANDSHAKE, OK, OK, NOT_FOUND])
    result = reader.identify(1.0)
    assert result.result == "no_match"
    assert result.page is None


def test_unclear_codes_map_to_unclear() -> None:
    for reply, code in ((MESSY, "0x06"), (FEW_FEATURES, "0x07"), (NO_VALID_IMAGE, "0x15")):
        reader, wire = make([*HANDSHAKE, OK, reply])
        result = reader.identify(1.0)
        assert result.result == "unclear"
        assert result.detail is not None and result.detail.startswith(code)
        assert wire.writes[-1] == IMG2TZ_1  # no search after an unusable image
    reader, wire = make([*HANDSHAKE, IMAGE_FAIL])
    assert reader.identify(1.0).detail == "0x03 failed to capture the finger image"
    assert wire.writes[-1] == GEN_IMG


def test_no_finger_after_the_window() -> None:
    reader, wire = make([*HANDSHAKE] + [NO_FINGER] * 100)
    result = reader.identify(0.1)
    assert result.result == "no_finger"
    assert wire.writes.count(GEN_IMG) >= 2  # kept asking during the window


def test_finger_arriving_during_the_window_is_captured() -> None:
    reader, _ = make([*HANDSHAKE, NO_FINGER, NO_FINGER, OK, OK, FOUND_7_180])
    assert reader.identify(2.0).result == "matched"


def test_bad_checksum_once_is_retried() -> None:
    corrupt = FOUND_7_180[:-1] + b"\x00"
    reader, wire = make([*HANDSHAKE, OK, OK, corrupt, FOUND_7_180])
    assert reader.identify(1.0).page == 7
    assert wire.writes[-2:] == [SEARCH_ALL, SEARCH_ALL]


def test_bad_checksum_every_time_is_a_device_fault() -> None:
    corrupt = OK[:-1] + b"\x0b"
    reader, wire = make([corrupt] * 10)
    result = reader.identify(1.0)
    assert result.result == "device_fault"
    assert result.detail is not None and "checksum" in result.detail
    assert wire.writes == [VFY_PWD] * 3


def test_module_packet_receive_error_is_retried() -> None:
    reader, wire = make([PACKET_ERROR, *HANDSHAKE, OK, OK, FOUND_7_180])
    assert reader.identify(1.0).result == "matched"
    assert wire.writes[:2] == [VFY_PWD, VFY_PWD]


def test_silence_is_a_device_fault_not_a_hang() -> None:
    reader, _ = make([None])
    started = time.monotonic()
    result = reader.identify(1.0)
    assert time.monotonic() - started < 10  # hang guard only
    assert result.result == "device_fault"
    assert result.detail is not None and "no reply" in result.detail


def test_reply_cut_off_is_a_device_fault() -> None:
    reader, _ = make([OK[:7]])
    result = reader.identify(1.0)
    assert result.result == "device_fault"
    assert result.detail is not None and "cut-off" in result.detail


def test_noise_before_reply_is_skipped() -> None:
    noise = b"\x00\xff\xef\x13" + b(f"{H} 00 13 37")
    reader, _ = make([noise + OK, noise + SYS_PARA, OK, noise + OK, FOUND_7_180])
    assert reader.identify(1.0).result == "matched"


def test_reply_from_another_address_is_a_device_fault() -> None:
    reader, _ = make([b("EF 01 12 34 56 78 07 00 03 00 00 0A")])
    result = reader.identify(1.0)
    assert result.result == "device_fault"
    assert result.detail is not None and "12345678" in result.detail


def test_wrong_password_is_a_device_fault() -> None:
    reader, _ = make([WRONG_PASSWORD])
    result = reader.identify(1.0)
    assert result.result == "device_fault"
    assert result.detail is not None and "password" in result.detail


def test_info_reads_parameters_count_and_pages() -> None:
    reader, wire = make([*HANDSHAKE, COUNT_2, INDEX_7_8, INDEX_EMPTY])
    info = reader.info()
    assert info == {
        "result": "ok",
        "status_register": 0,
        "system_id": 9,
        "library_size": 300,
        "security_level": 3,
        "address": "FFFFFFFF",
        "packet_size": 128,
        "baudrate": 57600,
        "template_count": 2,
        "pages": [7, 8],
    }
    assert wire.writes[2] == TEMPLATE_NUM
    assert wire.writes[3:] == [b(f"{H} 01 00 04 1F 00 00 24"), b(f"{H} 01 00 04 1F 01 00 25")]


def test_system_parameters_decode() -> None:
    params = SystemParameters.from_bytes(b("0004 0009 03E8 0005 12345678 0003 000C"))
    assert params.status_register == 4
    assert params.library_size == 1000
    assert params.security_level == 5
    assert params.address == 0x12345678
    assert params.packet_size == 256
    assert params.baudrate == 115200
