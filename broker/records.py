"""Long-lived records beside the day-scoped queue: folds, checkpoints, bounded start-up.

A :class:`RecordDomain` owns some event types: it folds them into its own state, and can
write that state out (:meth:`RecordDomain.checkpoint`) and read it back
(:meth:`RecordDomain.restore`). :class:`Records` routes events to their domain, writes every
domain's checkpoint into the log in the same transaction as the events (at each
``day.opened`` and every :data:`CHECKPOINT_EVERY` record events), and at start restores each
domain from its latest checkpoint and folds only the events after it. So start-up reads about
a day of events, however many years of records the log holds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from broker.engine import EmittedEvent

CHECKPOINT_EVERY = 20_000
"""Record events between two checkpoints, on a day with very many of them."""

Handler = Callable[..., dict[str, Any]]


class RecordDomain:
    """Base of a long-lived domain: its event types, its fold, its checkpoint."""

    name: ClassVar[str] = ""
    event_types: ClassVar[frozenset[str]] = frozenset()

    def __init__(self) -> None:
        self.seq = 0
        """The last event of this domain folded in."""

    def apply(self, seq: int, etype: str, data: dict[str, Any]) -> None:
        """Fold one of this domain's events."""
        raise NotImplementedError

    def checkpoint(self) -> dict[str, Any]:
        """The whole state as JSON-able data."""
        raise NotImplementedError

    def restore(self, data: dict[str, Any]) -> None:
        """Replace the state by a checkpoint's."""
        raise NotImplementedError

    def handlers(self) -> dict[str, Handler]:
        """Command type -> handler ``(client, args, now) -> result``, emitting via the engine."""
        return {}


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
        self.since_checkpoint = 0

    def owns(self, etype: str) -> bool:
        return etype in self.owner

    def apply(self, seq: int, etype: str, data: dict[str, Any]) -> None:
        domain = self.owner[etype]
        domain.apply(seq, etype, data)
        domain.seq = seq
        self.since_checkpoint += 1

    # ------------------------------------------------------------ start-up

    def restore(self, checkpoints: dict[str, tuple[int, dict[str, Any]]]) -> int:
        """Restore each domain from ``{name: (seq, data)}``; the seq to replay from."""
        start = None
        for d in self.domains:
            seq, data = checkpoints.get(d.name, (0, None))
            if data is not None:
                d.restore(data)
            d.seq = seq
            start = seq + 1 if start is None else min(start, seq + 1)
        return start if start is not None else 1

    def replay(self, seq: int, etype: str, data: dict[str, Any]) -> bool:
        """Fold a replayed event if its domain has not seen it; True when it was a record's."""
        domain = self.owner.get(etype)
        if domain is None:
            return False
        if seq > domain.seq:
            domain.apply(seq, etype, data)
            domain.seq = seq
            self.since_checkpoint += 1
        return True

    # --------------------------------------------------------- checkpoints

    def due(self, events: list[EmittedEvent]) -> bool:
        """A checkpoint goes with this batch: a new day opened, or many record events."""
        if not self.domains:
            return False
        return (
            any(e.type == "day.opened" for e in events)
            or self.since_checkpoint >= CHECKPOINT_EVERY
        )

    def checkpoints(self, seq: int) -> list[tuple[str, int, dict[str, Any]]]:
        """Every domain's state as of ``seq`` (the last event of the batch)."""
        self.since_checkpoint = 0
        return [(d.name, seq, d.checkpoint()) for d in self.domains]
