"""A simulated business day as a stream of timed commands.

:func:`day_traffic` is a generator: it yields :class:`TimedCommand` in time
order and must be sent the :class:`Answer` to each one, because what a window
does next depends on the ticket it was given. Whoever drives it decides how a
command is carried out: :mod:`simulation.run` calls the engine directly on a
simulated clock; a demo could publish each command over MQTT when the wall
clock reaches ``at`` (shifted to today) and send back the reply's result.

Inside, a small discrete-event scheduler runs one process per window and one
for the kiosks' arrivals. Processes are generators yielding ``_Cmd`` (carry this
out now), ``_Wait`` (sleep in simulated time) or ``_Idle`` (nothing to call:
wake me when a ticket for my window arrives, or at ``until``).
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import math
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np

from hall import protocol
from hall.codes import mask_id
from hall.conf import HallConfig
from hall.conf.model import Role
from simulation.params import SimParams

REAL_NAME_ARGS = "id_hash" in protocol.IssueTicket.model_fields
"""Whether the protocol takes an ID scan's hash (實名取號) with ticket.issue."""

OUTCOMES = ("immediate", "promised", "joint")


@dataclass(frozen=True, slots=True)
class TimedCommand:
    at: float
    """Simulated epoch seconds at which the command is sent."""
    client: str
    type: str
    args: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Answer:
    ok: bool
    result: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


@dataclass(frozen=True, slots=True)
class _Cmd:
    client: str
    type: str
    args: dict[str, Any]


@dataclass(frozen=True, slots=True)
class _Wait:
    seconds: float


@dataclass(frozen=True, slots=True)
class _Idle:
    until: float


Process = Generator["_Cmd | _Wait | _Idle", Any, None]


@dataclass(frozen=True, slots=True)
class Arrival:
    at: float
    item: str
    priority: str
    kiosk: str
    patience_s: float
    absent: bool
    print_ok: bool


@dataclass(slots=True)
class Applicant:
    issued_at: float
    patience_s: float
    absent: bool


# ------------------------------------------------------------------ demand


@dataclass(frozen=True)
class Demand:
    """Tickets per normal day per item, and each window's pace (fixed for a run)."""

    per_item: dict[str, float]
    pace: dict[str, float]

    @classmethod
    def build(cls, config: HallConfig, params: SimParams, seed: int) -> Demand:
        rng = np.random.default_rng([seed, 0])
        load = params.load
        items = sorted(config.items, key=lambda i: i.code)
        pop_sigma = load.popularity_sigma
        popularity = rng.lognormal(-(pop_sigma**2) / 2, pop_sigma, len(items))
        sigma = params.service.window_pace_sigma
        windows = sorted(w.id for w in config.windows)
        paces = rng.lognormal(-(sigma**2) / 2, sigma, len(windows))
        raw: dict[str, float] = {}
        for item, pop in zip(items, popularity, strict=True):
            share = sum(1 / len(config.items_by_window[w]) for w in item.windows)
            raw[item.code] = share / item.service_minutes * pop
        work = sum(raw[i.code] * i.service_minutes for i in items)
        open_minutes = sum(
            (_minutes(s.end) - _minutes(s.start)) for s in config.hall_file.hours.sessions
        )
        capacity = open_minutes * len(windows)
        k = capacity / work
        return cls(
            per_item={code: k * r for code, r in raw.items()},
            pace=dict(zip(windows, (float(p) for p in paces), strict=True)),
        )

    def tickets_per_day(self, utilisation: float) -> float:
        return utilisation * sum(self.per_item.values())


def _minutes(t: time) -> float:
    return t.hour * 60 + t.minute + t.second / 60


# --------------------------------------------------------------------- day


@dataclass
class DayPlan:
    """Everything random about one day, drawn before it starts."""

    day: date
    arrivals: list[Arrival]
    window_open: dict[str, list[float]]
    """window -> opening time per session (absent windows are missing)."""
    pauses: dict[str, list[tuple[float, float]]]
    close_early: dict[str, float]
    sessions: list[tuple[float, float]]
    after_hours: tuple[float, float, tuple[str, ...]]


def _ts(day: date, t: time, config: HallConfig) -> float:
    return datetime.combine(day, t, tzinfo=config.tz).timestamp()


def plan_day(
    config: HallConfig,
    params: SimParams,
    demand: Demand,
    day: date,
    seed: int,
    index: int,
    utilisation: float,
    scale: float = 1.0,
) -> DayPlan:
    """Draw one day's arrivals and window behaviour (deterministic for ``seed``, ``index``)."""
    rng = np.random.default_rng([seed, 1, index])
    hours = config.hall_file.hours
    sessions = [(_ts(day, s.start, config), _ts(day, s.end, config)) for s in hours.sessions]
    ah = hours.after_hours
    ah_span = (_ts(day, ah.start, config), _ts(day, ah.end, config), tuple(ah.windows))
    arrivals = _arrivals(config, params, demand, day, rng, utilisation * scale, sessions, ah_span)

    wp = params.windows
    window_open: dict[str, list[float]] = {}
    pauses: dict[str, list[tuple[float, float]]] = {}
    close_early: dict[str, float] = {}
    early_from = _ts(day, wp.close_early_from, config)
    for w in sorted(w.id for w in config.windows):
        if rng.random() < wp.absent_share:
            continue
        opens = []
        for start, _end in sessions:
            late = rng.random() < wp.late_share
            lo, hi = wp.late_minutes if late else wp.on_time_minutes
            opens.append(start + 60 * rng.uniform(lo, hi))
        window_open[w] = opens
        plist = []
        for start, end in sessions:
            n = rng.poisson(wp.pauses_per_hour * (end - start) / 3600)
            for at in sorted(rng.uniform(start, end, n)):
                plist.append((float(at), 60 * rng.uniform(*wp.pause_minutes)))
        pauses[w] = plist
        if rng.random() < wp.close_early_share and early_from < sessions[-1][1]:
            close_early[w] = float(rng.uniform(early_from, sessions[-1][1]))
    return DayPlan(day, arrivals, window_open, pauses, close_early, sessions, ah_span)


def _arrivals(
    config: HallConfig,
    params: SimParams,
    demand: Demand,
    day: date,
    rng: np.random.Generator,
    load: float,
    sessions: list[tuple[float, float]],
    ah_span: tuple[float, float, tuple[str, ...]],
) -> list[Arrival]:
    ap = params.arrivals
    kiosk_ids = sorted(c.id for c in config.clients if c.role is Role.KIOSK)
    sigma = params.load.day_to_day_sigma
    day_factor = rng.lognormal(0, sigma) if sigma else 1.0
    slots = []
    for n, (start, weight) in enumerate(ap.profile):
        t0 = _ts(day, start, config)
        t1 = _ts(day, ap.profile[n + 1][0], config) if n + 1 < len(ap.profile) else t0 + 1800
        t1 = min(t1, t0 + 1800)
        slots.append((t0, t1, weight))
    in_session = [s for s in slots if any(a <= s[0] < b for a, b in sessions)]
    total_weight = sum(w * (t1 - t0) / 1800 for t0, t1, w in in_session) or 1.0
    codes = sorted(demand.per_item)
    ah_windows = set(ah_span[2])
    ah_codes = [c for c in codes if ah_windows & set(config.item_by_code[c].windows)]
    shares = params.priority.shares()
    prio_codes = sorted(shares)
    prio_p = np.array([shares[c] for c in prio_codes])
    out: list[Arrival] = []
    for t0, t1, weight in slots:
        if weight <= 0:
            continue
        after = ah_span[0] <= t0 < ah_span[1]
        if not after and not any(a <= t0 < b for a, b in sessions):
            continue
        pool = ah_codes if after else codes
        rates = np.array([demand.per_item[c] for c in pool])
        mean = rates.sum() * load * day_factor * weight * (t1 - t0) / 1800 / total_weight
        n = int(rng.poisson(mean))
        if n == 0:
            continue
        items = rng.choice(len(pool), size=n, p=rates / rates.sum())
        times = np.sort(rng.uniform(t0, t1, n))
        prios = rng.choice(len(prio_codes), size=n, p=prio_p)
        kiosks = rng.integers(0, len(kiosk_ids), n)
        patience = 60 * (
            params.applicants.patience_min + rng.exponential(params.applicants.patience_mean, n)
        )
        absent = rng.random(n) < params.applicants.absent_on_call
        printed = rng.random(n) >= ap.print_failure
        for k in range(n):
            out.append(
                Arrival(
                    at=float(times[k]),
                    item=pool[items[k]],
                    priority=prio_codes[prios[k]],
                    kiosk=kiosk_ids[kiosks[k]],
                    patience_s=float(patience[k]),
                    absent=bool(absent[k]),
                    print_ok=bool(printed[k]),
                )
            )
    out.sort(key=lambda a: a.at)
    return out


# --------------------------------------------------------------- processes


class DaySim:
    """Runs the window and kiosk processes of one :class:`DayPlan`."""

    def __init__(
        self,
        config: HallConfig,
        params: SimParams,
        demand: Demand,
        plan: DayPlan,
        seed: int,
        index: int,
    ):
        self.config = config
        self.params = params
        self.demand = demand
        self.plan = plan
        self.rng = np.random.default_rng([seed, 2, index])
        self.now = plan.sessions[0][0]
        self.applicants: dict[str, Applicant] = {}
        self.terminal = {c.window: c.id for c in config.clients if c.window}
        self._heap: list[tuple[float, int, int, Any, int]] = []
        self._seq = itertools.count()
        self._procs: dict[int, Process] = {}
        self._idle: dict[int, int] = {}
        """process id -> token of its pending idle timeout"""
        self._window_pid: dict[str, int] = {}
        self._tokens = itertools.count(1)

    # -- scheduler

    def _push(self, at: float, pid: int, value: Any, token: int = 0) -> None:
        heapq.heappush(self._heap, (at, next(self._seq), pid, value, token))

    def run(self) -> Generator[TimedCommand, Answer, None]:
        pid = 0
        self._procs[pid] = self._kiosks()
        self._push(self.now, pid, None)
        for w, opens in self.plan.window_open.items():
            pid += 1
            self._procs[pid] = self._window(w, opens)
            self._window_pid[w] = pid
            self._push(opens[0], pid, None)
        while self._heap:
            at, _, pid, value, token = heapq.heappop(self._heap)
            if token and self._idle.get(pid) != token:
                continue  # a stale idle timeout: the process was woken earlier
            self._idle.pop(pid, None)
            self.now = max(self.now, at)
            proc = self._procs[pid]
            while True:
                try:
                    req = proc.send(value)
                except StopIteration:
                    break
                if isinstance(req, _Cmd):
                    answer = yield TimedCommand(self.now, req.client, req.type, req.args)
                    self._after(req, answer)
                    value = answer
                    continue
                if isinstance(req, _Wait):
                    self._push(self.now + max(0.0, req.seconds), pid, None)
                else:
                    token = next(self._tokens)
                    self._idle[pid] = token
                    self._push(max(self.now, req.until), pid, False, token)
                break

    def _after(self, cmd: _Cmd, answer: Answer) -> None:
        """Wake idle windows that can serve a ticket that just (re)joined a queue."""
        if not answer.ok:
            return
        ticket = answer.result.get("ticket")
        if not isinstance(ticket, dict) or ticket.get("status") != "waiting":
            return
        if cmd.type not in ("ticket.issue", "window.transfer", "window.skip"):
            return
        target = ticket.get("target_window")
        windows = [target] if target else self.config.item_by_code[ticket["item"]].windows
        for w in windows:
            pid = self._window_pid.get(w)
            if pid is not None and pid in self._idle:
                self._idle[pid] = next(self._tokens)  # cancels the pending timeout
                self._push(
                    self.now + self.rng.uniform(*self.params.service.react_s),
                    pid,
                    True,
                    self._idle[pid],
                )

    # -- kiosks

    def _kiosks(self) -> Process:
        for a in self.plan.arrivals:
            yield _Wait(a.at - self.now)
            args: dict[str, Any] = {"item": a.item, "priority": a.priority}
            if REAL_NAME_ARGS and getattr(self.config.item_by_code[a.item], "real_name", False):
                args.update(self._identity())
            answer = yield _Cmd(a.kiosk, "ticket.issue", args)
            if not answer.ok:
                continue  # hall closed for this item: the applicant goes home
            ticket = answer.result["ticket"]
            self.applicants[ticket["id"]] = Applicant(self.now, a.patience_s, a.absent)
            result = {"ticket": ticket["id"], "ok": a.print_ok}
            if not a.print_ok:
                result["error"] = "paper_out"
            yield _Cmd(a.kiosk, "ticket.print_result", result)

    def _identity(self) -> dict[str, str]:
        """A made-up applicant's ID scan: masked number and hash (never a real person)."""
        n = int(self.rng.integers(0, 10**9))
        number = f"130131{19500101 + n % 500000:08d}{n % 1000:03d}{n % 10}"
        digest = hashlib.sha256(f"sim-{number}".encode()).hexdigest()
        return {"id_masked": mask_id(number), "id_hash": digest}

    # -- windows

    def _window(self, w: str, opens: list[float]) -> Process:
        client = self.terminal[w]
        plan = self.plan
        pauses = list(plan.pauses.get(w, []))
        close_at = plan.close_early.get(w, math.inf)
        last = len(plan.sessions) - 1
        for n, ((_start, end), open_at) in enumerate(zip(plan.sessions, opens, strict=True)):
            if open_at >= close_at:
                break
            yield _Wait(open_at - self.now)
            yield _Cmd(client, "window.open" if n == 0 else "window.resume", {})
            yield from self._serve_until(client, w, min(end, close_at), pauses)
            if self.now >= close_at:
                break
            if n < last:
                yield _Cmd(client, "window.pause", {})
        ah_start, ah_end, ah_windows = plan.after_hours
        if w in ah_windows and close_at == math.inf:
            yield _Wait(ah_start - self.now)
            yield _Cmd(client, "window.after_hours", {"on": True})
            yield from self._serve_until(client, w, ah_end, pauses)
            yield _Cmd(client, "window.after_hours", {"on": False})
        yield _Cmd(client, "window.close", {})

    def _serve_until(
        self, client: str, w: str, end: float, pauses: list[tuple[float, float]]
    ) -> Iterator[_Cmd | _Wait | _Idle]:
        while self.now < end:
            if pauses and pauses[0][0] <= self.now:
                _, minutes = pauses.pop(0)
                yield _Cmd(client, "window.pause", {})
                yield _Wait(min(minutes, max(0.0, end - self.now)))
                yield _Cmd(client, "window.resume", {})
                continue
            answer = yield _Cmd(client, "window.call_next", {})
            if not answer.ok:
                yield _Wait(end - self.now)  # hall_closed: the period is over
                break
            ticket = answer.result["ticket"]
            if ticket is None:
                wake = min([end, *(p[0] for p in pauses[:1])])
                yield _Idle(wake)
                continue
            yield from self._serve(client, w, ticket)

    def _serve(self, client: str, w: str, ticket: dict[str, Any]) -> Iterator[_Cmd | _Wait]:
        sp, ap = self.params.service, self.params.applicants
        who = self.applicants.get(ticket["id"])
        gone = who is None or self.now - who.issued_at > who.patience_s
        if gone or (who is not None and who.absent):
            yield _Wait(ap.recall_after_s)
            yield _Cmd(client, "window.recall", {})
            if gone:
                yield _Wait(ap.skip_after_s - ap.recall_after_s)
                yield _Cmd(client, "window.skip", {})
                return
            assert who is not None
            who.absent = False
        yield _Wait(self.rng.uniform(*sp.walk_s))
        yield _Cmd(client, "window.start", {})
        item = self.config.item_by_code[ticket["item"]]
        noise = self.rng.lognormal(-(sp.noise_sigma**2) / 2, sp.noise_sigma)
        yield _Wait(item.service_minutes * 60 * self.demand.pace[w] * noise)
        if self.rng.random() < sp.transfer:
            others = [i.code for i in self.config.items if i.unit == item.unit and i != item]
            if others:
                to_item = others[int(self.rng.integers(0, len(others)))]
                yield _Cmd(client, "window.transfer", {"to_item": to_item, "note": "sim"})
                return
        roll = self.rng.random()
        if roll < sp.outcome_supplement:
            outcome = "supplement"
        elif roll < sp.outcome_supplement + sp.outcome_reply:
            outcome = "reply"
        else:
            outcome = item.case_kind.value
        yield _Cmd(client, "window.finish", {"outcome": outcome})


def working_days(config: HallConfig, first: date, count: int) -> list[date]:
    """The next ``count`` days from ``first`` on which the hall opens (hall.toml weekdays)."""
    days: list[date] = []
    d = first
    while len(days) < count:
        if d.isoweekday() in config.hall_file.hours.weekdays:
            days.append(d)
        d += timedelta(days=1)
    return days


def day_traffic(
    config: HallConfig,
    params: SimParams,
    day: date,
    seed: int = 1,
    index: int = 0,
    utilisation: float | None = None,
    scale: float = 1.0,
    demand: Demand | None = None,
) -> Generator[TimedCommand, Answer, None]:
    """One simulated day of commands; send each command's :class:`Answer` back in."""
    demand = demand or Demand.build(config, params, seed)
    load = params.load.normal_utilisation if utilisation is None else utilisation
    plan = plan_day(config, params, demand, day, seed, index, load, scale)
    return DaySim(config, params, demand, plan, seed, index).run()
