"""The import rules of docs/architecture.md: no package imports one above it.

``hall`` (the contract and shared facts) imports none of the others; device adapters and the
Kivy base stand on ``hall``; apps stand on those and never import the queue service
(``broker``), which they reach only over MQTT; the writer imports only ``hall`` and the pure
case rules; process management, benchmarks and the simulator may import everything.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
APP_BASE = {"hall", "devices", "ui"}
ALLOWED: dict[str, set[str]] = {
    "hall": set(),
    "devices": {"hall"},
    "ui": {"hall"},
    "cases": {"hall"},
    "broker": {"hall", "cases", "attendance"},  # only their PURE modules: the rules it runs
    "kiosk": APP_BASE,
    "display": APP_BASE,
    "terminal": APP_BASE,
    "guide": APP_BASE,
    "rating": APP_BASE,
    "attendance": APP_BASE | {"cases"},
    "reports": {"hall", "cases", "attendance", "central"},
    "central": {"hall", "broker"},
    "simulation": {"hall", "broker"},
    "runner": {"hall", "broker", "devices", "ui", "kiosk", "display", "terminal", "guide",
               "attendance", "simulation"},
    "bench": {"hall", "broker", "devices", "ui", "kiosk", "display", "terminal", "guide",
              "attendance", "cases", "reports", "simulation", "runner", "central"},
}  # fmt: skip


PURE = {"cases.rules", "cases.codec", "attendance.rules", "attendance.state", "attendance.handlers",
        "attendance.status"}  # fmt: skip
"""Domain rules without I/O or screens (they import only ``hall`` and each other); the writer
runs them, so it may import these and nothing else of the apps."""


def _modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return found


def _pure(name: str) -> bool:
    """``cases.rules``, ``cases.rules.Case`` or ``cases.rules`` imported from ``cases``."""
    return any(name == p or name.startswith(p + ".") for p in PURE)


def test_the_writer_imports_only_pure_rules_of_the_apps() -> None:
    broken = []
    for path in sorted((REPO / "broker").rglob("*.py")):
        for name in _modules(path):
            if name.split(".")[0] in ("cases", "attendance") and not _pure(name):
                broken.append(f"{path.relative_to(REPO)} imports {name}")
    for module in PURE:
        path = REPO / (module.replace(".", "/") + ".py")
        for name in _modules(path):
            top = name.split(".")[0]
            if top in ALLOWED and top != "hall" and not _pure(name):
                broken.append(f"{module} (pure) imports {name}")
    assert not broken, "\n".join(broken)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_every_top_level_package_has_a_rule() -> None:
    packages = {p.parent.name for p in REPO.glob("*/__init__.py")} - {"tests"}
    assert packages <= set(ALLOWED), f"add a rule for {packages - set(ALLOWED)}"


def test_no_package_imports_one_above_it() -> None:
    ours = set(ALLOWED) | {"tests"}
    broken = []
    for package, allowed in ALLOWED.items():
        for path in sorted((REPO / package).rglob("*.py")):
            for name in _imports(path) & ours:
                if name != package and name not in allowed:
                    broken.append(f"{path.relative_to(REPO)} imports {name}")
    assert not broken, "\n".join(broken)
