"""The simulation model's parameters (``config/simulation.toml``), typed and checked."""

from __future__ import annotations

import tomllib
from datetime import date, time
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

Prob = Annotated[float, Field(ge=0, le=1)]
Positive = Annotated[float, Field(gt=0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _span(low: float, high: float) -> tuple[float, float]:
    if high < low or low < 0:
        raise ValueError(f"span [{low}, {high}] must be ordered and non-negative")
    return (low, high)


class Calendar(_Strict):
    first_day: date


class Load(_Strict):
    normal_utilisation: Positive
    peak_utilisation: Positive
    day_to_day_sigma: Annotated[float, Field(ge=0, le=1)]
    popularity_sigma: Annotated[float, Field(ge=0, le=3)]


class Arrivals(_Strict):
    profile: list[tuple[time, Annotated[float, Field(ge=0)]]] = Field(min_length=1)
    print_failure: Prob

    @model_validator(mode="after")
    def _ordered(self) -> Arrivals:
        starts = [s for s, _ in self.profile]
        if starts != sorted(starts):
            raise ValueError("profile slots must be in time order")
        return self


class Priority(_Strict):
    returning: Prob
    appointment: Prob
    elderly: Prob

    def shares(self) -> dict[str, float]:
        shares = {"returning": self.returning, "appointment": self.appointment}
        shares["elderly"] = self.elderly
        shares["normal"] = 1.0 - sum(shares.values())
        if shares["normal"] < 0:
            raise ValueError("priority shares add up to more than 1")
        return shares


class Service(_Strict):
    noise_sigma: Annotated[float, Field(ge=0, le=2)]
    window_pace_sigma: Annotated[float, Field(ge=0, le=2)]
    walk_s: tuple[float, float]
    react_s: tuple[float, float]
    transfer: Prob
    outcome_supplement: Prob
    outcome_reply: Prob

    @model_validator(mode="after")
    def _spans(self) -> Service:
        _span(*self.walk_s)
        _span(*self.react_s)
        return self


class Applicants(_Strict):
    patience_min: Annotated[float, Field(ge=0)]
    patience_mean: Positive
    absent_on_call: Prob
    recall_after_s: Positive
    skip_after_s: Positive


class Windows(_Strict):
    late_share: Prob
    late_minutes: tuple[float, float]
    on_time_minutes: tuple[float, float]
    pauses_per_hour: Annotated[float, Field(ge=0, le=10)]
    pause_minutes: tuple[float, float]
    close_early_share: Prob
    close_early_from: time
    absent_share: Prob

    @model_validator(mode="after")
    def _spans(self) -> Windows:
        for span in (self.late_minutes, self.on_time_minutes, self.pause_minutes):
            _span(*span)
        return self


class Scale(_Strict):
    max: Positive


class SimParams(_Strict):
    calendar: Calendar
    load: Load
    arrivals: Arrivals
    priority: Priority
    service: Service
    applicants: Applicants
    windows: Windows
    scale: Scale

    @model_validator(mode="after")
    def _shares(self) -> SimParams:
        self.priority.shares()
        return self


def load_params(path: str | Path = "config/simulation.toml") -> SimParams:
    """Read and check the model's parameters."""
    with Path(path).open("rb") as fh:
        return SimParams.model_validate(tomllib.load(fh))
