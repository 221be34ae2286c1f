"""An X virtual framebuffer for GUI apps on a machine without a screen (tests, demo, bench)."""

from __future__ import annotations

import os
import subprocess

from hall.net import stop_process

SCREEN = "1920x1080x24"


class Xvfb:
    """An X virtual framebuffer on a display number it picks itself."""

    def __init__(self, screen: str = SCREEN):
        read_fd, write_fd = os.pipe()
        self.proc = subprocess.Popen(
            [
                "Xvfb",
                "-displayfd",
                str(write_fd),
                "-screen",
                "0",
                screen,
                "-nolisten",
                "tcp",
                "+extension",
                "GLX",
                "-ac",
            ],
            pass_fds=(write_fd,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(write_fd)
        with os.fdopen(read_fd) as pipe:
            number = pipe.readline().strip()
        if not number:
            self.stop()
            raise RuntimeError("Xvfb did not start")
        self.display = f":{number}"

    def stop(self) -> None:
        stop_process(self.proc, 5.0)
