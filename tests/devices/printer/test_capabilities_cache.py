"""python-escpos's capabilities come from one shared, atomically written cache."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys

import yaml

from devices.printer import capabilities_cache


def test_cache_is_written_once_and_loaded_by_python_escpos(tmp_path, monkeypatch):
    monkeypatch.delenv(capabilities_cache.ENV, raising=False)
    used = capabilities_cache.prepare(tmp_path / "cache")
    assert used == tmp_path / "cache"
    assert os.environ[capabilities_cache.ENV] == str(used)
    (pickled,) = used.glob("*.capabilities.pickle")
    source = capabilities_cache._source()
    assert source is not None
    expected = yaml.safe_load(source.read_text(encoding="utf-8"))
    assert pickle.loads(pickled.read_bytes()) == expected
    written = pickled.stat().st_mtime_ns

    # A new process (a kiosk start) loads it as python-escpos's own and makes no temp dir.
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    probe = (
        "import json, escpos.capabilities as c;"
        "print(json.dumps(sorted(c.CAPABILITIES['profiles'])))"
    )
    env = {**os.environ, capabilities_cache.ENV: str(used), "TMPDIR": str(scratch)}
    out = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.splitlines()[-1]) == sorted(expected["profiles"])
    # python-escpos still makes one empty temporary directory (its mkdtemp() default is
    # evaluated even when the variable is set), but parses and writes nothing there.
    assert [p for p in scratch.rglob("*") if p.is_file()] == []
    assert pickled.stat().st_mtime_ns == written  # not parsed and dumped again

    # Fresh: a second prepare leaves it alone.
    monkeypatch.delenv(capabilities_cache.ENV)
    capabilities_cache.prepare(used)
    assert pickled.stat().st_mtime_ns == written


def test_a_cache_older_than_its_source_is_rewritten(tmp_path, monkeypatch):
    monkeypatch.delenv(capabilities_cache.ENV, raising=False)
    directory = capabilities_cache.prepare(tmp_path)
    assert directory is not None
    (pickled,) = directory.glob("*.capabilities.pickle")
    pickled.write_bytes(pickle.dumps({"profiles": {}}))
    os.utime(pickled, (0, 0))
    monkeypatch.delenv(capabilities_cache.ENV)
    capabilities_cache.prepare(directory)
    assert pickle.loads(pickled.read_bytes())["profiles"]
    assert not [p for p in directory.iterdir() if p.suffix == ".tmp"]


def test_a_chosen_directory_is_left_to_python_escpos(tmp_path, monkeypatch):
    monkeypatch.setenv(capabilities_cache.ENV, str(tmp_path))
    assert capabilities_cache.prepare(tmp_path / "other") is None
    assert not (tmp_path / "other").exists()


def test_an_unwritable_cache_falls_back_to_python_escpos_default(tmp_path, monkeypatch):
    monkeypatch.delenv(capabilities_cache.ENV, raising=False)
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    assert capabilities_cache.prepare(blocker / "cache") is None
    assert capabilities_cache.ENV not in os.environ


def test_source_is_found_without_importing_escpos():
    code = (
        "import sys; from devices.printer import capabilities_cache as c;"
        "assert c._source() is not None; assert 'escpos' not in sys.modules"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
