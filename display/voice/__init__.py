"""Offline Mandarin call announcements: chime + phrase pieces rendered by espeak-ng, cached as WAV.

- :mod:`display.voice.phrases` — what is said for a call (pure: piece keys and texts).
- :mod:`display.voice.audio` — PCM helpers and the generated chime (numpy).
- :mod:`display.voice.tts` — the espeak-ng renderer and the on-disk WAV cache of pieces.
- :mod:`display.voice.player` — playback adapters: aplay / paplay, or a recording sink.
- :mod:`display.voice.announcer` — one ordered announcement queue with repeat, volume, mutes.
"""
