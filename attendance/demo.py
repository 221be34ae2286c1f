"""A sign-in reader for demonstrations: the simulator with every roster finger enrolled, and
staff arriving at it now and then (``hall signin --reader sim --demo-arrivals 8``).

Finger ids are ``<staff id>-<n>`` for the n-th page of that person; the templates stay in the
simulator as they would on a real module.
"""

from __future__ import annotations

import random
import threading

from attendance.rules import Context
from devices.fingerprint.simulator import Fault, FingerprintSimulator


def roster_simulator(ctx: Context, library_size: int = 300) -> FingerprintSimulator:
    """A started simulator whose library holds every page of the roster."""
    sim = FingerprintSimulator(library_size=library_size)
    for member in ctx.staff.values():
        for n, page in enumerate(member.fingerprints):
            if page < library_size:
                sim.enroll(page, f"{member.id}-{n}")
    sim.start()
    return sim


class Arrivals:
    """Staff pressing the reader every ``every_s`` seconds: mostly enrolled fingers, now and
    then a stranger or a smudged press."""

    def __init__(
        self,
        sim: FingerprintSimulator,
        ctx: Context,
        every_s: float,
        hold_s: float = 1.5,
        seed: int | None = None,
    ) -> None:
        self.sim = sim
        self.staff = [m for m in ctx.staff.values() if m.fingerprints]
        self.every_s = every_s
        self.hold_s = hold_s
        self.random = random.Random(seed)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="demo-arrivals", daemon=True)

    def start(self) -> Arrivals:
        self.thread.start()
        return self

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=self.hold_s + 1)

    def _run(self) -> None:
        while not self.stop.wait(self.every_s):
            roll = self.random.random()
            if roll < 0.05:
                finger = "a-visitor"  # not enrolled: no_match
            else:
                member = self.random.choice(self.staff)
                finger = f"{member.id}-0"
                if roll < 0.10:
                    self.sim.inject(Fault.MESSY_IMAGE, times=1)  # 指紋不明顯
            self.sim.put_finger(finger)
            if self.stop.wait(self.hold_s):
                break
            self.sim.put_finger(None)
