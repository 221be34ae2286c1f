"""A reusable zbar image scanner through pyzbar's ctypes bindings.

``pyzbar.decode`` creates and configures a new zbar scanner for every call and cannot
ask for raw bytes. This reader keeps one configured scanner per thread (zbar scanners are
not thread-safe), enables only the symbologies we use, and switches QR codes to binary
mode (``ZBAR_CFG_BINARY``, zbar >= 0.23) so their payload bytes come back untouched
instead of through zbar's text-encoding guess.
"""

from __future__ import annotations

import ctypes
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pyzbar import wrapper as zw
from pyzbar.pyzbar import ZBarSymbol

DEFAULT_SYMBOLOGIES = ("QRCODE", "CODE128", "EAN13", "CODE39")
"""What the hall's codes use (QR and CODE128 notices, ID numbers) plus product codes."""

SUPPORTED = tuple(s.name for s in ZBarSymbol if s.name not in ("NONE", "PARTIAL"))
CFG_BINARY = 4  # ZBAR_CFG_BINARY in zbar.h (0.23): "don't convert binary data to text"
_Y800 = 0x30303859  # fourcc "Y800": 8-bit grayscale


@dataclass(frozen=True)
class RawSymbol:
    symbology: str
    data: bytes
    binary: bool
    """True when ``data`` are the symbol's own bytes (no zbar text conversion)."""
    quality: int
    polygon: tuple[tuple[int, int], ...]


class ZbarReader:
    """One configured zbar image scanner; use from one thread only (see :func:`reader`)."""

    def __init__(self, symbologies: Sequence[str] = DEFAULT_SYMBOLOGIES) -> None:
        unknown = [s for s in symbologies if s not in SUPPORTED]
        if unknown:
            raise ValueError(f"unknown symbologies {unknown}; zbar knows {', '.join(SUPPORTED)}")
        self.symbologies = tuple(symbologies)
        self._scanner = zw.zbar_image_scanner_create()
        if not self._scanner:
            raise RuntimeError("zbar could not create an image scanner")
        self._finalizer = weakref.finalize(self, zw.zbar_image_scanner_destroy, self._scanner)
        zw.zbar_image_scanner_set_config(
            self._scanner, ZBarSymbol.NONE, zw.ZBarConfig.CFG_ENABLE, 0
        )
        for name in self.symbologies:
            zw.zbar_image_scanner_set_config(
                self._scanner, ZBarSymbol[name], zw.ZBarConfig.CFG_ENABLE, 1
            )
        self.binary_qr = "QRCODE" in self.symbologies and (
            zw.zbar_image_scanner_set_config(self._scanner, ZBarSymbol.QRCODE, CFG_BINARY, 1) == 0
        )

    def scan(self, gray: np.ndarray) -> list[RawSymbol]:
        """Every symbol zbar finds in an 8-bit grayscale image."""
        if gray.ndim != 2:
            raise ValueError(f"a 2-D grayscale image is needed, got shape {gray.shape}")
        pixels = np.ascontiguousarray(gray, dtype=np.uint8)
        height, width = pixels.shape
        image = zw.zbar_image_create()
        if not image:
            raise RuntimeError("zbar could not create an image")
        try:
            zw.zbar_image_set_format(image, _Y800)
            zw.zbar_image_set_size(image, width, height)
            zw.zbar_image_set_data(image, pixels.ctypes.data, pixels.size, None)
            if zw.zbar_scan_image(self._scanner, image) <= 0:
                return []
            return list(self._symbols(image))
        finally:
            zw.zbar_image_destroy(image)

    def _symbols(self, image: object) -> list[RawSymbol]:
        out = []
        symbol = zw.zbar_image_first_symbol(image)
        while symbol:
            try:
                name = ZBarSymbol(symbol.contents.type).name
            except ValueError:
                name = f"UNKNOWN-{symbol.contents.type}"
            data = ctypes.string_at(
                zw.zbar_symbol_get_data(symbol), zw.zbar_symbol_get_data_length(symbol)
            )
            polygon = tuple(
                (zw.zbar_symbol_get_loc_x(symbol, i), zw.zbar_symbol_get_loc_y(symbol, i))
                for i in range(zw.zbar_symbol_get_loc_size(symbol))
            )
            binary = self.binary_qr and name == "QRCODE"
            quality = zw.zbar_symbol_get_quality(symbol)
            out.append(RawSymbol(name, data, binary, quality, polygon))
            symbol = zw.zbar_symbol_next(symbol)
        return out


_local = threading.local()


def reader(symbologies: Sequence[str] = DEFAULT_SYMBOLOGIES) -> ZbarReader:
    """This thread's reader for ``symbologies`` (created on first use)."""
    cache: dict[tuple[str, ...], ZbarReader] = _local.__dict__.setdefault("readers", {})
    key = tuple(symbologies)
    if key not in cache:
        cache[key] = ZbarReader(key)
    return cache[key]
