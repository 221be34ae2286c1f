"""espeak-ng rendering and the WAV cache of phrase pieces.

The baseline voice is espeak-ng's ``cmn-latn-pinyin``: the plain ``cmn`` voice of the Debian
package reads many Han characters as pinyin spelled in English ("qing three"), whereas the
pinyin variant reads them as Mandarin syllables; both spell single Latin letters the same.
Each piece is rendered once into ``<cache>/<voice>-<speed>/<key>-<hash>.wav`` and kept in
memory, so composing an announcement takes milliseconds.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import threading
from pathlib import Path

from display.voice.audio import Clip, read_wav, trim
from display.voice.phrases import Piece

DEFAULT_VOICE = "cmn-latn-pinyin"


class TtsError(RuntimeError):
    """The speech engine is missing or failed."""


class EspeakRenderer:
    """Speak a text into WAV bytes with espeak-ng (offline)."""

    def __init__(
        self, voice: str = DEFAULT_VOICE, speed: int = 150, binary: str = "espeak-ng"
    ) -> None:
        path = shutil.which(binary)
        if path is None:
            raise TtsError(f"{binary} not found; install the Debian package espeak-ng")
        self.binary = path
        self.voice = voice
        self.speed = speed

    @property
    def tag(self) -> str:
        return f"espeak-{self.voice}-{self.speed}"

    def render(self, text: str, timeout: float = 10.0) -> bytes:
        try:
            proc = subprocess.run(
                [self.binary, "-v", self.voice, "-s", str(self.speed), "--stdout", text],
                capture_output=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise TtsError(f"espeak-ng took over {timeout}s for {text!r}") from exc
        if proc.returncode != 0 or not proc.stdout.startswith(b"RIFF"):
            raise TtsError(f"espeak-ng failed for {text!r}: {proc.stderr.decode(errors='replace')}")
        return _fix_stream_header(proc.stdout)


def _fix_stream_header(data: bytes) -> bytes:
    """espeak-ng's ``--stdout`` WAV has unknown (0xFFFFFFFF) sizes: write the real ones."""
    if len(data) < 44 or data[12:16] != b"fmt ":
        return data
    fmt_len = int.from_bytes(data[16:20], "little")
    data_hdr = 20 + fmt_len
    if data[data_hdr : data_hdr + 4] != b"data":
        return data
    body = len(data) - data_hdr - 8
    out = bytearray(data)
    out[4:8] = (len(data) - 8).to_bytes(4, "little")
    out[data_hdr + 4 : data_hdr + 8] = body.to_bytes(4, "little")
    return bytes(out)


class PieceCache:
    """Rendered pieces on disk (survive restarts) and in memory (fast composition)."""

    def __init__(self, renderer: EspeakRenderer, directory: Path) -> None:
        self.renderer = renderer
        self.directory = Path(directory) / renderer.tag
        self._clips: dict[str, Clip] = {}
        self._lock = threading.Lock()

    def path_of(self, piece: Piece) -> Path:
        digest = hashlib.sha1(piece.text.encode()).hexdigest()[:10]
        return self.directory / f"{piece.key}-{digest}.wav"

    def clip(self, piece: Piece) -> Clip:
        """The trimmed clip of ``piece``: from memory, else the disk cache, else rendered."""
        with self._lock:
            cached = self._clips.get(piece.key)
            if cached is not None:
                return cached
        path = self.path_of(piece)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            data = self.renderer.render(piece.text)
            self.directory.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(data)
            tmp.replace(path)
        clip = trim(read_wav(data))
        with self._lock:
            self._clips[piece.key] = clip
        return clip

    def warm(self, pieces: list[Piece]) -> int:
        """Render (or load) every piece now; returns how many there are."""
        for piece in pieces:
            self.clip(piece)
        return len(pieces)
