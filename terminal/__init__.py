"""Window terminal: the screen a window's staff call, serve and hand over tickets with.

- :mod:`terminal.presenter` — view state from ``state/window/<W>``, ``state/queues`` and events.
- :mod:`terminal.outbox` — one command at a time, held while offline and sent once when back
  (same command id), or refused clearly; never doubled.
- :mod:`terminal.link` — the window's MQTT connection, kept up in the background.
- :mod:`terminal.app` + ``terminal/window.kv`` — the Kivy view (``hall window W03``).
"""
