"""The rating pad's presenter without a window or a broker."""

from __future__ import annotations

import pytest

from rating.presenter import LEVELS, RatingPresenter, number_of
from tests.support import FakeClock


def finished(ticket: str, window: str = "W03") -> dict:
    data = {"ticket": ticket, "window": window, "at": 1.0, "outcome": "immediate",
            "service_s": 60.0}  # fmt: skip
    return {"seq": 1, "epoch": "e", "type": "ticket.finished", "at": "", "day": "", "data": data}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(1000.0)


@pytest.fixture
def pad(clock: FakeClock) -> RatingPresenter:
    return RatingPresenter("W03", timeout_s=30, thanks_s=4, clock=clock)


def test_a_finished_ticket_at_this_window_asks_and_a_high_level_is_sent_at_once(pad) -> None:
    assert pad.view().screen == "idle"
    assert not pad.handle_event(finished("20261125-E001", window="W01")), "another window"
    assert not pad.handle_event({"type": "ticket.called", "data": {}})
    assert pad.handle_event(finished("20261125-E001"))
    v = pad.view()
    assert (v.screen, v.number, v.left_s) == ("ask", "E001", 30)
    assert pad.choose(4) is True
    assert pad.payload() == {"ticket": "20261125-E001", "level": 4, "reason": ""}
    assert pad.view().screen == "sending"
    pad.sent(True)
    assert pad.view().screen == "thanks" and pad.view().rated == 1


def test_a_low_level_asks_a_reason_first_with_chips_and_free_text(pad) -> None:
    pad.handle_event(finished("20261125-E002"))
    assert pad.choose(1) is False
    assert pad.view().screen == "reason"
    pad.toggle_reason("wait")
    pad.toggle_reason("attitude")
    pad.toggle_reason("wait")
    pad.toggle_reason("no-such-reason")
    assert pad.view().reasons == ("attitude",)
    assert pad.confirm_reason() is True
    assert pad.payload(" 櫃台沒人 ") == {
        "ticket": "20261125-E002", "level": 1, "reason": "attitude, 櫃台沒人"
    }  # fmt: skip


def test_nobody_rating_goes_back_to_idle_after_the_timeout(pad, clock) -> None:
    pad.handle_event(finished("20261125-E003"))
    clock.advance(20)
    pad.touched()  # someone is there: the timeout starts again
    clock.advance(20)
    assert not pad.tick() and pad.view().left_s == 10
    clock.advance(10)
    assert pad.tick() and pad.view().screen == "idle"
    assert not pad.choose(5), "a late press on an idle pad sends nothing"


def test_thanks_and_errors_go_back_to_idle(pad, clock) -> None:
    pad.handle_event(finished("20261125-E004"))
    pad.choose(5)
    pad.sent(False, "rating.msg.timeout")
    v = pad.view()
    assert (v.screen, v.error, v.rated) == ("error", "rating.msg.timeout", 0)
    clock.advance(4)
    assert pad.tick() and pad.view().screen == "idle"


def test_a_ticket_is_offered_once(pad) -> None:
    assert pad.handle_event(finished("20261125-E005"))
    pad.choose(3)
    pad.sent(False, "errors.already_rated")
    assert pad.view().rated == 1, "already rated counts as done"
    assert not pad.handle_event(finished("20261125-E005")), "the same ticket again"
    assert pad.handle_event(finished("20261125-E006"))


def test_the_next_applicant_replaces_an_unrated_one(pad) -> None:
    pad.handle_event(finished("20261125-E007"))
    pad.handle_event(finished("20261125-E008"))
    assert pad.view().number == "E008"
    with pytest.raises(ValueError):
        pad.choose(6)
    assert LEVELS == (5, 4, 3, 2, 1)
    assert number_of("20261125-E008") == "E008"


def test_a_ticket_finished_while_sending_is_asked_after_the_thanks(pad, clock) -> None:
    pad.handle_event(finished("20261125-E009"))
    pad.choose(5)
    assert not pad.handle_event(finished("20261125-E010"))
    pad.sent(True)
    assert pad.view().screen == "thanks"
    clock.advance(4)
    assert pad.tick()
    assert (pad.view().screen, pad.view().number) == ("ask", "E010")
