"""GUI fixtures (Xvfb, launch_app) for the kiosk tests."""

from ui.testing import gui_display, launch_app  # noqa: F401  (fixtures)
