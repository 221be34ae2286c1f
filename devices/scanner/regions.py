"""Where the codes are in a frame, which way their bars run, and their bar profiles.

Regions come from gradient energy (printed codes are the busiest texture in a kiosk
frame); the structure tensor of a region gives its dominant gradient direction, and its
coherence tells 1D barcodes (one direction, coherence ~0.8) from QR codes (~0.05).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Region:
    x: int
    y: int
    w: int
    h: int
    angle: float
    """Direction of the dominant gradient in degrees; rotating by it makes bars vertical."""
    coherence: float
    """0 (no dominant direction: QR, noise) .. 1 (parallel bars)."""

    @property
    def linear(self) -> bool:
        return self.coherence >= 0.5


def rotate_bound(image: np.ndarray, degrees: float, scale: float = 1.0) -> np.ndarray:
    """Rotate counter-clockwise about the centre, growing the canvas so nothing is cut."""
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, scale)
    return warp_bound(image, matrix)


def warp_bound(image: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Apply the 2x3 affine ``matrix``, translated so the whole image fits the canvas."""
    h, w = image.shape[:2]
    corners = np.array([[0, 0, 1], [w, 0, 1], [0, h, 1], [w, h, 1]], dtype=np.float64)
    mapped = corners @ np.asarray(matrix, dtype=np.float64).T
    low, high = mapped.min(axis=0), mapped.max(axis=0)
    shifted = np.array(matrix, dtype=np.float64)
    shifted[:, 2] -= low
    nw, nh = int(high[0] - low[0] + 0.5), int(high[1] - low[1] + 0.5)
    return cv2.warpAffine(
        image, shifted, (max(nw, 1), max(nh, 1)), flags=cv2.INTER_CUBIC,
        borderMode=cv2.BORDER_REPLICATE,
    )  # fmt: skip


def rectify(image: np.ndarray, degrees: float, slope: float, scale: float = 1.0) -> np.ndarray:
    """Rotate by ``degrees`` (bars vertical), then shear rows by ``-slope`` (the code's long
    axis horizontal), in one resampling; columns stay vertical, so the bars do too."""
    h, w = image.shape[:2]
    rotation = np.vstack([cv2.getRotationMatrix2D((w / 2, h / 2), degrees, scale), [0, 0, 1]])
    shear = np.array([[1.0, 0.0, 0.0], [-slope, 1.0, 0.0], [0.0, 0.0, 1.0]])
    return warp_bound(image, (shear @ rotation)[:2])


def axis_slope(upright: np.ndarray, max_slope: float = 0.6) -> float:
    """Slope (dy/dx) of the long axis of the bars in an image whose bars are vertical.

    Under perspective or a sheared print the bars' tops and bottoms do not run at right
    angles to the bars; a scan line must then follow the code's axis, not the normal of
    its bars. The top and bottom of the longest vertical run of bar edges in each column
    are followed from the left third of the code to its right third (median of slopes).
    """
    img = upright.astype(np.float32)
    gx = np.abs(cv2.Sobel(img, cv2.CV_32F, 1, 0, ksize=3))
    gy = np.abs(cv2.Sobel(img, cv2.CV_32F, 0, 1, ksize=3))
    energy = cv2.blur(np.maximum(gx - gy, 0.0), (9, 3))
    peak = float(np.percentile(energy, 99.5))
    if peak <= 0:
        return 0.0
    mask = np.r_[
        np.zeros((1, img.shape[1]), bool), energy > 0.3 * peak, np.zeros((1, img.shape[1]), bool)
    ]
    columns, tops, bottoms = [], [], []
    for x in range(mask.shape[1]):
        edges = np.flatnonzero(np.diff(mask[:, x].astype(np.int8)))
        if len(edges) < 2:
            continue
        first, end = max(edges.reshape(-1, 2), key=lambda run: run[1] - run[0])
        if first > 0 and end < img.shape[0]:  # not a bar cut by the frame's edge
            columns.append(x)
            tops.append(first)
            bottoms.append(end)
    if len(columns) < 12:
        return 0.0
    xs, top, bottom = np.array(columns), np.array(tops), np.array(bottoms)
    length = bottom - top
    keep = length >= 0.5 * np.percentile(length, 90)
    xs, top, bottom = xs[keep], top[keep], bottom[keep]
    if len(xs) < 12:
        return 0.0
    third = len(xs) // 3
    dx = np.maximum(xs[-third:][None, :] - xs[:third][:, None], 1)
    up, down = (
        float(np.median((edge[-third:][None, :] - edge[:third][:, None]) / dx))
        for edge in (top, bottom)
    )
    # Tops and bottoms agree on a sheared code; when they do not (digits under the bars,
    # a bar cut by the frame), the gentler one is the safer guess.
    slope = (up + down) / 2 if abs(up - down) <= 0.03 else min(up, down, key=abs)
    return slope if abs(slope) <= max_slope else 0.0


def find_regions(gray: np.ndarray, limit: int = 3, min_area: int = 600) -> list[Region]:
    """Up to ``limit`` textured regions, largest first."""
    gx = cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3)
    energy = cv2.blur(cv2.magnitude(gx, gy), (9, 9))
    peak = float(energy.max())
    if peak < 20:  # blank frame
        return []
    scaled = cv2.convertScaleAbs(energy, alpha=255.0 / peak)
    _, mask = cv2.threshold(scaled, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((15, 15), np.uint8))
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((9, 9), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    contours = sorted(contours, key=cv2.contourArea, reverse=True)[:limit]
    regions = []
    for contour in contours:
        if cv2.contourArea(contour) < min_area:
            break
        x, y, w, h = cv2.boundingRect(contour)
        angle, coherence = _orientation(gx[y : y + h, x : x + w], gy[y : y + h, x : x + w])
        regions.append(Region(x, y, w, h, angle, coherence))
    return regions


def _orientation(gx: np.ndarray, gy: np.ndarray) -> tuple[float, float]:
    jxx, jyy, jxy = float((gx * gx).sum()), float((gy * gy).sum()), float((gx * gy).sum())
    theta = 0.5 * math.atan2(2 * jxy, jxx - jyy)
    coherence = math.hypot(jxx - jyy, 2 * jxy) / (jxx + jyy + 1e-9)
    return math.degrees(theta), coherence


def crop(gray: np.ndarray, region: Region, pad: int = 20) -> np.ndarray:
    """The region with a margin (quiet zones live there)."""
    y0, x0 = max(0, region.y - pad), max(0, region.x - pad)
    return gray[y0 : region.y + region.h + pad, x0 : region.x + region.w + pad]


def _sharpness(rotated: np.ndarray) -> float:
    h = rotated.shape[0]
    band = rotated[int(h * 0.3) : int(h * 0.6)]
    return float(np.abs(np.diff(band.mean(axis=0))).sum())


def upright_bars(gray: np.ndarray, region: Region) -> np.ndarray:
    """The region rotated so its bars are vertical (the angle refined to the sharpest profile),
    then sheared so the code's long axis is horizontal (:func:`axis_slope`)."""
    patch = crop(gray, region).astype(np.float32)
    angle = max(
        (region.angle + delta for delta in np.arange(-3.0, 3.01, 0.5)),
        key=lambda a: _sharpness(rotate_bound(patch, a)),
    )
    slope = axis_slope(rotate_bound(patch, angle))
    return rectify(patch, angle, slope) if slope else rotate_bound(patch, angle)


def _bar_rows(upright: np.ndarray) -> tuple[int, int]:
    """The longest run of rows crossing many edges (the bars, not the digits under them)."""
    energy = np.abs(np.diff(upright, axis=1)).sum(axis=1)
    energy = np.convolve(energy, np.ones(5) / 5, mode="same")
    on = np.r_[False, energy > 0.6 * energy.max(), False].astype(np.int8)
    runs = np.flatnonzero(np.diff(on)).reshape(-1, 2)
    first, end = max(runs, key=lambda run: run[1] - run[0])
    return int(first), int(end)


def bar_profiles(upright: np.ndarray, bands: int = 3) -> list[np.ndarray]:
    """Column means over the middle of the bars, then over ``bands - 1`` narrower bands.

    A band of many rows averages the sensor noise away; narrower bands suffer less from
    bars that converge under perspective.
    """
    first, end = _bar_rows(upright)
    height = end - first
    if height < 4:
        return []
    spans = [(0.2, 0.8), (0.15, 0.5), (0.5, 0.85)][:bands]
    return [
        upright[first + int(height * a) : first + max(int(height * b), int(height * a) + 1)].mean(
            axis=0
        )
        for a, b in spans
    ]


def light_on_dark(patch: np.ndarray) -> bool:
    """True for a light-on-dark code (phone screens): dark just outside its strong edges.

    Compares the level right outside the outermost strong edges of the middle rows (the
    quiet zones) with the mean level between them (bars and spaces).
    """
    h = patch.shape[0]
    profile = patch[h // 3 : max(2 * h // 3, h // 3 + 1)].astype(np.float32).mean(axis=0)
    step = np.abs(np.diff(profile))
    if step.size == 0 or step.max() < 10:
        return False
    strong = np.flatnonzero(step > 0.5 * step.max())
    first, last = int(strong[0]), int(strong[-1]) + 1
    margin = max(3, (last - first) // 20)
    outside = np.r_[profile[max(0, first - margin) : first], profile[last + 1 : last + 1 + margin]]
    if outside.size == 0 or last - first < 4:
        return False
    return float(outside.mean()) < float(profile[first : last + 1].mean())
