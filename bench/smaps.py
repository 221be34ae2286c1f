"""Where a process's resident memory is: ``/proc/<pid>/smaps`` grouped by mapping.

``python -m bench.smaps PID`` prints the groups (RSS, PSS and private MB); the kiosk
bench uses :func:`breakdown` for its ``--breakdown`` report (docs/kiosk-memory.md).

Groups, by the mapping's name and shape (Linux only):

- ``llvm``: libLLVM (llvmpipe compiles shaders with it); ``mesa``: the Mesa/gallium
  driver and GL dispatch libraries (``libgallium``, ``*_dri.so``, ``libGLX_mesa``,
  ``libglapi``);
- ``fonts``: font files mapped by FreeType/SDL_ttf (``.ttf``, ``.ttc``, ``.otf``);
- ``python-ext``: shared libraries inside the virtual environment (Kivy's Cython
  modules, bundled SDL2, Pillow, OpenCV ...); ``system-libs``: other ``.so`` files;
- ``python``: the interpreter binary; ``heap``: ``[heap]`` (brk, glibc's main arena);
- ``thread-stacks``: anonymous ``rw-p`` mappings right after a ``---p`` guard page
  (how glibc lays out a thread stack; also catches malloc's per-thread arenas, which
  glibc guards the same way: reported together);
- ``shm``: System V / POSIX shared memory (the X server's MIT-SHM image buffers);
- ``anon``: every other anonymous mapping (large mallocs: frame buffers, textures,
  Python's arenas, numpy/OpenCV buffers);
- ``other``: the rest (``[stack]``, ``[vvar]``, other files).
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

_HEADER = re.compile(r"^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \d+\s*(.*)$")


@dataclass
class Mapping:
    start: int
    end: int
    perms: str
    name: str
    kb: dict[str, int] = field(default_factory=dict)

    @property
    def size_kb(self) -> int:
        return (self.end - self.start) // 1024


def read_smaps(pid: int | str) -> list[Mapping]:
    """Every mapping of ``pid`` with its smaps counters (kB)."""
    mappings: list[Mapping] = []
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        m = _HEADER.match(line)
        if m:
            start, end, perms, name = m.groups()
            mappings.append(Mapping(int(start, 16), int(end, 16), perms, name.strip()))
            continue
        key, _, value = line.partition(":")
        if mappings and value.strip().endswith("kB"):
            mappings[-1].kb[key] = int(value.split()[0])
    return mappings


def group_of(mapping: Mapping, previous: Mapping | None) -> str:
    name = mapping.name
    base = name.rsplit("/", 1)[-1]
    if "libLLVM" in base:
        return "llvm"
    if any(p in base for p in ("libgallium", "_dri.so", "libGLX_mesa", "libglapi", "libEGL_mesa")):
        return "mesa"
    if re.search(r"\.(ttf|ttc|otf)$", base, re.I):
        return "fonts"
    if name.startswith("/SYSV") or name.startswith("/dev/shm") or "memfd:" in name:
        return "shm"
    if name == "[heap]":
        return "heap"
    if name.startswith("/") and (".so" in base):
        return "python-ext" if ("/site-packages/" in name or "/.venv/" in name) else "system-libs"
    if name.startswith("/") and re.search(r"/python3[.\d]*$", name):
        return "python"
    if not name:
        guarded = (
            previous is not None
            and previous.end == mapping.start
            and previous.perms.startswith("---")
            and not previous.name
        )
        return "thread-stacks" if guarded and mapping.perms.startswith("rw") else "anon"
    return "other"


def breakdown(pid: int | str) -> dict[str, dict[str, float]]:
    """MB per group: ``rss``, ``pss``, ``private`` (dirty + clean), and a ``total`` row."""
    groups: dict[str, dict[str, float]] = {}
    previous: Mapping | None = None
    for mapping in read_smaps(pid):
        g = groups.setdefault(group_of(mapping, previous), {"rss": 0.0, "pss": 0.0, "private": 0.0})
        kb = mapping.kb
        g["rss"] += kb.get("Rss", 0) / 1024
        g["pss"] += kb.get("Pss", 0) / 1024
        g["private"] += (kb.get("Private_Dirty", 0) + kb.get("Private_Clean", 0)) / 1024
        previous = mapping
    total = {k: sum(g[k] for g in groups.values()) for k in ("rss", "pss", "private")}
    ordered = dict(sorted(groups.items(), key=lambda kv: -kv[1]["rss"]))
    ordered["total"] = total
    return {name: {k: round(v, 1) for k, v in g.items()} for name, g in ordered.items()}


def largest(pid: int | str, n: int = 25) -> list[dict[str, object]]:
    """The ``n`` mappings with the most resident memory (to see what a group holds)."""
    previous: Mapping | None = None
    rows = []
    for mapping in read_smaps(pid):
        rows.append(
            {
                "group": group_of(mapping, previous),
                "rss_mb": round(mapping.kb.get("Rss", 0) / 1024, 1),
                "size_mb": round(mapping.size_kb / 1024, 1),
                "perms": mapping.perms,
                "name": mapping.name,
            }
        )
        previous = mapping
    return sorted(rows, key=lambda r: -float(r["rss_mb"]))[:n]  # type: ignore[arg-type]


def format_table(groups: dict[str, dict[str, float]]) -> str:
    lines = [f"{'group':<14}{'RSS MB':>9}{'PSS MB':>9}{'private MB':>12}"]
    for name, g in groups.items():
        lines.append(f"{name:<14}{g['rss']:>9.1f}{g['pss']:>9.1f}{g['private']:>12.1f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    if not args:
        print("usage: python -m bench.smaps PID [--json] [--largest N]", file=sys.stderr)
        return 2
    pid = args[0]
    groups = breakdown(pid)
    if "--json" in args:
        print(json.dumps(groups))
    else:
        print(format_table(groups))
    if "--largest" in args:
        n = int(args[args.index("--largest") + 1])
        for row in largest(pid, n):
            print(row)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
