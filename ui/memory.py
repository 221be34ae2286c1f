"""Keep a long-running Kivy app's memory flat and its collector pauses short.

A kiosk runs all day and builds a screen each time one is shown (see ``kiosk/app.py``).
Every Kivy widget is in a reference cycle with itself (its properties hold bound
methods of it), so a screen left behind is freed only by Python's cyclic collector,
never by reference counting. Left to itself, the collector runs a full collection
rarely (when a quarter as many objects as survive it have piled up), so left screens
pile up and Python's 1 MiB object arenas grow with them; each of those full
collections walks every object of every imported module: 130-260 ms with the kiosk's
~640 modules, a pause the applicant feels. What :class:`ScreenGarbage` does instead:

- :func:`dismantle` takes a left screen apart at once: its canvas instructions and
  label textures (process memory under a software renderer) go by reference counting;
- once modules have been imported, what is alive then (modules, classes, the config,
  the contract models) is moved out of the collector's sight with :func:`gc.freeze`:
  it lives as long as the process anyway. This happens between two screens, after a
  collection, so no screen and no garbage is frozen with it;
- half a second after a switch (after Kivy's double-tap window, while a touch can
  still hold the left screen) one full collection frees the left screen's objects:
  it walks only what is not frozen (2-12 ms with nothing to free; 35-43 ms median in
  the bench, most of it the left screen's own teardown).

Also here: :func:`tune_malloc`, :func:`trim_heap` (glibc) and :func:`rss_mb`, and
:class:`GcPauses`, which records how long each collection held the main thread.
"""

from __future__ import annotations

import functools
import gc
import os
import sys
import time
import weakref
from collections import deque
from typing import Any


def dismantle(widget: Any) -> None:
    """Take ``widget``'s tree apart, leaves first, so its canvases and textures are
    freed now instead of at the next cyclic collection."""
    for child in list(widget.children):
        dismantle(child)
    widget.clear_widgets()


class ScreenGarbage:
    """What an app that builds screens when shown and drops them when left calls
    around each switch of its ``ScreenManager`` (see the module docstring):
    :meth:`take_off`, then :meth:`settle`, then build and show the next screen, then
    :meth:`switched`."""

    def __init__(self, delay_s: float = 0.5) -> None:
        from kivy.clock import Clock

        self._modules_frozen = 0
        self.freezes = 0
        self.left: weakref.WeakSet[Any] = weakref.WeakSet()
        """Screens taken off and not freed yet (for tests and the bench)."""
        self._placeholder: Any = None
        self._collect = Clock.create_trigger(lambda _dt: gc.collect(), delay_s)

    def take_off(self, manager: Any) -> None:
        """Take every screen off ``manager`` and apart. The manager and its transition
        then hold none of them (a transition keeps the last screens it moved, and
        ``NoTransition`` takes no None: they get an empty placeholder screen)."""
        from kivy.uix.screenmanager import Screen

        for screen in list(manager.screens):
            manager.remove_widget(screen)
            dismantle(screen)
            self.left.add(screen)
        if self._placeholder is None:
            self._placeholder = Screen(name="")
        manager.transition.screen_in = manager.transition.screen_out = self._placeholder

    def settle(self) -> None:
        """Between two screens: if modules were imported since the last time, collect
        and freeze what is alive (garbage and screens are not: none is on show)."""
        if len(sys.modules) > self._modules_frozen:
            gc.collect()
            gc.freeze()
            self._modules_frozen = len(sys.modules)
            self.freezes += 1

    def switched(self) -> None:
        """The next screen is on show: collect the left one a moment later."""
        self._collect()


class GcPauses:
    """How long each cyclic collection held this thread: the last ``keep`` of them,
    in milliseconds, by generation (recorded through :data:`gc.callbacks`)."""

    def __init__(self, keep: int = 4096) -> None:
        self.pauses: deque[tuple[int, float]] = deque(maxlen=keep)
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses.append((info["generation"], (time.perf_counter() - self._started) * 1e3))

    def summary(self) -> dict[str, float]:
        """Count and longest pause over all collections and over full ones."""
        full = sorted(ms for generation, ms in self.pauses if generation == 2)
        every = [ms for _generation, ms in self.pauses]
        return {
            "collections": len(every),
            "max_ms": round(max(every, default=0.0), 1),
            "full_collections": len(full),
            "full_median_ms": round(full[len(full) // 2], 1) if full else 0.0,
            "full_max_ms": round(max(full, default=0.0), 1),
        }


@functools.cache
def _libc() -> Any:
    """glibc, loaded once (``find_library`` runs ``ldconfig``: ~2 ms a call, and the idle
    kiosk trims its heap every 30 s); None where there is none."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        return ctypes.CDLL(name)
    except OSError:
        return None


def tune_malloc() -> None:
    """glibc malloc settings for a long-running app (before its threads start).

    Label textures, print rasters and the software renderer's shader compiles come
    and go all day. By default glibc raises its mmap threshold after each large free
    (up to 32 MB), so such blocks then come from the heap and leave it fragmented, and
    each thread that allocates may get an arena of its own. A fixed 64 KiB threshold
    gives them their own mappings, returned whole when freed; two arenas for the
    main, worker, MQTT and renderer threads. A no-op where there is no glibc."""
    m_mmap_threshold, m_arena_max = -3, -8  # <malloc.h>
    mallopt = getattr(_libc(), "mallopt", None)
    if mallopt is not None:
        mallopt(m_arena_max, 2)
        mallopt(m_mmap_threshold, 64 * 1024)


def rss_mb() -> float:
    """This process's resident set size in MiB: what psutil's ``memory_info().rss``
    reads (``/proc/self/statm``), without importing psutil (1.1 MB) into the process
    being measured."""
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        import psutil

        return psutil.Process().memory_info().rss / 2**20


def trim_heap() -> None:
    """Give freed heap pages back to the system (glibc keeps them after label and print
    buffers come and go); a no-op where there is no glibc."""
    malloc_trim = getattr(_libc(), "malloc_trim", None)
    if malloc_trim is not None:
        malloc_trim(0)
