"""Voice: phrase pieces, the real espeak-ng rendering, the chime and the ordered queue."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import numpy as np
import pytest

from display.voice.announcer import Announcement, Announcer, Composer, VoiceSettings
from display.voice.audio import RATE, chime, read_wav
from display.voice.phrases import all_pieces, call_pieces, call_text, number_words
from display.voice.player import RecordingSink
from display.voice.tts import EspeakRenderer, PieceCache


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> PieceCache:
    return PieceCache(EspeakRenderer(), tmp_path_factory.mktemp("voice"))


def _find(haystack: np.ndarray, needle: np.ndarray, start: int = 0) -> int:
    """Index of the exact sample sequence ``needle`` in ``haystack`` at or after ``start``."""
    k = int(np.argmax(np.abs(needle)))
    for i in np.flatnonzero(haystack[start + k :] == needle[k]):
        pos = start + int(i)
        if np.array_equal(haystack[pos : pos + len(needle)], needle):
            return pos
    raise AssertionError("piece not found in the announcement")


def test_numbers_and_pieces() -> None:
    assert [number_words(n) for n in (1, 5, 10, 15, 20, 36, 101)] == [
        "一",
        "五",
        "十",
        "十五",
        "二十",
        "三十六",
        "一百零一",
    ]
    texts = [p.text for p in call_pieces("A012", "W05")]
    assert texts == ["請", "A", "零", "一", "二", "號到", "五", "號窗口辦理"]
    assert [p.text for p in call_pieces("AB0107", "W36")][1:7] == ["A", "B", "零", "一", "零", "七"]
    assert call_text("A012", "W05") == "請 A012 號到 5 號窗口辦理"
    with pytest.raises(ValueError):
        call_pieces("12", "W05")
    keys = {p.key for p in all_pieces(["A", "B"], ["W01", "W36"])}
    assert {"letter-A", "letter-B", "digit-0", "digit-9", "num-1", "num-36"} <= keys


def test_chime_is_two_tones() -> None:
    clip = chime(1.0)
    assert abs(clip.seconds - 1.0) < 0.01
    half = len(clip.samples) // 2
    for part, freq in ((clip.samples[:half], 1318.5), (clip.samples[half:], 1046.5)):
        spectrum = np.abs(np.fft.rfft(part.astype(float)))
        peak = np.fft.rfftfreq(len(part), 1 / RATE)[int(np.argmax(spectrum))]
        assert abs(peak - freq) < 5


def test_render_call_wav_length_and_phrase_order(cache: PieceCache, tmp_path: Path) -> None:
    settings = VoiceSettings(repeat=2)
    sink = RecordingSink()
    announcer = Announcer(Composer(cache, settings), sink).start()
    try:
        announcer.enqueue(Announcement("A012", "W05"))
        played = sink.wait_for(1, timeout=30)[0]
    finally:
        announcer.stop()
    assert played.label == "請 A012 號到 5 號窗口辦理"
    with wave.open(io.BytesIO(played.wav)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, RATE)
    out = read_wav(played.wav).samples

    pieces = [cache.clip(p) for p in call_pieces("A012", "W05")]
    assert all(p.seconds > 0.1 for p in pieces), "a piece rendered as silence"
    assert len({p.samples.tobytes() for p in pieces}) == len(pieces), "two pieces sound the same"
    speech = sum(p.seconds for p in pieces)
    expected = (
        chime().seconds + 0.25 + 2 * speech + 2 * 7 * settings.piece_gap_s + settings.repeat_gap_s
    )
    assert abs(played.seconds - expected) < 0.01
    assert 6.0 < played.seconds < 20.0

    # The chime comes first, then the pieces in speaking order, twice.
    assert _find(out, chime().samples) == 0
    pos = 0
    for _ in range(2):
        for clip in pieces:
            at = _find(out, clip.samples, pos)
            assert at >= pos
            pos = at + len(clip.samples)
    assert pos <= len(out)


def test_mutes_and_volume(cache: PieceCache) -> None:
    loud = Composer(cache, VoiceSettings(repeat=1)).compose("B007", "W12")
    quiet = Composer(cache, VoiceSettings(repeat=1, volume=0.5)).compose("B007", "W12")
    assert loud is not None and quiet is not None
    assert abs(int(np.abs(quiet.samples).max()) - int(np.abs(loud.samples).max()) * 0.5) <= 1

    no_chime = Composer(cache, VoiceSettings(repeat=1, chime_muted=True)).compose("B007", "W12")
    assert no_chime is not None
    assert _find(no_chime.samples, cache.clip(call_pieces("B007", "W12")[0]).samples) == 0
    assert abs(loud.seconds - no_chime.seconds - chime().seconds - 0.25) < 0.01

    chime_only = Composer(cache, VoiceSettings(voice_muted=True)).compose("B007", "W12")
    assert chime_only is not None and abs(chime_only.seconds - chime().seconds - 0.25) < 0.01
    both = Composer(cache, VoiceSettings(voice_muted=True, chime_muted=True))
    assert both.compose("B007", "W12") is None


def test_queue_plays_in_order(cache: PieceCache) -> None:
    sink = RecordingSink()
    announcer = Announcer(Composer(cache, VoiceSettings(repeat=1)), sink).start()
    calls = [("A001", "W01"), ("B002", "W02"), ("A003", "W10"), ("C004", "W36")]
    try:
        for number, window in calls:
            announcer.enqueue(Announcement(number, window))
        played = sink.wait_for(len(calls), timeout=30)
    finally:
        announcer.stop()
    assert [p.label for p in played] == [call_text(n, w) for n, w in calls]
    assert [a.number for a in announcer.queued()] == [n for n, _ in calls]


def test_cache_survives_on_disk(cache: PieceCache, tmp_path: Path) -> None:
    piece = call_pieces("A012", "W05")[0]
    cache.clip(piece)
    assert cache.path_of(piece).is_file()
    again = PieceCache(cache.renderer, cache.directory.parent)
    assert np.array_equal(again.clip(piece).samples, cache.clip(piece).samples)


def test_voice_reads_han_as_mandarin_not_spelled_pinyin() -> None:
    """Debian's ``cmn`` voice spells many characters as English pinyin ("qing three");
    the default voice must say Mandarin syllables for every word of the phrase."""
    import subprocess

    from display.voice.phrases import DIGITS, WORD_PLEASE, WORD_TO, WORD_WINDOW
    from display.voice.tts import DEFAULT_VOICE

    for text in (WORD_PLEASE, WORD_TO, WORD_WINDOW, DIGITS, "三十六"):
        phonemes = subprocess.run(
            ["espeak-ng", "-v", DEFAULT_VOICE, "-q", "-x", text],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
        assert "(en)" not in phonemes, (text, phonemes)


def test_display_settings_file(tmp_path: Path) -> None:
    from display.settings import load_display_settings

    assert load_display_settings(tmp_path).voice.repeat == 2
    (tmp_path / "display.toml").write_text(
        "[display]\nmin_show_s = 2.5\n[voice]\nrepeat = 3\nvolume = 0.4\nchime_muted = true\n"
    )
    s = load_display_settings(tmp_path)
    assert s.display.min_show_s == 2.5
    a = s.voice.announcer_settings()
    assert (a.repeat, a.volume, a.chime_muted, a.voice_muted) == (3, 0.4, True, False)
    (tmp_path / "display.toml").write_text("[voice]\nrepeat = 0\n")
    with pytest.raises(ValueError):
        load_display_settings(tmp_path)


def test_display_runs_without_a_speech_engine(mini_config, tmp_path: Path, monkeypatch) -> None:
    """No espeak-ng on the machine: the display still runs, silently, and says why in the log."""
    from display.runtime import DisplayRuntime
    from display.settings import DisplaySettings
    from hall.mqtt import Endpoint

    monkeypatch.setenv("PATH", str(tmp_path))  # an empty PATH: espeak-ng cannot be found
    runtime = DisplayRuntime(
        mini_config,
        Endpoint("127.0.0.1", 1, "display-lobby", "x"),
        DisplaySettings(),
        tmp_path / "voice",
    )
    assert runtime.announcer is None
    assert runtime.presenter.announce is not None  # calls still flow; they are not voiced
