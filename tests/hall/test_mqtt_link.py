"""MqttLink's own housekeeping (no broker needed for these)."""

from __future__ import annotations

import pytest

from hall.mqtt import ConnectFailed, Endpoint, MqttLink
from hall.protocol import Topics


@pytest.mark.parametrize("host, port", [("", 1883), ("127.0.0.1", 0)])
def test_an_address_paho_refuses_leaves_no_dispatcher_thread_behind(host: str, port: int) -> None:
    """An app retrying a misconfigured address forever must not gain a thread per try."""
    link = MqttLink(
        Endpoint(host, port, "kiosk-01", "pw"), Topics("hall/GY/v1"), verify_broker=False
    )
    with pytest.raises(ConnectFailed):
        link.connect(timeout=1.0)
    link._dispatcher.join(2.0)
    assert not link._dispatcher.is_alive()
