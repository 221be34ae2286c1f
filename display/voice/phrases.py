"""What the hall says for a call: 「請 A012 號到 5 號窗口辦理」.

Letters are spelled, ticket digits are read one by one (A零一二), the window number is read
as a number (十五). The phrase is a list of *pieces*; each piece is rendered once and cached,
so an announcement is a concatenation of ready WAVs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DIGITS = "零一二三四五六七八九"
WORD_PLEASE = "請"
WORD_TO = "號到"
WORD_WINDOW = "號窗口辦理"

_WINDOW_NO = re.compile(r"^W?0*(\d{1,3})$")
_TICKET = re.compile(r"^([A-Z]{1,2})(\d{1,4})$")


@dataclass(frozen=True)
class Piece:
    """One cached unit of speech: ``key`` names the cache entry, ``text`` is what is spoken."""

    key: str
    text: str


def number_words(n: int) -> str:
    """A window number as Mandarin reads it: 5 → 五, 10 → 十, 15 → 十五, 36 → 三十六."""
    if not 0 < n < 1000:
        raise ValueError(f"window number out of range: {n}")
    hundreds, rest = divmod(n, 100)
    tens, units = divmod(rest, 10)
    out = ""
    if hundreds:
        out += DIGITS[hundreds] + "百"
        if tens == 0 and units:
            return out + "零" + DIGITS[units]
    if tens:
        out += ("" if tens == 1 and not hundreds else DIGITS[tens]) + "十"
    if units:
        out += DIGITS[units]
    return out


def window_number(window_id: str) -> int:
    """``W05`` → 5."""
    m = _WINDOW_NO.match(window_id)
    if m is None:
        raise ValueError(f"not a window id: {window_id!r}")
    return int(m.group(1))


def letter_piece(letter: str) -> Piece:
    return Piece(f"letter-{letter}", letter)


def digit_piece(digit: str) -> Piece:
    return Piece(f"digit-{digit}", DIGITS[int(digit)])


def window_piece(n: int) -> Piece:
    return Piece(f"num-{n}", number_words(n))


PLEASE = Piece("please", WORD_PLEASE)
TO = Piece("to", WORD_TO)
WINDOW = Piece("window", WORD_WINDOW)


def call_pieces(number: str, window_id: str) -> list[Piece]:
    """The pieces of 「請 <number> 號到 <window> 號窗口辦理」, in speaking order."""
    m = _TICKET.match(number)
    if m is None:
        raise ValueError(f"not a ticket number: {number!r}")
    letters, digits = m.groups()
    return [
        PLEASE,
        *(letter_piece(c) for c in letters),
        *(digit_piece(d) for d in digits),
        TO,
        window_piece(window_number(window_id)),
        WINDOW,
    ]


def call_text(number: str, window_id: str) -> str:
    """The announcement as written (for logs and the screen): 請 A012 號到 5 號窗口辦理."""
    return f"{WORD_PLEASE} {number} {WORD_TO} {window_number(window_id)} {WORD_WINDOW}"


def all_pieces(prefixes: list[str], window_ids: list[str]) -> list[Piece]:
    """Every piece a hall with these ticket prefixes and windows can need (to pre-render)."""
    letters = sorted({c for p in prefixes for c in p})
    pieces = [PLEASE, TO, WINDOW]
    pieces += [letter_piece(c) for c in letters]
    pieces += [digit_piece(str(d)) for d in range(10)]
    pieces += [window_piece(window_number(w)) for w in sorted(set(window_ids))]
    return pieces
