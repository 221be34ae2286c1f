"""Parse printer URLs into connection configs.

Forms (``?timeout=SECONDS`` works on every kind that talks to a device)::

    usb:0416:5011[?timeout=5&in_ep=0x81&out_ep=0x03]
    serial:/dev/ttyUSB0[?baud=19200&rtscts=1]
    tcp:10.0.0.5[:9100]            (also tcp://10.0.0.5:9100)
    file:/path/out.bin
    sim[:/output/dir]              (an in-process simulator on a free port)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs

DEFAULT_TIMEOUT = 5.0
DEFAULT_TCP_PORT = 9100
SERIAL_BAUDS = (2400, 4800, 9600, 19200, 38400, 57600, 115200)


class PrinterURLError(ValueError):
    """The printer URL cannot be understood."""


@dataclass(frozen=True)
class UsbConfig:
    vendor_id: int
    product_id: int
    timeout: float = DEFAULT_TIMEOUT
    in_ep: int = 0x82
    out_ep: int = 0x01


@dataclass(frozen=True)
class SerialConfig:
    port: str
    baud: int = 9600
    timeout: float = DEFAULT_TIMEOUT
    rtscts: bool = False


@dataclass(frozen=True)
class NetworkConfig:
    host: str
    port: int = DEFAULT_TCP_PORT
    timeout: float = DEFAULT_TIMEOUT


@dataclass(frozen=True)
class FileConfig:
    path: Path


@dataclass(frozen=True)
class SimConfig:
    out_dir: Path | None = None
    timeout: float = DEFAULT_TIMEOUT


ConnectionConfig = UsbConfig | SerialConfig | NetworkConfig | FileConfig | SimConfig


def parse_printer_url(url: str) -> ConnectionConfig:
    """The connection config a printer URL names; raises :class:`PrinterURLError`."""
    url = url.strip()
    scheme, _, rest = url.partition(":")
    rest, _, query = rest.partition("?")
    options = {key: values[-1] for key, values in parse_qs(query, strict_parsing=False).items()}
    parser = _PARSERS.get(scheme.lower())
    if parser is None:
        known = ", ".join(sorted(_PARSERS))
        raise PrinterURLError(f"unknown printer URL {url!r}; use one of: {known}")
    try:
        config = parser(rest, options)
    except ValueError as exc:
        raise PrinterURLError(f"bad printer URL {url!r}: {exc}") from exc
    unused = set(options) - _ACCEPTED[scheme.lower()]
    if unused:
        raise PrinterURLError(f"bad printer URL {url!r}: unknown option(s) {sorted(unused)}")
    return config


def _timeout(options: dict[str, str]) -> float:
    value = float(options.get("timeout", DEFAULT_TIMEOUT))
    if not 0 < value <= 120:
        raise ValueError("timeout must be between 0 and 120 seconds")
    return value


def _hex_id(text: str, what: str) -> int:
    value = int(text, 16)
    if not 0 < value <= 0xFFFF:
        raise ValueError(f"{what} must be a 4-digit hex number")
    return value


def _usb(rest: str, options: dict[str, str]) -> UsbConfig:
    parts = rest.split(":")
    if len(parts) != 2:
        raise ValueError("expected usb:VENDOR:PRODUCT in hex, e.g. usb:0416:5011")
    return UsbConfig(
        vendor_id=_hex_id(parts[0], "vendor id"),
        product_id=_hex_id(parts[1], "product id"),
        timeout=_timeout(options),
        in_ep=int(options.get("in_ep", "0x82"), 0),
        out_ep=int(options.get("out_ep", "0x01"), 0),
    )


def _serial(rest: str, options: dict[str, str]) -> SerialConfig:
    if not rest:
        raise ValueError("expected serial:/dev/ttyUSB0")
    baud = int(options.get("baud", "9600"))
    if baud not in SERIAL_BAUDS:
        raise ValueError(f"baud must be one of {SERIAL_BAUDS}")
    rtscts = options.get("rtscts", "0").lower() in ("1", "true", "yes")
    return SerialConfig(port=rest, baud=baud, timeout=_timeout(options), rtscts=rtscts)


def _tcp(rest: str, options: dict[str, str]) -> NetworkConfig:
    rest = rest.removeprefix("//").rstrip("/")
    if rest.startswith("["):  # [IPv6]:port
        host, _, port_text = rest[1:].partition("]")
        port_text = port_text.removeprefix(":")
    else:
        host, _, port_text = rest.partition(":")
    if not host:
        raise ValueError("expected tcp:HOST[:PORT]")
    port = int(port_text) if port_text else DEFAULT_TCP_PORT
    if not 0 < port < 65536:
        raise ValueError("port out of range")
    return NetworkConfig(host=host, port=port, timeout=_timeout(options))


def _file(rest: str, options: dict[str, str]) -> FileConfig:
    rest = rest.removeprefix("//")
    if not rest:
        raise ValueError("expected file:/path/out.bin")
    return FileConfig(path=Path(rest))


def _sim(rest: str, options: dict[str, str]) -> SimConfig:
    return SimConfig(out_dir=Path(rest) if rest else None, timeout=_timeout(options))


_PARSERS = {"usb": _usb, "serial": _serial, "tcp": _tcp, "file": _file, "sim": _sim}
_ACCEPTED = {
    "usb": {"timeout", "in_ep", "out_ep"},
    "serial": {"timeout", "baud", "rtscts"},
    "tcp": {"timeout"},
    "file": set(),
    "sim": {"timeout"},
}
