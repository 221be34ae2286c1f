"""Test helpers: take a ticket that a given window serves."""

from __future__ import annotations

import itertools
from typing import Any

from hall.conf import HallConfig
from hall.mqtt import HallClient

_people = itertools.count(1)


def issue_for(kiosk: HallClient, config: HallConfig, window: str) -> dict[str, Any]:
    """Issue a ticket for an item ``window`` serves (an ID is given where the item needs one)."""
    items = [config.item_by_code[c] for c in config.items_by_window[window]]
    plain = [i for i in items if not getattr(i, "real_name", False)]
    item = (plain or items)[0]
    args: dict[str, Any] = {"item": item.code}
    if not plain:
        args["id_masked"] = f"1101**********{next(_people) % 1000:03d}X"
    return kiosk.command("ticket.issue", args)["ticket"]
