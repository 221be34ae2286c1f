"""Packet building and parsing against golden bytes written out by hand from the datasheet."""

from __future__ import annotations

import pytest

from devices.fingerprint.codes import Confirm, Instruction, PacketType, describe
from devices.fingerprint.packets import (
    ChecksumError,
    Packet,
    PacketError,
    PacketParser,
    build_ack,
    build_command,
    checksum,
    parse_packet,
)

H = "EF 01 FF FF FF FF"

GOLDEN_COMMANDS = [
    (Instruction.GEN_IMG, b"", f"{H} 01 00 03 01 00 05"),
    (Instruction.VFY_PWD, b"\0\0\0\0", f"{H} 01 00 07 13 00 00 00 00 00 1B"),
    (Instruction.IMG2TZ, b"\x01", f"{H} 01 00 04 02 01 00 08"),
    (Instruction.SEARCH, bytes.fromhex("0100 00 01 2C"), f"{H} 01 00 08 04 01 00 00 01 2C 00 3B"),
    (Instruction.REG_MODEL, b"", f"{H} 01 00 03 05 00 09"),
    (Instruction.STORE, bytes.fromhex("01 0007"), f"{H} 01 00 06 06 01 00 07 00 15"),
    (Instruction.DELETE_CHAR, bytes.fromhex("0007 0001"), f"{H} 01 00 07 0C 00 07 00 01 00 1C"),
    (Instruction.EMPTY, b"", f"{H} 01 00 03 0D 00 11"),
    (Instruction.READ_SYS_PARA, b"", f"{H} 01 00 03 0F 00 13"),
    (Instruction.TEMPLATE_NUM, b"", f"{H} 01 00 03 1D 00 21"),
]

GOLDEN_ACKS = [
    (Confirm.OK, b"", f"{H} 07 00 03 00 00 0A"),
    (Confirm.NO_FINGER, b"", f"{H} 07 00 03 02 00 0C"),
    (Confirm.MESSY_IMAGE, b"", f"{H} 07 00 03 06 00 10"),
    (Confirm.FEW_FEATURES, b"", f"{H} 07 00 03 07 00 11"),
    (Confirm.WRONG_PASSWORD, b"", f"{H} 07 00 03 13 00 1D"),
    (Confirm.OK, bytes.fromhex("0007 00B4"), f"{H} 07 00 07 00 00 07 00 B4 00 C9"),
    (Confirm.NOT_FOUND, bytes(4), f"{H} 07 00 07 09 00 00 00 00 00 17"),
    (Confirm.OK, bytes.fromhex("0002"), f"{H} 07 00 05 00 00 02 00 0E"),
]


@pytest.mark.parametrize(("instruction", "params", "wire"), GOLDEN_COMMANDS)
def test_command_golden_bytes(instruction: int, params: bytes, wire: str) -> None:
    assert build_command(instruction, params) == bytes.fromhex(wire)


@pytest.mark.parametrize(("code", "data", "wire"), GOLDEN_ACKS)
def test_ack_golden_bytes_round_trip(code: int, data: bytes, wire: str) -> None:
    raw = bytes.fromhex(wire)
    assert build_ack(code, data) == raw
    packet = parse_packet(raw)
    assert packet == Packet(PacketType.ACK, bytes([code]) + data)


def test_checksum_counts_pid_length_and_payload() -> None:
    assert checksum(0x01, b"\x13\0\0\0\0") == 0x1B
    assert checksum(0x02, b"\xff" * 256) == (0x02 + 0x01 + 0x02 + 0xFF * 256) & 0xFFFF


def test_other_address_is_encoded_and_decoded() -> None:
    raw = build_command(Instruction.GEN_IMG, address=0x12345678)
    assert raw[:6] == bytes.fromhex("EF01 12345678")
    assert parse_packet(raw).address == 0x12345678


def test_parse_rejects_bad_checksum_and_malformed_frames() -> None:
    good = bytes.fromhex(f"{H} 07 00 03 00 00 0A")
    with pytest.raises(ChecksumError):
        parse_packet(good[:-1] + b"\x0b")
    with pytest.raises(PacketError):
        parse_packet(good[1:])
    with pytest.raises(PacketError):
        parse_packet(good[:-1])
    with pytest.raises(PacketError):
        parse_packet(good + b"\x00")
    with pytest.raises(PacketError):  # PID 0x05 does not exist
        parse_packet(bytes.fromhex(f"{H} 05 00 03 00 00 08"))


def test_describe_names_known_and_unknown_codes() -> None:
    assert describe(0x06) == "0x06 image too messy"
    assert describe(0x42).startswith("0x42 unknown")


# -- streaming parser -------------------------------------------------------------------

ACK_OK = bytes.fromhex(f"{H} 07 00 03 00 00 0A")
ACK_SEARCH = bytes.fromhex(f"{H} 07 00 07 00 00 07 00 B4 00 C9")


def test_parser_split_byte_by_byte() -> None:
    parser = PacketParser()
    out: list[Packet] = []
    for i, byte in enumerate(ACK_SEARCH + ACK_OK):
        out += parser.feed(bytes([byte]))
        if i < len(ACK_SEARCH) - 1:
            assert out == []
    assert [p.payload for p in out] == [bytes.fromhex("00 0007 00B4"), b"\x00"]
    assert parser.discarded == 0


def test_parser_skips_noise_before_header() -> None:
    parser = PacketParser()
    packets = parser.feed(b"\x00\x13\xef\xaa\xff" + ACK_OK)
    assert [p.payload for p in packets] == [b"\x00"]
    assert parser.discarded == 5


def test_parser_resyncs_after_false_header_with_impossible_pid() -> None:
    parser = PacketParser()
    noise = bytes.fromhex("EF 01 FF FF FF FF 00 13 37")  # PID 0x00 is no packet type
    assert parser.feed(noise + ACK_OK)[0].payload == b"\x00"


def test_parser_finds_packet_inside_a_false_frame() -> None:
    # A plausible header claiming 40 bytes would swallow the real reply; the parser
    # must notice the complete valid packet inside it.
    false_start = bytes.fromhex("EF 01 FF FF FF FF 07 00 28")
    parser = PacketParser()
    assert parser.feed(false_start + ACK_SEARCH)[0].payload[2:3] == b"\x07"
    assert not parser.in_frame


def test_parser_drops_bad_checksum_and_keeps_the_next_packet() -> None:
    parser = PacketParser()
    corrupt = ACK_OK[:-1] + b"\x0b"
    assert parser.feed(corrupt) == []
    assert parser.checksum_errors == 1
    assert not parser.in_frame
    assert parser.feed(ACK_SEARCH)[0].payload[0] == Confirm.OK


def test_parser_keeps_a_trailing_header_byte_and_reports_wanted() -> None:
    parser = PacketParser()
    assert parser.wanted == 9
    parser.feed(b"\x12\x34\xef")
    assert parser.wanted == 8
    parser.feed(ACK_SEARCH[1:9])
    assert parser.in_frame
    assert parser.wanted == len(ACK_SEARCH) - 9
    assert parser.feed(ACK_SEARCH[9:])[0].payload[0] == Confirm.OK


def test_parser_rejects_oversized_length() -> None:
    parser = PacketParser()
    huge = bytes.fromhex("EF 01 FF FF FF FF 02 FF FF")
    assert parser.feed(huge + ACK_OK)[0].payload == b"\x00"
