"""One shared cache of python-escpos's printer capabilities, written atomically.

On import, ``escpos.capabilities`` parses its ``capabilities.json`` with the YAML parser
and pickles the result into ``ESCPOS_CAPABILITIES_PICKLE_DIR``; unset, that is a new
``mkdtemp()`` directory on every import. So every kiosk start parsed the file again (about
3 MB more resident memory for the parser's garbage) and left a pickle in a new directory
in ``/tmp`` (229 of them after one session of tests). Its own write is not atomic either,
so two processes sharing a directory could read a half-written pickle.

:func:`prepare` writes the pickle once per Python version into a per-user cache directory
(``$XDG_CACHE_HOME/hall/escpos``), through a temporary file and ``os.replace``, and points
python-escpos at it before it is imported. The content is exactly what python-escpos
itself writes (the YAML-parsed file, pickle protocol 2), so it loads it as its own.
python-escpos still makes one empty temporary directory per import (its ``mkdtemp()``
default argument is evaluated even when the variable is set); nothing is written there.
"""

from __future__ import annotations

import os
import pickle
import platform
import tempfile
from pathlib import Path

ENV = "ESCPOS_CAPABILITIES_PICKLE_DIR"


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "hall" / "escpos"


def _source() -> Path | None:
    """python-escpos's ``capabilities.json``, found without importing python-escpos."""
    from importlib.util import find_spec

    spec = find_spec("escpos")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "capabilities.json"
    return path if path.is_file() else None


def prepare(directory: Path | None = None) -> Path | None:
    """Make sure the shared pickle is there and newer than its source; set :data:`ENV`.

    Returns the directory used, or None (python-escpos then does as it always did) when
    :data:`ENV` is already set, the source is missing or the cache cannot be written.
    """
    if os.environ.get(ENV):
        return None
    source = _source()
    if source is None:
        return None
    directory = directory or cache_dir()
    target = directory / f"{platform.python_version()}.capabilities.pickle"
    try:
        fresh = target.stat().st_mtime > source.stat().st_mtime
    except OSError:
        fresh = False
    if not fresh:
        try:
            _write(source, target)
        except (OSError, ValueError, ImportError):
            return None
    os.environ[ENV] = str(directory)
    return directory


def _write(source: Path, target: Path) -> None:
    import yaml  # python-escpos's own parser for this file (a dependency of it)

    with source.open(encoding="utf-8") as stream:
        data = yaml.safe_load(stream)
    if not isinstance(data, dict) or "profiles" not in data:
        raise ValueError(f"{source}: not python-escpos capabilities")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".capabilities-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            pickle.dump(data, out, protocol=2)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
