"""Printer profiles (``profiles.toml``): paper width and how a model takes Chinese."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

DEFAULT_PROFILE = "generic-80"
ASCII_DOTS = 12
"""Width of one Font A character in dots; a Han character takes two."""


class ChineseMode(StrEnum):
    GB18030 = "gb18030"
    GBK = "gbk"
    BIG5 = "big5"
    UTF8 = "utf-8"
    RASTER = "raster"


@dataclass(frozen=True)
class PrinterProfile:
    name: str
    description: str
    paper_dots: int
    chinese: ChineseMode
    enter_chinese_mode: bool = False
    four_byte_glyphs: bool = False
    native_qr: bool = True
    native_barcode: bool = True
    image_fragment_height: int = 256
    """Images are sent in slices this tall (long USB writes time out)."""

    @property
    def columns(self) -> int:
        """Font A columns at normal size (a Han character counts two)."""
        return self.paper_dots // ASCII_DOTS

    @property
    def encoding(self) -> str | None:
        """Python codec for native text, None when every Chinese line is raster."""
        return None if self.chinese is ChineseMode.RASTER else self.chinese.value


class UnknownProfile(KeyError):
    """No printer profile of that name."""


@cache
def all_profiles() -> dict[str, PrinterProfile]:
    """Every profile in ``profiles.toml``, by name."""
    text = resources.files(__package__).joinpath("profiles.toml").read_text(encoding="utf-8")
    return {name: _profile(name, body) for name, body in tomllib.loads(text).items()}


def _profile(name: str, body: dict[str, Any]) -> PrinterProfile:
    fields = dict(body)
    fields["chinese"] = ChineseMode(fields["chinese"])
    profile = PrinterProfile(name=name, **fields)
    if profile.paper_dots % 8 or not 128 <= profile.paper_dots <= 832:
        raise ValueError(f"profile {name}: paper_dots must be a multiple of 8 in 128..832")
    return profile


def get_profile(name: str | None = None) -> PrinterProfile:
    """The profile ``name`` (default :data:`DEFAULT_PROFILE`)."""
    profiles = all_profiles()
    try:
        return profiles[name or DEFAULT_PROFILE]
    except KeyError:
        known = ", ".join(profiles)
        raise UnknownProfile(f"unknown printer profile {name!r}; known: {known}") from None
