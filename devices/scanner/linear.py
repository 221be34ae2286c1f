"""Model-based decoding of blurred 1D barcodes (CODE128, EAN13) from a bar profile.

zbar finds bars by their edges; when the camera blur is as wide as a module, a thin
space between two bars leaves no edge at all and zbar reads nothing. This decoder
instead renders every candidate symbol through a Gaussian blur and keeps the symbol
sequence whose rendering best matches the measured profile (a beam search, which
also follows small drifts of the module grid from perspective). The symbology's own
check (CODE128 mod 103, EAN13 mod 10) plus a residual limit guard against misreads.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

# CODE128 symbol values 0..105 as bar/space widths (bar first); 106 is the stop.
# fmt: off
_C128_WIDTHS = (
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312",
    "132212", "221213", "221312", "231212", "112232", "122132", "122231", "113222",
    "123122", "123221", "223211", "221132", "221231", "213212", "223112", "312131",
    "311222", "321122", "321221", "312212", "322112", "322211", "212123", "212321",
    "232121", "111323", "131123", "131321", "112313", "132113", "132311", "211313",
    "231113", "231311", "112133", "112331", "132131", "113123", "113321", "133121",
    "313121", "211331", "231131", "213113", "213311", "213131", "311123", "311321",
    "331121", "312113", "312311", "332111", "314111", "221411", "431111", "111224",
    "111422", "121124", "121421", "141122", "141221", "112214", "112412", "122114",
    "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111",
    "111242", "121142", "121241", "114212", "124112", "124211", "411212", "421112",
    "421211", "212141", "214121", "412121", "111143", "111341", "131141", "114113",
    "114311", "411113", "411311", "113141", "114131", "311141", "411131", "211412",
    "211214", "211232", "2331112",
)
# fmt: on
C128_START = {103: "A", 104: "B", 105: "C"}
_EAN_L = ("3211", "2221", "2122", "1411", "1132", "1231", "1114", "1312", "1213", "3112")
_EAN_PARITY = ("LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL", "LGLLGG",
               "LGGLLG", "LGGGLL", "LGLGLG", "LGLGGL", "LGGLGL")  # fmt: skip

MAX_COST = 0.035
"""Largest accepted mean squared residual (reflectance scaled to 0..1) of a decode."""
GOOD_COST = MAX_COST / 2
"""A fit this close ends the search over grid hypotheses early."""
ABORT = 3 * MAX_COST
"""A decode whose running cost passes this is on the wrong track: stop it early."""
EAN_MARGIN = 1.05
"""An EAN13 read stands only if the search's best other sequence costs this much more:
with blur past a module, a wrong digit string that passes the mod-10 check can fit as
well as the printed one (rendered tests: every such misread came within 1.04)."""


def widths_to_modules(widths: str, first_dark: bool = True) -> np.ndarray:
    """``"2113"`` -> ink per module ``[1, 1, 0, 1, 0, 0, 0]`` (or the inverse)."""
    out: list[float] = []
    dark = first_dark
    for w in widths:
        out += [1.0 if dark else 0.0] * int(w)
        dark = not dark
    return np.array(out, dtype=np.float64)


_C128 = np.stack([widths_to_modules(w) for w in _C128_WIDTHS[:106]])
_C128_STOP = widths_to_modules(_C128_WIDTHS[106])
_EAN_CODES = {
    "L": np.stack([widths_to_modules(w, first_dark=False) for w in _EAN_L]),
    "G": np.stack([widths_to_modules(w[::-1], first_dark=False) for w in _EAN_L]),
    "R": np.stack([widths_to_modules(w, first_dark=True) for w in _EAN_L]),
}
_EAN_GUARD = np.array([1.0, 0.0, 1.0])
_EAN_MIDDLE = np.array([0.0, 1.0, 0.0, 1.0, 0.0])


@dataclass(frozen=True)
class Slot:
    """One position of a symbology's grammar: the candidates allowed there."""

    labels: tuple[object, ...]
    ink: np.ndarray  # (candidates, modules)


@dataclass(frozen=True)
class LinearRead:
    symbology: str
    text: str
    cost: float
    runner_up: float = math.inf
    """Cost of the best other sequence the search kept (how clearly the text won)."""


def _phi(z: np.ndarray) -> np.ndarray:
    """Standard normal CDF (Abramowitz-Stegun 7.1.26 erf, error < 1.5e-7)."""
    x = np.abs(z) / math.sqrt(2.0)
    t = 1.0 / (1.0 + 0.3275911 * x)
    poly = ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t
            + 0.254829592) * t  # fmt: skip
    erf = 1.0 - poly * np.exp(-x * x)
    return 0.5 * (1.0 + np.sign(z) * erf)


def _coverage(px: np.ndarray, edges: np.ndarray, sigma: float) -> np.ndarray:
    """How much of each module (between ``edges``) each pixel sees through the blur."""
    cdf = _phi((px[:, None] - edges[None, :]) / sigma)
    return cdf[:, :-1] - cdf[:, 1:]


@dataclass
class _State:
    labels: tuple[object, ...]
    cost: float
    ink: np.ndarray
    offset: float


def _slot_errors(
    r: np.ndarray,
    states: list[_State],
    slot: Slot,
    span: tuple[int, int, int],
    grid: tuple[float, float, float],
    shift: float,
    tail: float,
) -> np.ndarray:
    """Squared residual of every (state, candidate) pair for one grid shift: (S, n)."""
    lo, start, hi = span
    x0, module, sigma = grid
    out = np.full((len(states), len(slot.labels)), np.inf)
    offsets = np.array([s.offset for s in states])
    for offset in np.unique(offsets):
        base_x = x0 + offset + shift * module
        first = math.ceil(base_x + module * lo)
        last = base_x + module * (hi - tail)
        px = np.arange(max(first, 0), min(math.ceil(last), len(r)), dtype=np.float64)
        if len(px) < 2:
            continue
        cover = _coverage(px, base_x + module * np.arange(lo, hi + 1), sigma)
        rows = np.flatnonzero(offsets == offset)
        prev = np.stack([states[i].ink[lo:start] for i in rows])
        model = 1.0 - (prev @ cover[:, : start - lo].T)[:, None, :]
        model = model - (slot.ink @ cover[:, start - lo :].T)[None, :, :]
        err = ((model - r[px.astype(int)]) ** 2).sum(-1)
        out[rows] = err + 0.002 * abs(shift) * len(px)
    return out


def beam_decode(
    r: np.ndarray,
    slots: Sequence[Slot],
    x0: float,
    module: float,
    sigma: float,
    *,
    beam: int = 6,
    shifts: Sequence[float] = (-0.5, -0.25, 0.0, 0.25, 0.5),
    valid: Callable[[tuple[object, ...]], bool] | None = None,
    closed: bool = True,
    abort: float = math.inf,
) -> tuple[tuple[object, ...], float, float] | None:
    """Best label sequence for reflectance profile ``r`` (1 white, 0 black) and its cost.

    ``x0`` is where module 0 starts (pixels), ``module`` the module width; between slots
    the grid may shift by ``shifts`` modules to follow perspective. The cost is the mean
    squared residual per pixel; ``valid`` checks the best complete sequence (checksums).
    ``closed``: the slots end the symbol, so a quiet zone follows the last one. The
    search gives up once the best cost so far exceeds ``abort``.
    """
    states = [_State((), 0.0, np.zeros(0), 0.0)]
    start = 0
    for index, slot in enumerate(slots):
        width = slot.ink.shape[1]
        span = (max(start - 2, 0), start, start + width)
        # The next slot's first bar blurs into the end of this one: score up to half a
        # module before it, or well into the quiet zone after the last slot.
        tail = -1.5 if closed and index == len(slots) - 1 else 0.5
        options = shifts if index else (0.0,)
        errors = np.stack(
            [_slot_errors(r, states, slot, span, (x0, module, sigma), s, tail) for s in options]
        )
        best_shift = errors.argmin(axis=0)
        total = errors.min(axis=0) + np.array([s.cost for s in states])[:, None]
        keep = np.argsort(total, axis=None)[:beam]
        states = [
            _State(
                (*states[i].labels, slot.labels[j]),
                float(total[i, j]),
                np.concatenate([states[i].ink, slot.ink[j]]),
                states[i].offset + options[best_shift[i, j]] * module,
            )
            for i, j in zip(*np.unravel_index(keep, total.shape), strict=True)
            if np.isfinite(total[i, j])
        ]
        start += width
        if not states or (index >= 2 and states[0].cost / (module * start) > abort):
            return None
    # Only the best sequence may win: a runner-up that passes the check by luck (one in
    # 103 for CODE128, one in 10 for EAN13) would be a misread.
    best = states[0]
    if valid is not None and not valid(best.labels):
        return None
    scale = max(1.0, module * start)
    runner_up = states[1].cost / scale if len(states) > 1 else math.inf
    return best.labels, best.cost / scale, runner_up


# ----------------------------------------------------------------------------- CODE128


def code128_slots(symbols: int) -> list[Slot]:
    """Start, ``symbols - 2`` data symbols, check symbol, stop."""
    data = Slot(tuple(range(103)), _C128[:103])
    starts = Slot((103, 104, 105), _C128[103:106])
    stop = Slot(("stop",), _C128_STOP[None, :])
    return [starts, *[data] * (symbols - 1), stop]


def code128_valid(labels: tuple[object, ...]) -> bool:
    values = [int(v) for v in labels[:-1]]  # type: ignore[call-overload]
    if len(values) < 3:
        return False
    total = values[0] + sum(i * v for i, v in enumerate(values[1:-1], 1))
    return total % 103 == values[-1]


def code128_text(values: Sequence[int]) -> str:
    """Text of CODE128 symbol values (start .. data, without check and stop)."""
    out: list[str] = []
    code = C128_START[values[0]]
    shift = False
    for v in values[1:]:
        current = ("B" if code == "A" else "A") if shift else code
        shift = False
        if current == "C" and v < 100:
            out.append(f"{v:02d}")
        elif current != "C" and v < 64:
            out.append(chr(v + 32))
        elif current != "C" and v < 96:
            out.append(chr(v + 32) if current == "B" else chr(v - 64))
        elif v == 98 and current != "C":
            shift = True
        elif v == 99:
            code = "C"
        elif v == 100 and current != "B":
            code = "B"
        elif v == 101 and current != "A":
            code = "A"
        elif v == 102 and out:
            out.append("\x1d")  # FNC1 inside GS1 data: group separator
    return "".join(out)


def _decode_code128(r: np.ndarray, x0: float, xe: float) -> LinearRead | None:
    length = xe - x0
    candidates: list[tuple[float, int, float]] = []
    for symbols in range(3, 60):  # start + data + check
        module = length / (11 * symbols + 13)
        if module < 0.8:
            break
        for blur in (0.5, 0.8, 1.1):
            head = code128_slots(symbols)[:2]
            found = beam_decode(r, head, x0, module, max(blur * module, 0.4), beam=2, closed=False)
            if found:
                candidates.append((found[1], symbols, blur))
    best: LinearRead | None = None
    for _, symbols, blur in sorted(candidates)[:4]:
        module = length / (11 * symbols + 13)
        slots = code128_slots(symbols)
        found = beam_decode(
            r, slots, x0, module, max(blur * module, 0.4), valid=code128_valid, abort=ABORT
        )
        if found and (best is None or found[1] < best.cost):
            values = [int(v) for v in found[0][:-2]]  # type: ignore[call-overload]
            best = LinearRead("CODE128", code128_text(values), found[1], found[2])
            if best.cost <= GOOD_COST:
                break
    return best


# ------------------------------------------------------------------------------- EAN13


def ean13_slots() -> list[Slot]:
    left = Slot(
        tuple(f"{p}{d}" for p in "LG" for d in range(10)),
        np.concatenate([_EAN_CODES["L"], _EAN_CODES["G"]]),
    )
    first = Slot(tuple(f"L{d}" for d in range(10)), _EAN_CODES["L"])
    right = Slot(tuple(f"R{d}" for d in range(10)), _EAN_CODES["R"])
    guard = Slot(("guard",), _EAN_GUARD[None, :])
    middle = Slot(("middle",), _EAN_MIDDLE[None, :])
    return [guard, first, *[left] * 5, middle, *[right] * 6, guard]


def ean13_digits(labels: tuple[object, ...]) -> str | None:
    """The 13 digits of an EAN13 label sequence, or None if parity or check fail."""
    codes = [str(v) for v in labels if str(v)[0] in "LGR"]
    parity = "".join(c[0] for c in codes[:6])
    if parity not in _EAN_PARITY:
        return None
    digits = str(_EAN_PARITY.index(parity)) + "".join(c[1] for c in codes)
    weights = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits[:12]))
    return digits if (10 - weights % 10) % 10 == int(digits[12]) else None


def _decode_ean13(r: np.ndarray, x0: float, xe: float) -> LinearRead | None:
    best: LinearRead | None = None
    slots = ean13_slots()
    for dx in (-0.5, 0.0):
        for stretch in (0.0, 1.0):
            module = (xe - x0 - 2 * dx + stretch) / 95
            if module < 0.8:
                return None
            for blur in (0.6, 0.9):
                found = beam_decode(
                    r, slots, x0 + dx, module, blur * module, beam=8, abort=ABORT,
                    valid=lambda labels: ean13_digits(labels) is not None,
                )  # fmt: skip
                if found and (best is None or found[1] < best.cost):
                    digits = ean13_digits(found[0])
                    assert digits is not None
                    best = LinearRead("EAN13", digits, found[1], found[2])
                    if best.cost <= GOOD_COST:
                        return best
    return best


# ------------------------------------------------------------------------------ profile


def _dark_runs(r: np.ndarray, level: float) -> np.ndarray:
    dark = (r < level).astype(np.int8)
    return np.flatnonzero(np.diff(np.r_[0, dark, 0])).reshape(-1, 2)


def bar_cluster(r: np.ndarray, level: float = 0.5) -> tuple[int, int, int] | None:
    """(first, end, count) of the largest group of dark runs closer than a quiet zone."""
    runs = _dark_runs(r, level)
    if len(runs) == 0:
        return None
    gap = 6.0 * max(1.0, float(np.median(runs[:, 1] - runs[:, 0])))
    best: tuple[int, int, int] | None = None
    first = 0
    for i in range(1, len(runs) + 1):
        if i == len(runs) or runs[i, 0] - runs[i - 1, 1] > gap:
            group = (int(runs[first, 0]), int(runs[i - 1, 1]), i - first)
            if best is None or group[2] > best[2]:
                best = group
            first = i
    return best


def normalise(profile: np.ndarray) -> tuple[np.ndarray, tuple[int, int, int]] | None:
    """Reflectance 0 (bar) .. 1 (quiet zone, with a linear light gradient) and bar extent."""
    lo, hi = np.percentile(profile, (3, 97))
    if hi - lo < 8:
        return None
    found = bar_cluster((profile - lo) / (hi - lo))
    if found is None:
        return None
    first, end, _ = found
    quiet = max(4, (end - first) // 12)
    left = profile[max(0, first - quiet - 2) : max(0, first - 2)]
    right = profile[end + 2 : end + quiet + 2]
    if len(left) == 0 and len(right) == 0:
        return None
    white_l = float(np.median(left)) if len(left) else float(np.median(right))
    white_r = float(np.median(right)) if len(right) else white_l
    white = np.interp(np.arange(len(profile)), [first, end], [white_l, white_r])
    black = float(np.percentile(profile[first:end], 2))
    if min(white_l, white_r) - black < 8:
        return None
    r = (profile - black) / np.maximum(white - black, 1.0)
    found = bar_cluster(r)
    return (r, found) if found else None


def _crossing(r: np.ndarray, i: int, j: int, level: float) -> float:
    """Sub-pixel position between pixels i and j where ``r`` crosses ``level`` (else j)."""
    if not (0 <= i < len(r) and 0 <= j < len(r)) or r[i] == r[j]:
        return float(j)
    return i + (r[i] - level) / (r[i] - r[j]) * (j - i)


def _reach_out(r: np.ndarray, first: int, end: int, reach: int) -> tuple[int, int]:
    """The outermost runs darker than 0.75 that start within ``reach`` pixels outside
    ``first`` .. ``end`` (faint guard bars), as a new (first, end)."""
    runs = _dark_runs(r, 0.75)
    left = [int(a) for a, b in runs if first - reach <= a < first]
    right = [int(b) for a, b in runs if end < b <= end + reach]
    return min(left, default=first), max(right, default=end)


def decode_profile(
    profile: np.ndarray, symbologies: Sequence[str] = ("CODE128", "EAN13")
) -> LinearRead | None:
    """Decode a dark-bars-on-light profile (mean of rows across the bars, bars vertical)."""
    prepared = normalise(np.asarray(profile, dtype=np.float64))
    if prepared is None:
        return None
    r, (first, end, runs) = prepared
    widths = np.diff(_dark_runs(r[first:end], 0.5), axis=1)
    if runs < 8 or widths.std() < 0.2 * widths.mean():  # too few bars, or plain stripes
        return None
    x0 = _crossing(r, first - 1, first, 0.5)
    xe = _crossing(r, end - 1, end, 0.5)
    best: LinearRead | None = None
    if "CODE128" in symbologies:
        best = _decode_code128(r, x0, xe)
    if "EAN13" in symbologies and (best is None or best.cost > GOOD_COST):
        # Faint guard bars may stay above half reflectance: the ends at 0.75 as well, but
        # only a few modules out (beyond the quiet zone lies whatever is around the code).
        left, right = _reach_out(r, first, end, max(3, int(6 * (end - first) / 95)))
        bounds = {
            (x0, xe),
            (_crossing(r, left - 1, left, 0.75), _crossing(r, right - 1, right, 0.75)),
        }
        for e_x0, e_xe in sorted(bounds):
            ean = _decode_ean13(r, e_x0, e_xe)
            if ean and (best is None or ean.cost < best.cost):
                best = ean
            if best is not None and best.cost <= GOOD_COST:
                break
    if best is None or best.cost > MAX_COST:
        return None
    if best.symbology == "EAN13" and best.runner_up < EAN_MARGIN * best.cost:
        return None  # another digit string fits about as well: a guess, not a read
    return best
