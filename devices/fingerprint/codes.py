"""Packet types, instruction codes and confirmation codes of the R30x / AS608 protocol."""

from __future__ import annotations

from enum import IntEnum


class PacketType(IntEnum):
    """The packet identifier (PID) byte after the address."""

    COMMAND = 0x01
    DATA = 0x02
    ACK = 0x07
    END_OF_DATA = 0x08


class Instruction(IntEnum):
    """Instruction codes, the first payload byte of a command packet."""

    GEN_IMG = 0x01
    IMG2TZ = 0x02
    MATCH = 0x03
    SEARCH = 0x04
    REG_MODEL = 0x05
    STORE = 0x06
    LOAD_CHAR = 0x07
    UP_CHAR = 0x08
    DOWN_CHAR = 0x09
    DELETE_CHAR = 0x0C
    EMPTY = 0x0D
    SET_SYS_PARA = 0x0E
    READ_SYS_PARA = 0x0F
    SET_PWD = 0x12
    VFY_PWD = 0x13
    GET_RANDOM_CODE = 0x14
    TEMPLATE_NUM = 0x1D
    READ_INDEX_TABLE = 0x1F


class Confirm(IntEnum):
    """Confirmation codes, the first payload byte of an acknowledge packet."""

    OK = 0x00
    PACKET_RECEIVE_ERROR = 0x01
    NO_FINGER = 0x02
    IMAGE_FAIL = 0x03
    MESSY_IMAGE = 0x06
    FEW_FEATURES = 0x07
    NOT_MATCHED = 0x08
    NOT_FOUND = 0x09
    COMBINE_FAIL = 0x0A
    BAD_PAGE = 0x0B
    TEMPLATE_READ_ERROR = 0x0C
    UPLOAD_FAIL = 0x0D
    DATA_RECEIVE_FAIL = 0x0F
    IMAGE_UPLOAD_FAIL = 0x10
    DELETE_FAIL = 0x11
    CLEAR_FAIL = 0x12
    WRONG_PASSWORD = 0x13
    NO_VALID_IMAGE = 0x15
    FLASH_ERROR = 0x18
    INVALID_REGISTER = 0x1A
    REGISTER_CONFIG_ERROR = 0x1B
    WRONG_NOTEPAD_PAGE = 0x1C
    PORT_FAIL = 0x1D


_DESCRIPTIONS = {
    Confirm.OK: "ok",
    Confirm.PACKET_RECEIVE_ERROR: "packet receive error",
    Confirm.NO_FINGER: "no finger on the sensor",
    Confirm.IMAGE_FAIL: "failed to capture the finger image",
    Confirm.MESSY_IMAGE: "image too messy",
    Confirm.FEW_FEATURES: "too few feature points",
    Confirm.NOT_MATCHED: "finger does not match",
    Confirm.NOT_FOUND: "no match found in the library",
    Confirm.COMBINE_FAIL: "failed to combine the character files",
    Confirm.BAD_PAGE: "page address beyond the library",
    Confirm.TEMPLATE_READ_ERROR: "error reading the template",
    Confirm.UPLOAD_FAIL: "upload failed",
    Confirm.DATA_RECEIVE_FAIL: "cannot receive the following data packet",
    Confirm.IMAGE_UPLOAD_FAIL: "error uploading the image",
    Confirm.DELETE_FAIL: "delete failed",
    Confirm.CLEAR_FAIL: "clearing the library failed",
    Confirm.WRONG_PASSWORD: "wrong password",
    Confirm.NO_VALID_IMAGE: "no valid primary image",
    Confirm.FLASH_ERROR: "flash read/write error",
    Confirm.INVALID_REGISTER: "invalid register number",
    Confirm.REGISTER_CONFIG_ERROR: "register configuration error",
    Confirm.WRONG_NOTEPAD_PAGE: "wrong notepad page",
    Confirm.PORT_FAIL: "port operation failed",
}


def describe(code: int) -> str:
    """A confirmation code as ``0x06 image too messy`` (unknown codes included)."""
    try:
        text = _DESCRIPTIONS[Confirm(code)]
    except ValueError:
        text = "unknown confirmation code"
    return f"0x{code:02X} {text}"
