"""Long-lived records: a generated year, checkpoints, a bounded restart, midnight."""

from __future__ import annotations

import random
import time
from collections import Counter
from pathlib import Path
from typing import Any, ClassVar

from broker.records import RecordDomain
from broker.service import QueueService
from broker.store import Store
from hall.conf import HallConfig
from hall.mqtt import Endpoint
from tests.support import FakeClock

EVENTS_PER_DAY = 300


class Tally(RecordDomain):
    """A test-only record domain: counts per key, kept for ever."""

    name = "tally"
    event_types: ClassVar[frozenset[str]] = frozenset({"tally.added"})

    def __init__(self) -> None:
        super().__init__()
        self.totals: Counter[str] = Counter()

    def apply(self, seq: int, etype: str, data: dict[str, Any]) -> None:
        self.totals[data["key"]] += data["n"]

    def checkpoint(self) -> dict[str, Any]:
        return {"totals": dict(self.totals)}

    def restore(self, data: dict[str, Any]) -> None:
        self.totals = Counter(data["totals"])


def _service(config: HallConfig, db: Path, clock: FakeClock) -> QueueService:
    store = Store.open_or_create(db, config.code)
    endpoint = Endpoint("127.0.0.1", 1, "queue-service", "unused")  # never connected here
    return QueueService(config, store, endpoint, clock=clock, record_domains=[Tally])


def _generate_year(service: QueueService, clock: FakeClock, seed: int) -> Counter[str]:
    """365 business days, each opened by the engine and carrying record events."""
    rng = random.Random(seed)
    expected: Counter[str] = Counter()
    for _day in range(365):
        clock.advance(86_400)
        service.engine.roll_day(clock())
        for _ in range(EVENTS_PER_DAY):
            key, n = f"k{rng.randrange(40)}", rng.randrange(1, 5)
            service.engine.emit("tally.added", {"key": key, "n": n}, clock())
            expected[key] += n
        service.commit(service.engine.take_emitted())
    return expected


def test_a_year_of_records_restarts_within_two_seconds(
    sample_config: HallConfig, tmp_path: Path
) -> None:
    db = tmp_path / "hall.db"
    clock = FakeClock.local(2025, 11, 1, 9, 0)
    service = _service(sample_config, db, clock)
    expected = _generate_year(service, clock, seed=7)
    tally = service.records.domains[0]
    assert isinstance(tally, Tally) and tally.totals == expected
    last_seq = service.state.seq
    service.store.close()
    assert last_seq >= 365 * EVENTS_PER_DAY

    t0 = time.perf_counter()
    restarted = _service(sample_config, db, clock)
    restart_s = time.perf_counter() - t0
    print(f"\nrestart after a year ({last_seq} events): {restart_s:.3f} s, "
          f"{restarted.replayed} events replayed")  # fmt: skip
    assert restart_s <= 2.0
    assert restarted.replayed <= EVENTS_PER_DAY + 50, "start-up must not read the whole year"
    assert restarted.state.seq == last_seq
    tally = restarted.records.domains[0]
    assert isinstance(tally, Tally) and tally.totals == expected

    # Midnight: the queue's day resets, the records do not; and a restart after it.
    restarted.engine.emit("tally.added", {"key": "late", "n": 1}, clock())
    restarted.commit(restarted.engine.take_emitted())
    clock.advance(86_400)
    restarted.engine.roll_day(clock())
    restarted.commit(restarted.engine.take_emitted())
    assert tally.totals["late"] == 1 and not restarted.state.tickets
    restarted.store.close()
    again = _service(sample_config, db, clock)
    tally = again.records.domains[0]
    assert isinstance(tally, Tally)
    assert tally.totals == expected + Counter({"late": 1})
    assert again.store.count("checkpoints") >= 366
    again.store.close()


def test_queue_replay_is_unchanged_by_interleaved_record_events(
    mini_config: HallConfig, tmp_path: Path
) -> None:
    db = tmp_path / "hall.db"
    clock = FakeClock.local(2026, 11, 25, 9, 0)
    service = _service(mini_config, db, clock)
    service.engine.roll_day(clock())
    service.engine.emit("tally.added", {"key": "a", "n": 2}, clock())
    service.engine.emit("window.changed", {"window": "W01", "status": "open"}, clock())
    service.engine.emit("tally.added", {"key": "a", "n": 3}, clock())
    service.commit(service.engine.take_emitted())
    service.store.close()
    again = _service(mini_config, db, clock)
    assert again.state.window("W01").status == "open"
    tally = again.records.domains[0]
    assert isinstance(tally, Tally) and tally.totals == Counter({"a": 5})
    again.store.close()


def test_an_unusable_checkpoint_falls_back_to_a_full_replay(
    mini_config: HallConfig, tmp_path: Path
) -> None:
    db = tmp_path / "hall.db"
    clock = FakeClock.local(2026, 11, 1, 9, 0)
    service = _service(mini_config, db, clock)
    expected: Counter[str] = Counter()
    for n in range(3):
        clock.advance(86_400)
        service.engine.roll_day(clock())
        service.engine.emit("tally.added", {"key": "a", "n": n + 1}, clock())
        expected["a"] += n + 1
        service.commit(service.engine.take_emitted())
    service.store.db.execute('UPDATE checkpoints SET data = \'{"old": "format"}\'')
    service.store.close()
    again = _service(mini_config, db, clock)
    tally = again.records.domains[0]
    assert isinstance(tally, Tally) and tally.totals == expected
    again.store.close()
