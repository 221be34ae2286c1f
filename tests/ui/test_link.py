"""ui.link.BackgroundLink against a real Mosquitto: a stop that comes while the first connect
is under way, and a ``prepare`` that fails."""

from __future__ import annotations

import threading

import pytest

from hall.mqtt import HallClient
from tests.support import Collector, RunningHall, wait_until
from ui.link import BackgroundLink

pytestmark = [pytest.mark.broker, pytest.mark.timeout(60)]


def test_a_link_stopped_while_connecting_closes_the_client_that_connects_after(
    hall: RunningHall,
) -> None:
    """A kiosk stops without waiting for its link (``stop(wait_s=0)``): the connect that
    succeeds afterwards must not leave a client connected, its status ``online``."""
    released = threading.Event()
    made: list[HallClient] = []
    connected: list[bool] = []

    def make() -> HallClient:
        client = HallClient(hall.endpoint("guide-01"), hall.topics, request_timeout_s=5.0)
        real = client.connect

        def connect(timeout: float = 5.0) -> HallClient:
            released.wait(10)  # the stop comes before this connect gets through
            return real(timeout)

        client.connect = connect  # type: ignore[method-assign]
        made.append(client)
        return client

    link = BackgroundLink(
        make,
        [],
        lambda _t, _b: None,
        "test link",
        "test-link",
        on_connected=lambda: connected.append(True),
    )
    link.start()
    wait_until(lambda: bool(made), 10, "the first connect attempt")
    link.stop(wait_s=0)
    released.set()
    assert link._thread is not None
    link._thread.join(10)
    assert not link._thread.is_alive()
    assert link.client is None and not connected
    assert not made[0].connected
    statuses = Collector()
    hall.client("display-lobby").subscribe(hall.topics.status("guide-01"), statuses)
    _topic, status = statuses.wait_for(lambda _t, b: bool(b), 10)
    assert status["state"] == "closed"


def test_a_failing_prepare_does_not_keep_the_link_from_connecting(hall: RunningHall) -> None:
    def prepare() -> None:
        raise OSError("printer port gone")

    link = BackgroundLink(
        lambda: HallClient(hall.endpoint("guide-01"), hall.topics, request_timeout_s=5.0),
        [],
        lambda _t, _b: None,
        "test link",
        "test-link",
        prepare=prepare,
    )
    link.start()
    try:
        wait_until(lambda: link.connected, 20, "the link connects")
    finally:
        link.stop()
