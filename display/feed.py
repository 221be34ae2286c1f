"""The display's MQTT subscription: snapshots, events, the service's status and the notice.

The notice is the retained ``<root>/state/notice`` that the guide officer's ``guide.notice``
command sets: ``{"text": {"zh-Hant": ..., "zh-Hans": ..., "en": ...}, "until": ..., "by": ...}``
(empty ``text`` clears it; past ``until`` it is no longer shown).
"""

from __future__ import annotations

from hall.mqtt import Endpoint, MqttLink
from hall.protocol import Topics
from ui.link import BackgroundLink, Deliver

NOTICE_STATE = "notice"


def feed_topics(topics: Topics, service_client: str) -> list[str]:
    """What a display subscribes to."""
    return [
        topics.state("board"),
        topics.state("queues"),
        topics.state("service"),
        topics.state(NOTICE_STATE),
        topics.events,
        topics.status(service_client),
        topics.heartbeat,
    ]


class DisplayFeed(BackgroundLink[MqttLink]):
    """Keeps one display connection up (retrying the first connect) and feeds ``deliver``."""

    def __init__(
        self,
        endpoint: Endpoint,
        topics: Topics,
        service_client: str,
        deliver: Deliver,
        retry_s: float = 2.0,
        inline: bool = True,
    ) -> None:
        # inline: the presenter takes microseconds and never blocks, and skipping the
        # dispatcher thread saves a thread hand-over on every call shown
        super().__init__(
            lambda: MqttLink(endpoint, topics),
            feed_topics(topics, service_client),
            deliver,
            name="display",
            thread_name="display-feed",
            retry_s=retry_s,
            inline=inline,
        )
