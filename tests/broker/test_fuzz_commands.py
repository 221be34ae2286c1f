"""Property-based fuzzing of every command topic against the real service over the real broker.

No payload may stop the service or go unanswered: each gets a reply (``malformed``,
``invalid_args``, a domain refusal, or a result). CI runs a bounded number of
examples per topic; ``HALL_FUZZ_EXAMPLES=2000 make fuzz`` runs more.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hall.conf import HallConfig
from hall.conf.model import Role
from hall.mqtt import MqttLink
from hall.protocol import COMMAND_ARGS, ROLE_COMMANDS
from tests.support import Collector, RunningHall, start_hall

pytestmark = pytest.mark.broker

EXAMPLES = int(os.environ.get("HALL_FUZZ_EXAMPLES", "20"))

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=20,
)
field_names = st.sampled_from(
    [
        "item", "priority", "lang", "id_masked", "id_hash", "case_no", "ticket", "ok", "error",
        "number", "outcome", "note", "to_window", "to_item", "on", "nonce", "appointment",
    ]
)  # fmt: skip
args_like = st.dictionaries(field_names, json_values, max_size=6)
command_ids = st.text(alphabet="abcdefghij0123456789-_.:", min_size=6, max_size=70)


def envelope(args: object, cmd_id: str, extra: dict[str, object]) -> bytes:
    return json.dumps({"id": cmd_id, "args": args, **extra}).encode()


payloads = st.one_of(
    st.binary(max_size=300),
    st.builds(lambda v: json.dumps(v).encode(), json_values),
    st.builds(
        envelope,
        args_like | json_values,
        command_ids,
        st.dictionaries(st.sampled_from(["v", "expires", "x"]), json_scalars, max_size=2),
    ),
    st.integers(1, 20_000).map(lambda n: b"[" * n + b"]" * n),
    st.integers(1, 20_000).map(lambda n: b'{"a":' * n + b"1" + b"}" * n),
)


def _client_per_role(config: HallConfig) -> dict[str, str]:
    """One client id for each role that may send commands."""
    chosen: dict[str, str] = {}
    for client in config.clients:
        if client.role is not Role.SERVICE and ROLE_COMMANDS.get(client.role):
            chosen.setdefault(client.role.value, client.id)
    return chosen


@pytest.fixture(scope="module")
def fuzz_hall(mini_config: HallConfig, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    hall = start_hall(mini_config, tmp_path_factory.mktemp("fuzz"))
    links: dict[str, tuple[MqttLink, Collector]] = {}
    try:
        for client_id in _client_per_role(mini_config).values():
            link = MqttLink(hall.endpoint(client_id), hall.topics)
            replies = Collector()
            link.subscribe(hall.topics.reply(client_id), replies)
            link.connect(5)
            links[client_id] = (link, replies)
        time.sleep(0.3)
        yield hall, links
    finally:
        for link, _r in links.values():
            link.close()
        hall.stop()


def _targets(config: HallConfig) -> list[tuple[str, str]]:
    out = []
    for role, client_id in sorted(_client_per_role(config).items()):
        out += [(client_id, ctype) for ctype in ROLE_COMMANDS[Role(role)] if ctype in COMMAND_ARGS]
    return out


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "target" in metafunc.fixturenames:
        from hall.conf import load_config
        from tests.conftest import MINI_HALL

        metafunc.parametrize("target", _targets(load_config(MINI_HALL)), ids="/".join)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(payload=payloads)
def test_every_payload_is_answered_and_the_service_lives(
    fuzz_hall: tuple[RunningHall, dict], target: tuple[str, str], payload: bytes
) -> None:
    hall, links = fuzz_hall
    client_id, ctype = target
    link, replies = links[client_id]
    with replies._cond:
        replies.messages.clear()
    link.publish_confirmed(hall.topics.command(client_id, ctype), payload, timeout=10)
    _t, reply = replies.wait_for(lambda t, b: True, timeout=10)
    assert set(reply) >= {"id", "ok", "type", "seq", "epoch"}, reply
    assert reply["type"] == ctype
    if not reply["ok"]:
        assert reply["error"]["code"] and reply["error"]["message"] is not None
    assert hall.service is not None and hall.service.fatal is None
    assert hall.service._worker is not None and hall.service._worker.is_alive()
