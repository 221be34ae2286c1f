from pathlib import Path

import pytest

from devices.printer.url import (
    FileConfig,
    NetworkConfig,
    PrinterURLError,
    SerialConfig,
    SimConfig,
    UsbConfig,
    parse_printer_url,
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("usb:0416:5011", UsbConfig(0x0416, 0x5011)),
        ("usb:04b8:0e15?timeout=2&out_ep=0x03", UsbConfig(0x04B8, 0x0E15, 2.0, 0x82, 0x03)),
        ("serial:/dev/ttyUSB0?baud=19200", SerialConfig("/dev/ttyUSB0", 19200)),
        ("serial:/dev/ttyS1", SerialConfig("/dev/ttyS1", 9600)),
        ("serial:/dev/ttyS1?rtscts=1&timeout=1.5", SerialConfig("/dev/ttyS1", 9600, 1.5, True)),
        ("tcp:10.0.0.5:9100", NetworkConfig("10.0.0.5", 9100)),
        ("tcp:10.0.0.5", NetworkConfig("10.0.0.5", 9100)),
        ("tcp://printer.hall.lan:9101", NetworkConfig("printer.hall.lan", 9101)),
        ("tcp:[fe80::1]:9100?timeout=3", NetworkConfig("fe80::1", 9100, 3.0)),
        ("file:/tmp/out.bin", FileConfig(Path("/tmp/out.bin"))),
        ("sim", SimConfig()),
        ("sim:/tmp/receipts", SimConfig(Path("/tmp/receipts"))),
    ],
)
def test_parses_every_connection_kind(url: str, expected: object) -> None:
    assert parse_printer_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "lpt:1",
        "usb:0416",
        "usb:zzzz:5011",
        "usb:0000:5011",
        "serial:",
        "serial:/dev/ttyUSB0?baud=12345",
        "tcp:",
        "tcp:host:70000",
        "tcp:host?timeout=0",
        "tcp:host?speed=fast",
        "file:",
    ],
)
def test_rejects_bad_urls(url: str) -> None:
    with pytest.raises(PrinterURLError):
        parse_printer_url(url)
