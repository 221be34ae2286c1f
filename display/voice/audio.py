"""PCM helpers (mono int16) and the call chime, generated offline with numpy."""

from __future__ import annotations

import io
import wave
from dataclasses import dataclass

import numpy as np

RATE = 22050
"""espeak-ng's output rate; everything is mixed at it."""


@dataclass(frozen=True)
class Clip:
    """Mono 16-bit PCM samples at :data:`RATE`."""

    samples: np.ndarray

    @property
    def seconds(self) -> float:
        return len(self.samples) / RATE

    def to_wav(self) -> bytes:
        buf = io.BytesIO()
        with wave.open(buf, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(RATE)
            w.writeframes(self.samples.astype("<i2").tobytes())
        return buf.getvalue()


def read_wav(data: bytes) -> Clip:
    """A WAV file's samples as a mono int16 clip at :data:`RATE` (resampled if needed)."""
    with wave.open(io.BytesIO(data), "rb") as w:
        channels, width, rate = w.getnchannels(), w.getsampwidth(), w.getframerate()
        frames = w.readframes(w.getnframes())
    if width != 2:
        raise ValueError(f"only 16-bit WAV is supported, got {8 * width}-bit")
    samples = np.frombuffer(frames, dtype="<i2").astype(np.int16)
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1).astype(np.int16)
    if rate != RATE and len(samples):
        n = round(len(samples) * RATE / rate)
        x = np.linspace(0, len(samples) - 1, n)
        samples = np.interp(x, np.arange(len(samples)), samples).astype(np.int16)
    return Clip(samples)


def silence(seconds: float) -> Clip:
    return Clip(np.zeros(round(seconds * RATE), dtype=np.int16))


def trim(clip: Clip, threshold: int = 300, pad_s: float = 0.02) -> Clip:
    """Cut leading and trailing silence (espeak-ng pads every utterance)."""
    loud = np.flatnonzero(np.abs(clip.samples.astype(np.int32)) > threshold)
    if len(loud) == 0:
        return Clip(clip.samples[:0])
    pad = int(pad_s * RATE)
    start = max(0, int(loud[0]) - pad)
    end = min(len(clip.samples), int(loud[-1]) + pad + 1)
    return Clip(clip.samples[start:end])


def concat(clips: list[Clip]) -> Clip:
    if not clips:
        return Clip(np.zeros(0, dtype=np.int16))
    return Clip(np.concatenate([c.samples for c in clips]).astype(np.int16))


def scale(clip: Clip, volume: float) -> Clip:
    """Multiply by ``volume`` (0..1), clipped to int16."""
    v = min(max(volume, 0.0), 1.0)
    if v == 1.0:
        return clip
    return Clip(np.clip(clip.samples.astype(np.float32) * v, -32768, 32767).astype(np.int16))


def chime(seconds: float = 1.1) -> Clip:
    """A two-tone "ding-dong" (E6 then C6) with harmonics and an exponential decay."""
    half = seconds / 2
    parts = []
    for freq in (1318.5, 1046.5):
        t = np.arange(int(half * RATE)) / RATE
        tone = (
            np.sin(2 * np.pi * freq * t)
            + 0.35 * np.sin(2 * np.pi * 2 * freq * t)
            + 0.15 * np.sin(2 * np.pi * 3 * freq * t)
        )
        envelope = np.exp(-t * 5.0) * np.minimum(1.0, t / 0.005)
        parts.append(tone * envelope)
    wave_ = np.concatenate(parts)
    wave_ = wave_ / np.max(np.abs(wave_)) * 0.6 * 32767
    return Clip(wave_.astype(np.int16))
