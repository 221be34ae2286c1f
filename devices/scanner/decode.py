"""Decode the codes in one camera frame: zbar behind a ladder of image preparations.

The first rung (zbar on the grayscale frame) is cheap and reads most codes. Each later
rung rescues a known kind of bad frame and runs only when the rungs before it found
nothing; the ladder stops at the first rung that reads something:

==============  ================================================================
``raw``         zbar on the grayscale frame
``inverted``    light-on-dark codes (phone screens in dark mode)
``contrast``    CLAHE: glare and uneven light
``sharpen``     unsharp mask: slightly out-of-focus frames
``regions``     each textured region cut out, turned upright, enlarged (tilted, small)
``rotations``   the whole frame turned by ±15° / ±30° (tilt beyond zbar's tolerance)
``upscale``     the whole frame enlarged twice (codes too small for zbar's edges)
``threshold``   adaptive threshold (shadows across the code)
``model``       model-based decoding of blurred 1D codes (:mod:`.linear`)
==============  ================================================================
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

import cv2
import numpy as np

from . import linear, regions
from .text import payload_text
from .zbar import DEFAULT_SYMBOLOGIES, RawSymbol, reader

FIRST_PASS = ("raw",)
FULL = (
    "raw", "inverted", "contrast", "sharpen", "regions",
    "rotations", "upscale", "threshold", "model",
)  # fmt: skip
LADDERS = {"fast": FIRST_PASS, "full": FULL}
LINEAR = ("CODE128", "EAN13")


@dataclass(frozen=True)
class Decoded:
    """One code read from a frame."""

    symbology: str
    payload: str
    step: str
    """The ladder rung that read it."""
    data: bytes = b""
    confirmed: bool = True
    """False for a 1D read from a prepared image that no second view repeated."""


def to_gray(frame: np.ndarray) -> np.ndarray:
    """An 8-bit single-channel view of a BGR, BGRA or gray frame."""
    if frame.dtype == np.uint16:
        frame = (frame >> 8).astype(np.uint8)
    elif frame.dtype != np.uint8:
        frame = cv2.convertScaleAbs(frame)
    if frame.ndim == 2:
        return frame
    if frame.ndim == 3 and frame.shape[2] == 1:
        return frame[:, :, 0]
    if frame.ndim == 3 and frame.shape[2] in (3, 4):
        code = cv2.COLOR_BGR2GRAY if frame.shape[2] == 3 else cv2.COLOR_BGRA2GRAY
        return cv2.cvtColor(frame, code)
    raise ValueError(f"not an image: shape {frame.shape}")


def _unsharp(gray: np.ndarray, amount: float = 1.0, sigma: float = 2.0) -> np.ndarray:
    blurred = cv2.GaussianBlur(gray, (0, 0), sigma)
    return cv2.addWeighted(gray, 1.0 + amount, blurred, -amount, 0)


# Each rung yields the prepared views of the frame that zbar then reads, cheapest first.
Views = Callable[[np.ndarray], Iterator[np.ndarray]]


def _raw(gray: np.ndarray) -> Iterator[np.ndarray]:
    yield gray


def _inverted(gray: np.ndarray) -> Iterator[np.ndarray]:
    yield cv2.bitwise_not(gray)


def _contrast(gray: np.ndarray) -> Iterator[np.ndarray]:
    clahe = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8))  # per call: threads
    yield clahe.apply(gray)


def _sharpen(gray: np.ndarray) -> Iterator[np.ndarray]:
    yield _unsharp(gray)


MAX_VIEW_PIXELS = 1_300_000
"""Enlarged region views stay below this size (zbar time grows with pixels)."""


def _regions(gray: np.ndarray) -> Iterator[np.ndarray]:
    for region in regions.find_regions(gray):
        patch = regions.crop(gray, region)
        angle = region.angle if region.linear else 0.0
        upright = regions.rotate_bound(patch, angle)
        if regions.light_on_dark(upright):
            patch = cv2.bitwise_not(patch)
        limit = (MAX_VIEW_PIXELS / upright.size) ** 0.5
        for scale in (2.0, 3.0):
            if scale > limit:
                break
            view = regions.rotate_bound(patch, angle, scale)
            yield view
            yield _unsharp(view, 1.0, scale)


def _rotations(gray: np.ndarray) -> Iterator[np.ndarray]:
    for angle in (15.0, -15.0, 30.0, -30.0):
        yield regions.rotate_bound(gray, angle)


def _upscale(gray: np.ndarray) -> Iterator[np.ndarray]:
    yield cv2.resize(gray, None, fx=2.0, fy=2.0, interpolation=cv2.INTER_CUBIC)


def _threshold(gray: np.ndarray) -> Iterator[np.ndarray]:
    yield cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, 31, 5)


VIEWS: dict[str, Views] = {
    "raw": _raw,
    "inverted": _inverted,
    "contrast": _contrast,
    "sharpen": _sharpen,
    "regions": _regions,
    "rotations": _rotations,
    "upscale": _upscale,
    "threshold": _threshold,
}
STEPS = (*VIEWS, "model")
TRUSTED_STEPS = ("raw", "inverted", "model")
"""1D reads from these rungs stand alone; from others they need a second agreeing view."""


def model_reads(gray: np.ndarray, symbologies: Sequence[str]) -> list[Decoded]:
    """Blurred 1D codes (:mod:`.linear`): accepted when two bands of the bars read the same
    text and no band reads another."""
    wanted = tuple(s for s in LINEAR if s in symbologies)
    for region in regions.find_regions(gray) if wanted else []:
        if not region.linear:
            continue
        upright = regions.upright_bars(gray, region)
        if regions.light_on_dark(upright):
            upright = 255.0 - upright
        votes: Counter[tuple[str, str]] = Counter()
        for profile in regions.bar_profiles(upright):
            read = linear.decode_profile(profile, wanted)
            if read is not None:
                votes[(read.symbology, read.text)] += 1
        if len(votes) == 1 and votes.most_common(1)[0][1] >= 2:
            symbology, text = next(iter(votes))
            return [Decoded(symbology, text, "model", text.encode("latin-1", "replace"))]
    return []


def _reads(name: str, gray: np.ndarray, symbologies: Sequence[str]) -> Iterator[list[Decoded]]:
    """The reads of each view of one rung."""
    if name == "model":
        yield model_reads(gray, symbologies)
        return
    scanner = reader(symbologies)
    for view in VIEWS[name](gray):
        yield [_decoded(symbol, name) for symbol in scanner.scan(view)]


def _decoded(symbol: RawSymbol, step: str) -> Decoded:
    return Decoded(symbol.symbology, payload_text(symbol.data, symbol.binary), step, symbol.data)


def _trusted(read: Decoded) -> bool:
    return read.symbology not in LINEAR_ZBAR or read.step in TRUSTED_STEPS


LINEAR_ZBAR = ("CODE128", "EAN13", "CODE39", "EAN8", "UPCA", "UPCE", "I25", "CODE93", "CODABAR")


def decode_frame(
    frame: np.ndarray,
    *,
    ladder: str | Sequence[str] = "full",
    symbologies: Sequence[str] = DEFAULT_SYMBOLOGIES,
    budget_s: float | None = None,
) -> list[Decoded]:
    """The codes in ``frame`` (BGR or gray), from the first ladder rung that reads any.

    ``ladder`` is ``"fast"`` (the raw rung only), ``"full"`` or a sequence of rung names.
    QR codes (Reed-Solomon protected) and 1D reads of the raw, inverted and model rungs
    are accepted at once. zbar misreads 1D codes in resampled views now and then, so a
    1D read of another rung counts only when two of the rung's views agree, and beats a
    rival of the same symbology only with more than half of the votes; a lone read is
    returned with ``confirmed=False`` if the ladder ends without anything better. With
    ``budget_s`` no new view starts once that much time has passed.
    """
    names = LADDERS[ladder] if isinstance(ladder, str) else tuple(ladder)
    unknown = [n for n in names if n not in STEPS]
    if unknown:
        raise ValueError(f"unknown ladder steps {unknown}; known: {', '.join(STEPS)}")
    gray = to_gray(frame)
    if gray.size == 0:
        return []
    deadline = None if budget_s is None else time.perf_counter() + budget_s
    votes: Counter[tuple[str, str]] = Counter()
    first: dict[tuple[str, str], Decoded] = {}
    for name in names:
        for reads in _reads(name, gray, symbologies):
            for read in reads:
                first.setdefault((read.symbology, read.payload), read)
            votes.update({(read.symbology, read.payload) for read in reads})
            if any(_trusted(read) for read in reads):
                break
            if deadline is not None and time.perf_counter() > deadline:
                break
        chosen = _elect(first, votes)
        if chosen:
            return chosen
        if deadline is not None and time.perf_counter() > deadline:
            break
    return _unconfirmed(first, votes)


def _elect(first: dict[tuple[str, str], Decoded], votes: Counter) -> list[Decoded]:
    """Trusted reads, and 1D reads with two votes that hold a majority in their symbology."""
    top: Counter[str] = Counter()
    for (symbology, _), count in votes.items():
        top[symbology] = max(top[symbology], count)
    return [
        read
        for key, read in first.items()
        if _trusted(read) or (votes[key] >= 2 and votes[key] * 2 > top[read.symbology])
    ]


def _unconfirmed(first: dict[tuple[str, str], Decoded], votes: Counter) -> list[Decoded]:
    if not first:
        return []
    best = max(first, key=lambda k: votes[k])
    return [replace(first[best], confirmed=False)]
