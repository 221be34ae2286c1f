"""Long-lived records beside the day-scoped queue: folds, checkpoints, bounded start-up.

A :class:`RecordDomain` owns some event types: it folds them into its own state (and may
also fold some of another domain's, read-only: :attr:`RecordDomain.observes`), and can
write that state out (:meth:`RecordDomain.checkpoint`) and read it back
(:meth:`RecordDomain.restore`). :class:`Records` routes events to their domain, writes every
domain's checkpoint into the log in the same transaction as the events (at each
``day.opened`` and every :data:`CHECKPOINT_EVERY` record events), and at start restores each
domain from its latest checkpoint and folds only the events after it. So start-up reads about
a day of events, however many years of records the log holds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from broker.engine import EmittedEvent

log = logging.getLogger(__name__)

CHECKPOINT_EVERY = 20_000
"""Record events between two checkpoints, on a day with very many of them."""

Handler = Callable[..., dict[str, Any]]


class RecordDomain:
    """Base of a domain beside the queue: its event types, its fold, its checkpoint.

    A ``day_scoped`` domain (who is signed in, today's ratings) starts empty at each
    ``day.opened`` and is rebuilt from that day's events; it needs no checkpoint. The
    others (complaints, appointments, cases, attendance) live on and are checkpointed.
    """

    name: ClassVar[str] = ""
    event_types: ClassVar[frozenset[str]] = frozenset()
    observes: ClassVar[frozenset[str]] = frozenset()
    """Event types of other domains that :meth:`apply` is given too, after their owner (the
    attendance record keeps the leave desk's lapsed sign-ins, which the staff domain owns)."""
    day_scoped: ClassVar[bool] = False

    def __init__(self) -> None:
        self.seq = 0
        """The last event of this domain folded in."""
        self.dirty: set[str] = set()
        """Retained snapshots (names under ``state/``) this domain's events changed."""
        self.engine: Any = None
        """The writer's engine (``broker.engine.Engine``), bound before any command."""

    def bind(self, engine: Any) -> None:
        self.engine = engine

    def reset(self) -> None:
        """A new business day (day-scoped domains only): start empty."""
        raise NotImplementedError

    def snapshot_names(self) -> list[str]:
        """The retained snapshots this domain publishes."""
        return []

    def snapshot(self, name: str) -> dict[str, Any]:
        """The body of one of :meth:`snapshot_names` (without the common stamp)."""
        raise KeyError(name)

    def apply(self, seq: int, etype: str, data: dict[str, Any]) -> None:
        """Fold one of this domain's events."""
        raise NotImplementedError

    def checkpoint(self) -> dict[str, Any]:
        """The whole state as JSON-able data (not called for day-scoped domains)."""
        raise NotImplementedError

    def restore(self, data: dict[str, Any]) -> None:
        """Replace the state by a checkpoint's (not called for day-scoped domains)."""
        raise NotImplementedError

    def handlers(self) -> dict[str, Handler]:
        """Command type -> handler ``(client, args, now) -> result``, emitting via the engine."""
        return {}

    def tick(self, now: float) -> None:
        """The writer's periodic tick (every ``tick_interval_s`` of its clock, with or without
        commands): time-driven events, emitted via the engine."""


class Records:
    """The record domains of one writer, and their checkpoints."""

    def __init__(self, domains: Iterable[RecordDomain] = ()):
        self.domains = list(domains)
        self.owner: dict[str, RecordDomain] = {}
        for d in self.domains:
            for etype in d.event_types:
                if etype in self.owner:
                    raise RuntimeError(f"event type {etype!r} owned by two record domains")
                self.owner[etype] = d
        self.observers: dict[str, list[RecordDomain]] = {}
        for d in self.domains:
            for etype in d.observes:
                self.observers.setdefault(etype, []).append(d)
        self.since_checkpoint = 0

    def owns(self, etype: str) -> bool:
        return etype in self.owner

    def apply(self, seq: int, etype: str, data: dict[str, Any]) -> None:
        for domain in (self.owner[etype], *self.observers.get(etype, ())):
            domain.apply(seq, etype, data)
            domain.seq = seq
        self.since_checkpoint += 1

    # ------------------------------------------------------------ start-up

    def bind(self, engine: Any) -> None:
        for d in self.domains:
            d.bind(engine)

    def day_opened(self) -> None:
        """Fold of ``day.opened``: day-scoped domains start empty, every view is redrawn."""
        for d in self.domains:
            if d.day_scoped:
                d.reset()
            d.dirty.update(d.snapshot_names())  # views that depend on the day change too

    def take_dirty(self) -> set[str]:
        names: set[str] = set()
        for d in self.domains:
            names |= d.dirty
            d.dirty.clear()
        return names

    def snapshot_owner(self, name: str) -> RecordDomain | None:
        return next((d for d in self.domains if name in d.snapshot_names()), None)

    def restore(
        self, checkpoints: dict[str, tuple[int, dict[str, Any]]], day_start: int = 1
    ) -> int:
        """Restore each domain from ``{name: (seq, data)}``; the seq to replay from.

        Day-scoped domains replay from ``day_start`` (the last ``day.opened``).
        """
        start = None
        for d in self.domains:
            if d.day_scoped:
                d.seq = day_start - 1
                start = day_start if start is None else min(start, day_start)
                continue
            seq, data = checkpoints.get(d.name, (0, None))
            if data is not None:
                try:
                    d.restore(data)
                except Exception as exc:  # an old or damaged checkpoint: rebuild from the log
                    log.warning(
                        "checkpoint of %s at %d unusable (%s): full replay", d.name, seq, exc
                    )
                    fresh = type(d)()
                    if d.engine is not None:  # (at start-up the engine is bound after this)
                        fresh.bind(d.engine)
                    d.__dict__.update(fresh.__dict__)
                    seq = 0
            d.seq = seq
            start = seq + 1 if start is None else min(start, seq + 1)
        return start if start is not None else 1

    def replay(self, seq: int, etype: str, data: dict[str, Any]) -> bool:
        """Fold a replayed event if its domain has not seen it; True when it was a record's."""
        owner = self.owner.get(etype)
        if owner is None:
            return False
        for domain in (owner, *self.observers.get(etype, ())):
            if seq > domain.seq:  # not yet in the domain's checkpoint
                domain.apply(seq, etype, data)
                domain.seq = seq
                if domain is owner:
                    self.since_checkpoint += 1
        return True

    # --------------------------------------------------------- checkpoints

    def due(self, events: list[EmittedEvent]) -> bool:
        """A checkpoint goes with this batch: a new day opened, or many record events."""
        if not any(not d.day_scoped for d in self.domains):
            return False
        return (
            any(e.type == "day.opened" for e in events) or self.since_checkpoint >= CHECKPOINT_EVERY
        )

    def checkpoints(self, seq: int) -> list[tuple[str, int, dict[str, Any]]]:
        """Every long-lived domain's state as of ``seq`` (the last event of the batch)."""
        self.since_checkpoint = 0
        return [(d.name, seq, d.checkpoint()) for d in self.domains if not d.day_scoped]
