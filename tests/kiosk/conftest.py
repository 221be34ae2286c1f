"""Fixtures for the kiosk tests: GUI (Xvfb, launch_app); the printer simulator is in
tests/conftest.py."""

from ui.testing import gui_display, launch_app  # noqa: F401  (fixtures)
