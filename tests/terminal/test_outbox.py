"""Window commands through the real broker and service: held while offline and sent once
with the same id when back, refused clearly when held too long, never doubled."""

from __future__ import annotations

from pathlib import Path

from hall.conf import HallConfig
from terminal.controller import WindowController
from terminal.outbox import Outcome
from tests.support import start_hall, wait_until


def outcome_of(ctrl: WindowController, ctype: str, timeout: float = 20) -> Outcome:
    wait_until(lambda: any(o.command.ctype == ctype for o in ctrl.outcomes), timeout, ctype)
    return next(o for o in ctrl.outcomes if o.command.ctype == ctype)


def test_commands_online_then_held_offline_sent_once(mini_config: HallConfig, tmp_path: Path):
    hall = start_hall(mini_config, tmp_path)
    ctrl = WindowController(mini_config, "W01", hall.endpoint("window-01"), hold_s=60)
    try:
        ctrl.start(wait_s=5)
        kiosk = hall.client("kiosk-01")
        a = kiosk.command("ticket.issue", {"item": "XK-GA-001"})["ticket"]["number"]
        b = kiosk.command("ticket.issue", {"item": "XK-GA-001"})["ticket"]["number"]

        assert ctrl.press("open")
        assert outcome_of(ctrl, "window.open").status == "ok"
        wait_until(lambda: ctrl.presenter.view().status == "open", 5, "window open on screen")

        hall.broker.stop()
        wait_until(lambda: not ctrl.link.connected, 20, "terminal offline")
        ctrl.poll()
        assert ctrl.presenter.view().connection == "offline"
        assert ctrl.press("call_next")
        assert ctrl.presenter.view().message.key == "terminal.msg.held"
        assert ctrl.presenter.view().pending == "call_next"
        assert not ctrl.press("recall")  # one command at a time: refused, not queued
        assert ctrl.outcomes[-1].status == "busy"

        hall.broker.start()
        done = outcome_of(ctrl, "window.call_next", timeout=30)
        assert done.status == "ok", done
        assert done.reply is not None and done.reply.result["ticket"]["number"] == a
        assert done.command.sends >= 1
        wait_until(lambda: ctrl.presenter.view().ticket == a, 10, "ticket at the counter")
        assert hall.service is not None
        tickets = hall.service.engine.state.tickets
        assert sum(t.calls for t in tickets.values()) == 1  # called once, not twice
        assert next(t for t in tickets.values() if t.number == b).status == "waiting"
    finally:
        ctrl.stop()
        hall.stop()


def test_command_held_too_long_is_refused(mini_config: HallConfig, tmp_path: Path):
    hall = start_hall(mini_config, tmp_path)
    ctrl = WindowController(mini_config, "W01", hall.endpoint("window-01"), hold_s=0.5)
    try:
        ctrl.start(wait_s=5)
        hall.client("kiosk-01").command("ticket.issue", {"item": "XK-GA-001"})
        ctrl.press("open")
        assert outcome_of(ctrl, "window.open").status == "ok"
        hall.broker.stop()
        wait_until(lambda: not ctrl.link.connected, 20, "terminal offline")
        ctrl.press("call_next")
        refused = outcome_of(ctrl, "window.call_next", timeout=10)
        assert (refused.status, refused.command.sends) == ("offline", 0)
        assert ctrl.presenter.view().message.key == "terminal.msg.offline"
        hall.broker.start()
        wait_until(lambda: ctrl.link.connected, 20, "terminal back")
        # A ping on the same connection goes after anything paho might still have queued.
        assert ctrl.link.client is not None
        assert ctrl.link.client.request("service.ping", {"nonce": "after"}).ok
        assert hall.service is not None
        assert all(t.calls == 0 for t in hall.service.engine.state.tickets.values())
    finally:
        ctrl.stop()
        hall.stop()


def test_refusal_shows_the_service_reason(mini_config: HallConfig, tmp_path: Path):
    hall = start_hall(mini_config, tmp_path)
    ctrl = WindowController(mini_config, "W01", hall.endpoint("window-01"))
    try:
        ctrl.start(wait_s=5)
        ctrl.press("call_next")  # the window is closed
        o = outcome_of(ctrl, "window.call_next")
        assert (o.status, o.code) == ("error", "window_closed")
        assert ctrl.presenter.view().message.key == "errors.window_closed"
    finally:
        ctrl.stop()
        hall.stop()


def test_retries_while_the_service_is_down_carry_one_id_and_call_once(
    mini_config: HallConfig, tmp_path: Path
):
    """The command reaches the broker but no reply comes (service stopped): the outbox resends
    it with the same id until the service is back, which carries it out exactly once."""
    hall = start_hall(mini_config, tmp_path)
    ctrl = WindowController(mini_config, "W01", hall.endpoint("window-01"), hold_s=60)
    ctrl.outbox.reply_timeout_s = 1.0
    try:
        ctrl.start(wait_s=5)
        number = hall.client("kiosk-01").command("ticket.issue", {"item": "XK-GA-001"})
        ctrl.press("open")
        assert outcome_of(ctrl, "window.open").status == "ok"
        hall.stop_service()
        ctrl.press("call_next")
        wait_until(
            lambda: ctrl.outbox.pending is not None and ctrl.outbox.pending.sends >= 3,
            20,
            "three sends without a reply",
        )
        hall.start_service()
        done = outcome_of(ctrl, "window.call_next", timeout=30)
        assert done.status == "ok" and done.command.sends >= 3, (done.code, done.reply)
        assert done.reply is not None
        assert done.reply.result["ticket"]["number"] == number["ticket"]["number"]
        assert hall.service is not None
        assert sum(t.calls for t in hall.service.engine.state.tickets.values()) == 1
    finally:
        ctrl.stop()
        hall.stop()


def test_a_command_past_its_deadline_is_never_carried_out_late(
    mini_config: HallConfig, tmp_path: Path
):
    """Sent while the service is down, given up on after ``hold_s``: when the service comes
    back the copies waiting for it are refused (expired), so no ticket is called late."""
    hall = start_hall(mini_config, tmp_path)
    ctrl = WindowController(mini_config, "W01", hall.endpoint("window-01"), hold_s=2.0)
    ctrl.outbox.reply_timeout_s = 0.5
    try:
        ctrl.start(wait_s=5)
        hall.client("kiosk-01").command("ticket.issue", {"item": "XK-GA-001"})
        ctrl.press("open")
        assert outcome_of(ctrl, "window.open").status == "ok"
        hall.stop_service()
        ctrl.press("call_next")
        gave_up = outcome_of(ctrl, "window.call_next", timeout=10)
        assert gave_up.status == "unconfirmed" and gave_up.command.sends >= 1
        assert ctrl.presenter.view().message.key == "terminal.msg.unconfirmed"
        hall.start_service()
        assert ctrl.link.client is not None
        # Anything still queued for the service from this client is handled before the ping.
        assert ctrl.link.client.request("service.ping", {"nonce": "after"}, timeout=10).ok
        assert hall.service is not None
        assert all(t.calls == 0 for t in hall.service.engine.state.tickets.values())
    finally:
        ctrl.stop()
        hall.stop()
