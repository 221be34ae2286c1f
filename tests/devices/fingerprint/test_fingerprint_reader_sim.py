"""The reader against the simulator over a real pseudo-terminal: every result and fault."""

from __future__ import annotations

import threading
import time

from devices.fingerprint.codes import Confirm, Instruction
from devices.fingerprint.reader import FingerprintReader
from devices.fingerprint.simulator import Fault, FingerprintSimulator

HANG_GUARD_S = 10  # only proves the call returns; not a performance claim


def test_matched_with_page_and_score(sim: FingerprintSimulator, reader: FingerprintReader) -> None:
    sim.enroll(7, "wang-right-index", score=180)
    sim.enroll(9, "li-left-thumb", score=95)
    sim.put_finger("li-left-thumb")
    assert reader.identify(1.0).to_dict() == {"result": "matched", "page": 9, "score": 95}


def test_no_match(sim: FingerprintSimulator, reader: FingerprintReader) -> None:
    sim.enroll(7, "wang-right-index")
    sim.put_finger("visitor")
    assert reader.identify(1.0).result == "no_match"


def test_unclear_messy_image(sim: FingerprintSimulator, reader: FingerprintReader) -> None:
    sim.enroll(7, "wang-right-index")
    sim.put_finger("wang-right-index")
    sim.inject(Fault.MESSY_IMAGE, times=1)
    result = reader.identify(1.0)
    assert (result.result, result.detail) == ("unclear", "0x06 image too messy")
    assert reader.identify(1.0).result == "matched"  # the next press is fine


def test_unclear_too_few_features(sim: FingerprintSimulator, reader: FingerprintReader) -> None:
    sim.put_finger("dry-finger")
    sim.inject(Fault.TOO_FEW_FEATURES)
    result = reader.identify(1.0)
    assert (result.result, result.detail) == ("unclear", "0x07 too few feature points")
    assert result.message("zh-Hant") == "指紋不明顯，請重按手指或由值班人員登記"


def test_no_finger(sim: FingerprintSimulator, reader: FingerprintReader) -> None:
    started = time.monotonic()
    assert reader.identify(0.3).result == "no_finger"
    assert time.monotonic() - started < HANG_GUARD_S


def test_finger_placed_while_waiting(sim: FingerprintSimulator, reader: FingerprintReader) -> None:
    sim.enroll(3, "zhao")
    timer = threading.Timer(0.2, sim.put_finger, args=("zhao",))
    timer.start()
    try:
        assert reader.identify(3.0).page == 3
    finally:
        timer.cancel()


def test_silence_is_a_device_fault(sim: FingerprintSimulator, reader: FingerprintReader) -> None:
    sim.inject(Fault.SILENCE)
    started = time.monotonic()
    result = reader.identify(1.0)
    assert time.monotonic() - started < HANG_GUARD_S
    assert result.result == "device_fault"
    assert result.detail == "VFY_PWD: no reply within 0.3 s"


def test_bad_checksum_is_a_device_fault(
    sim: FingerprintSimulator, reader: FingerprintReader
) -> None:
    sim.inject(Fault.BAD_CHECKSUM)
    result = reader.identify(1.0)
    assert result.result == "device_fault"
    assert result.detail == "VFY_PWD: reply failed its checksum (3 attempts)"


def test_one_bad_checksum_is_recovered(
    sim: FingerprintSimulator, reader: FingerprintReader
) -> None:
    sim.enroll(1, "qian")
    sim.put_finger("qian")
    sim.inject(Fault.BAD_CHECKSUM, times=1)
    assert reader.identify(1.0).result == "matched"
    assert sim.commands[:2] == [Instruction.VFY_PWD, Instruction.VFY_PWD]


def test_noise_then_valid_reply_succeeds(
    sim: FingerprintSimulator, reader: FingerprintReader
) -> None:
    sim.enroll(12, "sun")
    sim.put_finger("sun")
    sim.inject(Fault.NOISE)
    assert reader.identify(1.0).page == 12
    assert reader.info()["template_count"] == 1


def test_wrong_address_is_a_device_fault(
    sim: FingerprintSimulator, reader: FingerprintReader
) -> None:
    sim.inject(Fault.WRONG_ADDRESS, times=1)
    result = reader.identify(1.0)
    assert result.result == "device_fault"
    assert result.detail is not None and "address FFFF0000" in result.detail


def test_module_at_another_address_stays_silent(sim: FingerprintSimulator) -> None:
    with FingerprintReader.serial(sim.port, address=0x0000_0001, timeout=0.2) as other:
        assert other.identify(0.5).result == "device_fault"
    assert sim.commands == []


def test_wrong_password_is_a_device_fault(
    sim: FingerprintSimulator, reader: FingerprintReader
) -> None:
    sim.inject(Fault.WRONG_PASSWORD)
    assert reader.verify_password() is False
    result = reader.identify(1.0)
    assert (result.result, result.detail) == ("device_fault", "VFY_PWD: 0x13 wrong password")


def test_unplugged_port_path_is_a_device_fault() -> None:
    with FingerprintReader.serial("/dev/ttyFINGERPRINT-NOT-THERE", timeout=0.2) as fp:
        result = fp.identify(1.0)
        info = fp.info()
    assert result.result == "device_fault"
    assert result.detail is not None and "cannot open" in result.detail
    assert info["result"] == "device_fault"


def test_module_unplugged_mid_session(sim: FingerprintSimulator, reader: FingerprintReader) -> None:
    sim.enroll(1, "qian")
    sim.put_finger("qian")
    assert reader.identify(1.0).result == "matched"
    sim.stop()
    started = time.monotonic()
    result = reader.identify(1.0)
    assert time.monotonic() - started < HANG_GUARD_S
    assert result.result == "device_fault"


def test_module_back_after_a_fault_is_used_again(
    sim: FingerprintSimulator, reader: FingerprintReader
) -> None:
    sim.enroll(5, "zhou")
    sim.put_finger("zhou")
    sim.inject(Fault.SILENCE, times=1)
    assert reader.identify(1.0).result == "device_fault"
    assert reader.identify(1.0).page == 5


def test_enroll_then_identify_round_trip(
    sim: FingerprintSimulator, reader: FingerprintReader
) -> None:
    sim.put_finger("new-staff")
    assert reader.identify(1.0).result == "no_match"
    enrolled = reader.enroll(42, timeout_s=1.0)
    assert enrolled.to_dict() == {
        "result": "matched",
        "page": 42,
        "score": 180,
        "detail": "enrolled",
    }
    assert sim.module.library[42] == "new-staff"
    assert reader.identify(1.0).page == 42
    assert reader.template_count() == 1
    assert reader.used_pages() == [42]


def test_enroll_waits_for_lift_between_presses(
    sim: FingerprintSimulator, reader: FingerprintReader
) -> None:
    sim.put_finger("wu")
    lift = threading.Timer(0.15, sim.put_finger, args=(None,))
    press = threading.Timer(0.35, sim.put_finger, args=("wu",))
    lift.start()
    press.start()
    try:
        assert reader.enroll(2, timeout_s=2.0, lift_s=2.0).page == 2
    finally:
        lift.cancel()
        press.cancel()
    assert sim.module.library[2] == "wu"


def test_enroll_with_two_different_fingers_is_no_match(
    sim: FingerprintSimulator, reader: FingerprintReader
) -> None:
    sim.put_finger("first")
    lift = threading.Timer(0.15, sim.put_finger, args=(None,))
    press = threading.Timer(0.35, sim.put_finger, args=("second",))
    lift.start()
    press.start()
    try:
        result = reader.enroll(4, timeout_s=2.0, lift_s=2.0)
    finally:
        lift.cancel()
        press.cancel()
    assert (result.result, result.detail) == (
        "no_match",
        "the two presses differ: 0x0A failed to combine the character files",
    )
    assert 4 not in sim.module.library


def test_enroll_unclear_and_bad_page(sim: FingerprintSimulator, reader: FingerprintReader) -> None:
    sim.put_finger("zheng")
    sim.inject(Fault.MESSY_IMAGE, times=1)
    assert reader.enroll(1, timeout_s=1.0).result == "unclear"
    result = reader.enroll(300, timeout_s=1.0)
    assert result.result == "device_fault"
    assert result.detail == "STORE: page 300 is beyond the library of 300"
    assert reader.enroll(1, timeout_s=0.1).result == "matched"
    sim.put_finger(None)
    assert reader.enroll(2, timeout_s=0.1).result == "no_finger"


def test_delete_and_empty(sim: FingerprintSimulator, reader: FingerprintReader) -> None:
    for page, finger in ((1, "a"), (2, "b"), (3, "c")):
        sim.enroll(page, finger)
    assert reader.delete(2) == Confirm.OK
    assert reader.used_pages() == [1, 3]
    assert reader.empty() == Confirm.OK
    assert reader.template_count() == 0
