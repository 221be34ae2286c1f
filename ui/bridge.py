"""Hand work from MQTT (or any) threads to Kivy's main thread.

Kivy widgets may only be touched on the main thread. paho-mqtt calls handlers on
its own threads, so every handler that changes what the screen shows goes
through :func:`on_main` (``Clock.schedule_once`` is the one thread-safe entry).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


def call_on_main(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Run ``fn(*args, **kwargs)`` at the next frame on Kivy's main thread."""
    from kivy.clock import Clock

    def run(_dt: float) -> None:
        try:
            fn(*args, **kwargs)
        except Exception:  # a raise here would stop the app's event loop
            log.exception("main-thread call %r failed", fn)

    Clock.schedule_once(run, 0)


def on_main(fn: Callable[..., Any]) -> Callable[..., None]:
    """Decorator: calling the result from any thread runs ``fn`` on the main thread."""

    def wrapper(*args: Any, **kwargs: Any) -> None:
        call_on_main(fn, *args, **kwargs)

    wrapper.__name__ = getattr(fn, "__name__", "on_main")
    wrapper.__doc__ = fn.__doc__
    return wrapper


def json_handler(fn: Callable[[str, dict[str, Any]], Any]) -> Callable[[Any], None]:
    """An MQTT handler that parses the JSON payload off the main thread, then calls
    ``fn(topic, body)`` on the main thread. An empty payload (a cleared retained
    message) arrives as ``{}``; an unreadable one is logged and dropped."""

    def handler(msg: Any) -> None:
        try:
            body = json.loads(msg.payload) if msg.payload else {}
        except ValueError:
            log.warning("unreadable JSON on %s", msg.topic)
            return
        call_on_main(fn, msg.topic, body)

    return handler


def run_in_background(
    work: Callable[[], T],
    done: Callable[[T], Any],
    failed: Callable[[BaseException], Any] | None = None,
    name: str = "ui-work",
    executor: Executor | None = None,
) -> Future[T]:
    """Run blocking ``work`` (an MQTT request, a print) on a thread; deliver its
    result to ``done`` (or the exception to ``failed``) on the main thread.

    With ``executor`` (e.g. one ``ThreadPoolExecutor(1)`` per app) the work runs on its
    long-lived thread instead of a new thread per call: fewer malloc arenas, and jobs
    run in order."""
    fut: Future[T] = Future()

    def target() -> None:
        try:
            result = work()
        except BaseException as exc:
            fut.set_exception(exc)
            if failed is not None:
                call_on_main(failed, exc)
            else:
                log.exception("background work %s failed", name)
            return
        fut.set_result(result)
        call_on_main(done, result)

    if executor is not None:
        executor.submit(target)
    else:
        threading.Thread(target=target, name=name, daemon=True).start()
    return fut
