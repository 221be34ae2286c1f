"""A window terminal's MQTT connection: its window's state, the queues, events, the service."""

from __future__ import annotations

from hall.mqtt import Endpoint, HallClient
from hall.protocol import Topics
from ui.link import BackgroundLink, Deliver


def terminal_topics(topics: Topics, window_id: str, service_client: str) -> list[str]:
    return [
        topics.window_state(window_id),
        topics.state("queues"),
        topics.state("cases"),
        topics.events,
        topics.status(service_client),
    ]


class TerminalLink(BackgroundLink[HallClient]):
    """Connects in the background (retrying the first connect; paho reconnects after that)."""

    def __init__(
        self,
        endpoint: Endpoint,
        topics: Topics,
        window_id: str,
        service_client: str,
        deliver: Deliver,
        request_timeout_s: float = 3.0,
        retry_s: float = 2.0,
    ) -> None:
        super().__init__(
            lambda: HallClient(endpoint, topics, request_timeout_s),
            terminal_topics(topics, window_id, service_client),
            deliver,
            name="window terminal",
            thread_name="terminal-link",
            retry_s=retry_s,
        )
