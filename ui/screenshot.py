"""Save what the window shows as a PNG at an exact path (Kivy's own helper numbers files)."""

from __future__ import annotations

from pathlib import Path


def save_window_png(path: str | Path) -> Path:
    """Read the window's pixels and write them to ``path``; call on the main thread
    after a frame was drawn (e.g. from a ``Clock.schedule_once`` callback)."""
    from kivy.core.window import Window
    from kivy.graphics.opengl import GL_RGB, GL_UNSIGNED_BYTE, glReadPixels
    from PIL import Image

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    width, height = (int(v) for v in Window.size)
    data = glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE)
    image = Image.frombytes("RGB", (width, height), bytes(data))
    image.transpose(Image.Transpose.FLIP_TOP_BOTTOM).save(path)
    return path
