"""The ID numbers simulated kiosk applicants present (SAMPLE DATA made up in the runner): valid
GB 11643 numbers, a misread one with a wrong check character, and a person coming back."""

from __future__ import annotations

import random
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from hall.codes import Reason, classify, is_valid_id
from hall.conf import HallConfig
from hall.i18n import LANGUAGES, t
from runner.applicants import IdCards, kiosk_says, sample_id_number, with_wrong_check
from runner.staff import NoStaff, duty_officer


def test_sample_id_numbers_pass_the_check_and_misread_ones_do_not() -> None:
    rng = random.Random(7)
    numbers = [sample_id_number(rng) for _ in range(300)]
    assert all(is_valid_id(n) for n in numbers)
    assert len(set(numbers)) > 290  # invented, not one number over and over
    for number in numbers:
        wrong = with_wrong_check(number, rng)
        assert wrong[:17] == number[:17] and wrong[17] != number[17]
        result = classify(wrong, "GY")
        assert result.kind == "bad-id" and result.reason == Reason.ID_CHECK


def test_a_person_comes_back_with_the_number_that_has_most_tickets() -> None:
    rng = random.Random(3)
    cards = IdCards(rng, repeat_share=1.0)
    first = cards.pick()  # nobody has a ticket yet: a new number
    cards.tickets = {first: 3, sample_id_number(rng): 1}
    assert cards.pick() == first
    cards.refused.add(first)  # refused for the daily limit: not presented again
    assert cards.pick() != first
    never = IdCards(random.Random(3), repeat_share=0.0)
    never.tickets = {first: 1}
    assert all(never.pick() != first for _ in range(50))


def test_the_applicant_reads_the_kiosk_in_any_language() -> None:
    for lang in LANGUAGES:
        assert kiosk_says("kiosk.real_name_needed", {"message": t("kiosk.real_name_needed", lang)})
        assert kiosk_says("scan.id_check", {"message": t("scan.id_check", lang)})
    assert not kiosk_says("scan.id_check", {"message": t("kiosk.real_name_needed", "en")})
    assert not kiosk_says("scan.id_check", {"message": ""})


def test_the_duty_officer_is_the_one_on_duty_by_the_rota(sample_config: HallConfig) -> None:
    tz = ZoneInfo("Asia/Shanghai")
    # The sample rota in November 2026: Wednesday S008, Thursday S009, Friday S007.
    assert duty_officer(sample_config, "1234", datetime(2026, 11, 25, 9, tzinfo=tz)) == "S008"
    assert duty_officer(sample_config, "1234", datetime(2026, 11, 26, 9, tzinfo=tz)) == "S009"
    assert duty_officer(sample_config, "1234", datetime(2026, 11, 27, 9, tzinfo=tz)) == "S007"
    with pytest.raises(NoStaff):
        duty_officer(sample_config, "0000")
