from ui.testing import gui_display, launch_app  # noqa: F401  (fixtures)
