"""Shared Kivy base for every hall screen (kiosk, lobby display, terminals, sign-in).

How to build a screen on it::

    from ui.boot import WindowSettings, configure
    configure(WindowSettings(width=1280, height=800, kiosk=True))   # before any Kivy import
    from ui.app import HallApp                                       # imports Kivy
    from ui.bridge import json_handler, run_in_background, on_main

    class LobbyApp(HallApp):
        def build(self):
            # in kv: text: app.tr("display.title", app.lang)
            root = Builder.load_file("display/lobby.kv")
            client.subscribe(topics.state("board"), json_handler(self.on_board))  # runs on main
            return root
        def driver_state(self):          # what GUI tests read
            return {"screen": ..., "lang": self.lang}

    LobbyApp(lang="zh-Hant").run()

Pieces:

- :mod:`ui.boot` — Kivy environment and window/kiosk settings (fullscreen, no cursor,
  no multitouch marks, Escape does not quit, no screensaver); call first.
- :mod:`ui.fonts` — the CJK font becomes Kivy's default for every widget (HallApp does it).
- :mod:`ui.app` — :class:`~ui.app.HallApp`: ``lang`` property + ``tr()`` for the language
  switch, ``screenshot(path)``, ``screenshot_every(dir, seconds)``, close refused in kiosk mode,
  connects to a test driver when ``HALL_UI_DRIVER`` is set.
- :mod:`ui.bridge` — MQTT/other threads → Kivy main thread: ``call_on_main``, ``@on_main``,
  ``json_handler`` (MQTT handler), ``run_in_background(work, done, failed)``.
- :mod:`ui.link` — a screen's MQTT connection from a background thread: retries the first
  connect, delivers ``(topic, JSON object)``; ``connection_state`` for the connection badge.
- :mod:`ui.shell` — :class:`~ui.shell.ControllerApp`: the app around a screenless controller
  (started and stopped with the app, polled by ``tick``, redrawn through a Clock trigger);
  ``CONNECTION_GROUND``, ``MESSAGE_COLOUR``, ``KEY_NAMES``.
- :mod:`ui.launch` — a screen's command line: ``add_screen_arguments``, ``load_hall``,
  ``open_window``, ``endpoint_of``, ``window_of``.
- :mod:`ui.lang` — ``tr``, ``language_label`` (繁體 / 简体 / English), ``next_language``.
- :mod:`ui.widgets` + ``ui/widgets.kv`` — ``BigButton``, ``WrapLabel`` (wraps Chinese text
  without spaces, never clipped), ``LanguageBar``.
- :mod:`ui.driver` / :mod:`ui.testing` — GUI tests: fixtures ``gui_display`` (Xvfb) and
  ``launch_app(argv)`` returning an :class:`~ui.driver.AppDriver` that taps widgets by kv id
  (``tap("ok")``), text (``tap("text:確認")``) or ``ui_key`` attribute (``tap("key:entry:U01")``)
  with real touches, types like a scanner (``type("11010519491231002X")``), reads ``state()``,
  ``labels()``, ``clipped()`` (texts that do not fit), ``small_targets()`` (buttons under
  ``app.min_target_px``), presses keys (``request("press_key", 27)``) and ``screenshot(path)``.
  ``ui.xvfb.Xvfb`` gives a virtual screen outside pytest too (bench, demo).
- ``python -m ui.sample`` — the smallest app on the base, a template for a new screen.
"""
