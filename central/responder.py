"""The hall's answer to the centre's range requests: events read from the hall's own log.

Runs beside the hall (``hall central respond``) as the client of role ``central`` on the hall's
broker. A request ``{"id", "first", "last"}`` on ``<root>/central/req`` (bridged in from the
centre) is answered on ``<root>/central/resync`` (bridged out) in chunks of at most
:data:`CHUNK` events: ``{"id", "hall", "first", "last", "head", "events": [...]}`` where
``head`` is the log's last seq; the last message of an answer has ``"final": true``. The log
is opened with ``Store.reader`` (read-only, no lock): the queue service, the single writer,
never notices. A request for more than
:data:`MAX_PER_REQUEST` events gets that many; the collector asks again for the rest.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from broker.store import Store
from central.bridge import central_topics

log = logging.getLogger(__name__)

CHUNK = 200
"""Events per answer: ~1 kB each stays far below the hall broker's 256 kB packet limit."""
MAX_PER_REQUEST = 5000


def answer(store: Store, code: str, request: dict[str, Any]) -> list[dict[str, Any]]:
    """The answer messages to one request (pure: no MQTT)."""
    head = store.last_seq()
    first = max(1, int(request["first"]))
    last = request.get("last")
    last = head if last is None else min(int(last), head)
    last = min(last, first + MAX_PER_REQUEST - 1)
    out: list[dict[str, Any]] = []
    start = first
    while start <= last:
        end = min(last, start + CHUNK - 1)
        out.append(
            {
                "id": str(request.get("id", "")),
                "hall": code,
                "first": start,
                "last": end,
                "head": head,
                "events": store.events_between(start, end),
            }
        )
        start = end + 1
    if not out:
        out.append(
            {
                "id": str(request.get("id", "")),
                "hall": code,
                "first": first,
                "last": first - 1,
                "head": head,
                "events": [],
            }
        )
    out[-1]["final"] = True
    return out


class Responder:
    """Subscribe to range requests on the hall's broker and answer them from the log."""

    def __init__(
        self, db: Path, code: str, root: str, host: str, port: int, client_id: str, password: str
    ):
        self.db, self.code = Path(db), code
        self.topics = central_topics(root)
        self.requests: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv311,
            clean_session=False,
        )
        self.client.username_pw_set(client_id, password)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.host, self.port = host, port
        self.answered = 0
        self._worker = threading.Thread(target=self._work, name="responder", daemon=True)

    def _on_connect(self, client: mqtt.Client, _u: object, _f: object, rc: Any, _p: Any) -> None:
        if not rc.is_failure:
            client.subscribe(self.topics["req"], qos=1)

    def _on_message(self, _c: mqtt.Client, _u: object, msg: mqtt.MQTTMessage) -> None:
        try:
            body = json.loads(msg.payload)
            if isinstance(body, dict) and "first" in body:
                self.requests.put(body)
        except (ValueError, TypeError):
            log.warning("unreadable range request on %s", msg.topic)

    def _work(self) -> None:
        store: Store | None = None
        while True:
            request = self.requests.get()
            if request is None:
                break
            try:
                if store is None:
                    store = Store.reader(self.db)
                for body in answer(store, self.code, request):
                    info = self.client.publish(self.topics["resync"], json.dumps(body), qos=1)
                    info.wait_for_publish(timeout=30)
                self.answered += 1
            except Exception:  # one bad request must not stop the answers
                log.exception("range request %s failed", request)
                if store is not None:
                    store.close()
                    store = None
        if store is not None:
            store.close()

    def start(self) -> Responder:
        self._worker.start()
        self.client.connect_async(self.host, self.port, keepalive=20)
        self.client.loop_start()
        return self

    def stop(self) -> None:
        self.requests.put(None)
        self._worker.join(timeout=5)
        self.client.disconnect()
        self.client.loop_stop()
