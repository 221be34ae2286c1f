"""Decode the codes in one camera frame: zbar behind a ladder of image preparations.

The first rung (zbar on the grayscale frame) is cheap and reads most codes. Each later
rung rescues a known kind of bad frame and runs only when the rungs before it found
nothing; the ladder stops at the first rung that reads something:

==============  ================================================================
``raw``         zbar on the grayscale frame
``inverted``    light-on-dark codes (phone screens in dark mode)
``contrast``    CLAHE: glare and uneven light
``sharpen``     unsharp mask: slightly out-of-focus frames
``regions``     each textured region cut out, bars upright and axis level, enlarged
``rotations``   the whole frame turned by ±15° / ±30° (tilt beyond zbar's tolerance)
``upscale``     the whole frame enlarged twice (codes too small for zbar's edges)
``threshold``   adaptive threshold (shadows across the code)
``half``        half size inside a quiet border, straight and turned (large codes, codes
                whose quiet zone or finder corner the frame's edge cuts off)
``model``       model-based decoding of blurred 1D codes (:mod:`.linear`)
==============  ================================================================
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from . import linear, regions
from .text import payload_text
from .zbar import DEFAULT_SYMBOLOGIES, RawSymbol, reader

FIRST_PASS = ("raw",)
FULL = (
    "raw", "inverted", "contrast", "sharpen", "regions",
    "rotations", "upscale", "threshold", "half", "model",
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
    quality: int = 0
    """zbar's count of scan lines that read this text in the view; for a model read, the
    row bands that agreed."""


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
    """Each region rectified: bars vertical, the code's axis level (perspective and sheared
    prints), dark on light, enlarged; then the same smoothed along the bars (noise averages
    out, edges stay) and sharpened."""
    for region in regions.find_regions(gray):
        patch = regions.crop(gray, region)
        angle = region.angle if region.linear else 0.0
        upright = regions.rotate_bound(patch, angle)
        slope = regions.axis_slope(upright) if region.linear else 0.0
        if regions.light_on_dark(upright):
            patch = cv2.bitwise_not(patch)
        limit = (MAX_VIEW_PIXELS / upright.size) ** 0.5
        for scale in (2.0, 3.0):
            if scale > limit:
                break
            view = regions.rectify(patch, angle, slope, scale)
            yield view
            if region.linear:
                yield _along_bars(view, scale)
            yield _unsharp(view, 1.0, scale)


def _along_bars(view: np.ndarray, scale: float) -> np.ndarray:
    """Averaged along the (vertical) bars over a few original pixels, then sharpened across."""
    smooth = cv2.blur(view, (1, int(8 * scale) | 1))
    return _unsharp(smooth, 1.0, scale)


def _rotations(gray: np.ndarray) -> Iterator[np.ndarray]:
    for angle in (15.0, -15.0, 30.0, -30.0):
        yield regions.rotate_bound(gray, angle)


def _upscale(gray: np.ndarray) -> Iterator[np.ndarray]:
    yield cv2.resize(gray, None, fx=2.0, fy=2.0, interpolation=cv2.INTER_CUBIC)


def _threshold(gray: np.ndarray) -> Iterator[np.ndarray]:
    yield cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, 31, 5)


def _half(gray: np.ndarray) -> Iterator[np.ndarray]:
    """Half size (large modules averaged), inside a border of the frame's light level: a
    code cut by the frame's edge gets a quiet zone back. Turned by 30° and 45° too, so
    scan lines cross a QR finder whose corner is cut off through its other corners."""
    light = int(np.percentile(gray, 90))
    small = cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    pad = max(8, min(small.shape) // 20)
    small = cv2.copyMakeBorder(small, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=light)
    yield small
    for angle in (30.0, -30.0, 45.0):
        yield regions.rotate_bound(small, angle)


VIEWS: dict[str, Views] = {
    "raw": _raw,
    "inverted": _inverted,
    "contrast": _contrast,
    "sharpen": _sharpen,
    "regions": _regions,
    "rotations": _rotations,
    "upscale": _upscale,
    "threshold": _threshold,
    "half": _half,
}
STEPS = (*VIEWS, "model")
TRUSTED_STEPS = ("raw", "inverted", "model")
"""1D reads from these rungs stand alone; from others they need a second agreeing view."""
WEAK_CHECK = ("EAN13", "EAN8", "UPCA", "UPCE", "I25", "CODABAR", "CODE39")
"""1D symbologies whose check (a mod-10 digit, or none) lets a misread through."""
SOLO_QUALITY = 10
"""A weak-check read stands alone only when this many of zbar's scan lines agreed on it."""
STRONG_LINES = 3
"""A resampled view's 1D read backs a vote when this many scan lines read it (misreads
seen in such views were all on a single line)."""


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
        for band, profile in enumerate(regions.bar_profiles(upright)):
            if band == 2 and not votes:
                break  # the last band alone cannot make two votes
            read = linear.decode_profile(profile, wanted)
            if read is not None:
                votes[(read.symbology, read.text)] += 1
        if len(votes) == 1 and votes.most_common(1)[0][1] >= 2:
            symbology, text = next(iter(votes))
            data = text.encode("latin-1", "replace")
            return [Decoded(symbology, text, "model", data, quality=votes[(symbology, text)])]
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
    text = payload_text(symbol.data, symbol.binary)
    return Decoded(symbol.symbology, text, step, symbol.data, quality=symbol.quality)


def _trusted(read: Decoded) -> bool:
    """A read that stands alone: QR codes (Reed-Solomon), model reads (band agreement) and
    raw or inverted 1D reads; a weak-check one only if enough scan lines agreed on it."""
    if read.symbology not in LINEAR_ZBAR or read.step == "model":
        return True
    if read.step not in TRUSTED_STEPS:
        return False
    return read.symbology not in WEAK_CHECK or read.quality >= SOLO_QUALITY


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
    QR codes (Reed-Solomon protected), model reads (bands agree) and 1D reads of the raw
    and inverted rungs are accepted at once, a weak-check one (EAN13: one mod-10 digit)
    only when ``SOLO_QUALITY`` of zbar's scan lines agreed. zbar misreads 1D codes in
    resampled views now and then, so another 1D read counts only when two views agree and
    it holds more than half of the votes of its symbology; a weak-check read needs, over
    its views, ``SOLO_QUALITY`` agreeing scan lines and more than twice as many as any
    rival text. A lone read is returned with ``confirmed=False`` if the ladder ends
    without anything better (callers that act on codes drop it). With ``budget_s`` no new
    view starts once that much time has passed.
    """
    names = LADDERS[ladder] if isinstance(ladder, str) else tuple(ladder)
    unknown = [n for n in names if n not in STEPS]
    if unknown:
        raise ValueError(f"unknown ladder steps {unknown}; known: {', '.join(STEPS)}")
    gray = to_gray(frame)
    if gray.size == 0:
        return []
    deadline = None if budget_s is None else time.perf_counter() + budget_s
    tally = _Tally()
    for name in names:
        for reads in _reads(name, gray, symbologies):
            tally.add(reads)
            if any(_trusted(read) for read in reads):
                break
            if deadline is not None and time.perf_counter() > deadline:
                break
        chosen = tally.elect()
        if chosen:
            return chosen
        if deadline is not None and time.perf_counter() > deadline:
            break
    return tally.unconfirmed()


Key = tuple[str, str]


@dataclass
class _Tally:
    """The evidence for each (symbology, text) over the views read so far."""

    first: dict[Key, Decoded] = field(default_factory=dict)
    votes: Counter[Key] = field(default_factory=Counter)
    """Views that read it."""
    lines: Counter[Key] = field(default_factory=Counter)
    """zbar scan lines that read it, over those views."""
    sharpest: Counter[Key] = field(default_factory=Counter)
    """Most scan lines that read it in one view."""
    rungs: dict[Key, set[str]] = field(default_factory=dict)
    """The rungs whose views read it."""
    trusted: set[Key] = field(default_factory=set)

    def add(self, reads: list[Decoded]) -> None:
        best: dict[Key, int] = {}
        for read in reads:
            key = (read.symbology, read.payload)
            self.first.setdefault(key, read)
            best[key] = max(best.get(key, 0), read.quality)
            self.rungs.setdefault(key, set()).add(read.step)
            if _trusted(read):
                self.trusted.add(key)
        for key, quality in best.items():
            self.votes[key] += 1
            if self.first[key].step != "model":
                self.lines[key] += quality
                self.sharpest[key] = max(self.sharpest[key], quality)

    def _rival_lines(self, key: Key) -> int:
        return max((n for k, n in self.lines.items() if k[0] == key[0] and k != key), default=0)

    def _accepted(self, key: Key) -> bool:
        symbology = key[0]
        # zbar can read one worn code two ways on different scan lines: a text must hold
        # more than twice the scan lines of any rival of its symbology.
        clear = self.lines[key] > 2 * self._rival_lines(key)
        if symbology in WEAK_CHECK and self.first[key].step != "model":
            enough = key in self.trusted or (
                self.votes[key] >= 2 and self.lines[key] >= SOLO_QUALITY
            )
            return clear and enough
        if key in self.trusted:
            return True
        if not clear:
            return False
        top = max(n for k, n in self.votes.items() if k[0] == symbology)
        # Views of one rung are alike (a view, smoothed, sharpened): a misread on a single
        # scan line repeats in each. So one of them must hold it on STRONG_LINES scan
        # lines, or another rung must read it too.
        independent = self.sharpest[key] >= STRONG_LINES or len(self.rungs[key]) >= 2
        return self.votes[key] >= 2 and self.votes[key] * 2 > top and independent

    def elect(self) -> list[Decoded]:
        """Trusted reads, and 1D reads that enough agreeing views hold against rivals."""
        return [read for key, read in self.first.items() if self._accepted(key)]

    def unconfirmed(self) -> list[Decoded]:
        if not self.first:
            return []
        best = max(self.first, key=lambda k: (self.votes[k], self.lines[k]))
        return [replace(self.first[best], confirmed=False)]
