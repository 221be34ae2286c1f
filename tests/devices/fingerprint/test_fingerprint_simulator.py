"""The virtual module's command semantics, and the simulator's behaviour on the wire."""

from __future__ import annotations

import os
import select
import time

from devices.fingerprint.codes import Confirm, Instruction
from devices.fingerprint.packets import PacketParser, build_command, parse_packet
from devices.fingerprint.simulator import NOISE, Fault, FingerprintSimulator, VirtualModule


def run(module: VirtualModule, instruction: int, params: bytes = b"") -> tuple[int, bytes]:
    return module.handle(bytes([instruction]) + params)


def press(module: VirtualModule, finger: str | None, buffer: int) -> None:
    module.finger = finger
    assert run(module, Instruction.GEN_IMG)[0] == Confirm.OK
    assert run(module, Instruction.IMG2TZ, bytes([buffer]))[0] == Confirm.OK


def test_reg_model_needs_two_images_of_the_same_finger() -> None:
    module = VirtualModule()
    assert run(module, Instruction.REG_MODEL)[0] == Confirm.COMBINE_FAIL  # nothing captured
    press(module, "a", 1)
    press(module, "b", 2)
    assert run(module, Instruction.REG_MODEL)[0] == Confirm.COMBINE_FAIL
    press(module, "a", 2)
    assert run(module, Instruction.REG_MODEL)[0] == Confirm.OK


def test_img2tz_without_an_image_has_no_valid_image() -> None:
    assert run(VirtualModule(), Instruction.IMG2TZ, b"\x01")[0] == Confirm.NO_VALID_IMAGE


def test_store_search_delete_empty_and_count() -> None:
    module = VirtualModule(library_size=10)
    press(module, "a", 1)
    assert run(module, Instruction.STORE, bytes.fromhex("01 0004"))[0] == Confirm.OK
    assert run(module, Instruction.STORE, bytes.fromhex("01 000A"))[0] == Confirm.BAD_PAGE
    assert run(module, Instruction.TEMPLATE_NUM) == (Confirm.OK, b"\x00\x01")
    assert run(module, Instruction.SEARCH, bytes.fromhex("01 0000 000A")) == (
        Confirm.OK,
        bytes.fromhex("0004 00B4"),
    )
    # outside the searched range, and beyond the library
    assert run(module, Instruction.SEARCH, bytes.fromhex("01 0005 0005"))[0] == Confirm.NOT_FOUND
    assert run(module, Instruction.SEARCH, bytes.fromhex("01 000A 0001"))[0] == Confirm.BAD_PAGE
    assert (
        run(module, Instruction.DELETE_CHAR, bytes.fromhex("0009 0002"))[0] == Confirm.DELETE_FAIL
    )
    assert run(module, Instruction.DELETE_CHAR, bytes.fromhex("0004 0001"))[0] == Confirm.OK
    assert module.library == {}
    module.library.update({1: "x", 2: "y"})
    assert run(module, Instruction.EMPTY)[0] == Confirm.OK
    assert run(module, Instruction.TEMPLATE_NUM) == (Confirm.OK, b"\x00\x00")


def test_load_char_and_match() -> None:
    module = VirtualModule()
    module.library[3] = "a"
    assert run(module, Instruction.LOAD_CHAR, bytes.fromhex("02 0004"))[0] == (
        Confirm.TEMPLATE_READ_ERROR
    )
    assert run(module, Instruction.LOAD_CHAR, bytes.fromhex("02 0003"))[0] == Confirm.OK
    press(module, "a", 1)
    assert run(module, Instruction.MATCH) == (Confirm.OK, bytes.fromhex("00B4"))
    press(module, "b", 1)
    assert run(module, Instruction.MATCH)[0] == Confirm.NOT_MATCHED


def test_read_sys_para_and_index_table() -> None:
    module = VirtualModule(library_size=1000, security_level=5)
    code, data = run(module, Instruction.READ_SYS_PARA)
    assert code == Confirm.OK
    assert data == bytes.fromhex("0000 0009 03E8 0005 FFFFFFFF 0002 0006")
    module.library.update({0: "a", 9: "b", 256: "c"})
    assert run(module, Instruction.READ_INDEX_TABLE, b"\x00")[1][:2] == b"\x01\x02"
    assert run(module, Instruction.READ_INDEX_TABLE, b"\x01")[1][:1] == b"\x01"


def test_password_and_malformed_commands() -> None:
    module = VirtualModule(password=0x1234)
    assert run(module, Instruction.VFY_PWD, bytes(4))[0] == Confirm.WRONG_PASSWORD
    assert run(module, Instruction.VFY_PWD, bytes.fromhex("00001234"))[0] == Confirm.OK
    assert run(module, Instruction.VFY_PWD, b"\x00")[0] == Confirm.PACKET_RECEIVE_ERROR
    assert run(module, Instruction.IMG2TZ, b"\x03")[0] == Confirm.PACKET_RECEIVE_ERROR
    assert run(module, Instruction.UP_CHAR, b"\x01")[0] == Confirm.PACKET_RECEIVE_ERROR


def test_counted_faults_wear_off() -> None:
    module = VirtualModule()
    module.faults[Fault.MESSY_IMAGE] = 2
    module.finger = "a"
    run(module, Instruction.GEN_IMG)
    codes = [run(module, Instruction.IMG2TZ, b"\x01")[0] for _ in range(3)]
    assert codes == [Confirm.MESSY_IMAGE, Confirm.MESSY_IMAGE, Confirm.OK]


def _exchange(sim: FingerprintSimulator, data: bytes, want: int) -> bytes:
    """Write raw bytes to the simulator's pty and read ``want`` bytes back."""
    fd = os.open(sim.port, os.O_RDWR | os.O_NOCTTY)
    try:
        os.write(fd, data)
        out = b""
        deadline = time.monotonic() + 2
        while len(out) < want and time.monotonic() < deadline:
            if select.select([fd], [], [], 0.1)[0]:
                out += os.read(fd, want - len(out))
        return out
    finally:
        os.close(fd)


def test_simulator_answers_a_corrupt_command_with_receive_error(
    sim: FingerprintSimulator,
) -> None:
    corrupt = build_command(Instruction.GEN_IMG)[:-1] + b"\x00"
    reply = parse_packet(_exchange(sim, corrupt, 12))
    assert reply.payload == bytes([Confirm.PACKET_RECEIVE_ERROR])
    assert sim.commands == []


def test_simulator_noise_fault_prefixes_the_reply(sim: FingerprintSimulator) -> None:
    sim.inject(Fault.NOISE, times=1)
    raw = _exchange(sim, build_command(Instruction.TEMPLATE_NUM), len(NOISE) + 14)
    assert raw.startswith(NOISE)
    parser = PacketParser()
    assert parser.feed(raw)[0].payload == b"\x00\x00\x00"
    assert sim.state()["faults"] == {}
