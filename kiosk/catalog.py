"""What an applicant can choose: classes, departments and items, paged and searched.

Plain data over :class:`hall.conf.HallConfig`; the presenter asks it for pages.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from hall.conf import HallConfig
from hall.conf.model import ItemClass, ServiceItem, Unit


@dataclass(frozen=True)
class Page:
    keys: tuple[str, ...]
    page: int
    pages: int

    @property
    def has_prev(self) -> bool:
        return self.page > 0

    @property
    def has_next(self) -> bool:
        return self.page + 1 < self.pages


def paginate(keys: list[str], page: int, size: int) -> Page:
    pages = max(1, -(-len(keys) // size))
    page = min(max(page, 0), pages - 1)
    return Page(tuple(keys[page * size : (page + 1) * size]), page, pages)


def _fold(text: str) -> str:
    """Case-, width- and dash-insensitive form for matching."""
    return re.sub(r"[\s\-_]", "", unicodedata.normalize("NFKC", text)).upper()


class Catalog:
    def __init__(self, config: HallConfig):
        self.config = config
        self.items = config.items
        self.units = config.units

    def count(self, item_class: ItemClass) -> int:
        return sum(1 for i in self.items if i.item_class is item_class)

    def units_of(self, item_class: ItemClass | None) -> list[Unit]:
        """Departments with at least one item (of the class), in config order."""
        with_items = {
            i.unit for i in self.items if item_class is None or i.item_class is item_class
        }
        return [u for u in self.units if u.code in with_items]

    def items_of(self, unit: str, item_class: ItemClass | None) -> list[ServiceItem]:
        return [
            i
            for i in self.items
            if i.unit == unit and (item_class is None or i.item_class is item_class)
        ]

    def search(self, query: str) -> list[ServiceItem]:
        """Items whose code starts with ``query`` (dashes and case ignored), then items
        whose name in any language starts with it, then whose name contains it."""
        q = _fold(query)
        if not q:
            return []
        by_code = [i for i in self.items if _fold(i.code).startswith(q)]
        names = [
            (i, [_fold(i.name.get(lang)) for lang in ("zh-Hant", "zh-Hans", "en")])
            for i in self.items
        ]
        starts = [i for i, ns in names if any(n.startswith(q) for n in ns)]
        contains = [i for i, ns in names if len(q) >= 2 and any(q in n for n in ns)]
        seen: set[str] = set()
        out: list[ServiceItem] = []
        for item in (*by_code, *starts, *contains):
            if item.code not in seen:
                seen.add(item.code)
                out.append(item)
        return out
