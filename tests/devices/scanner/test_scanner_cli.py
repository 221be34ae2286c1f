"""``hall device scan``: one JSON line per image, errors per file, streaming sources."""

from __future__ import annotations

import argparse
import io
import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from devices import cli as device_cli

from .conftest import needs_fixtures, sample


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict]]:
    parser = argparse.ArgumentParser(prog="hall")
    device_cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["device", "scan", *argv])
    code = args.func(args)
    out = capsys.readouterr().out
    return code, [json.loads(line) for line in out.splitlines()]


@needs_fixtures
def test_images_give_one_exact_json_line_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    noise = tmp_path / "noise.png"
    cv2.imwrite(str(noise), np.random.default_rng(1).integers(0, 256, (480, 640), np.uint8))
    blank = tmp_path / "blank.jpg"
    cv2.imwrite(str(blank), np.full((480, 640), 200, np.uint8))
    files = [sample(n).path for n in ("000", "001", "016", "018")]
    code, lines = _run([str(p) for p in [*files, noise, blank]], capsys)
    assert code == 0
    assert lines == [
        {"file": str(files[0]), "symbology": "QRCODE", "payload": sample("000").payload,
         "kind": "id"},
        {"file": str(files[1]), "symbology": "CODE128", "payload": sample("001").payload,
         "kind": "bad-id"},
        {"file": str(files[2]), "symbology": "CODE128", "payload": "GY202607168439X",
         "kind": "case"},
        {"file": str(files[3]), "symbology": "QRCODE", "payload": "高邑縣政務服務中心 歡迎您",
         "kind": "other"},
        {"file": str(noise), "symbology": None, "payload": None, "kind": "none"},
        {"file": str(blank), "symbology": None, "payload": None, "kind": "none"},
    ]  # fmt: skip


@needs_fixtures
def test_chinese_is_printed_readable(capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    device_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["device", "scan", str(sample("018").path)])
    args.func(args)
    assert "高邑縣政務服務中心 歡迎您" in capsys.readouterr().out


@needs_fixtures
def test_unreadable_files_give_an_error_line_and_the_rest_still_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(b"\x89PNG\r\n\x1a\n this is not really a PNG")
    missing = tmp_path / "missing.png"
    good = sample("026").path
    code, lines = _run([str(corrupt), str(missing), str(good)], capsys)
    assert code == 1
    assert lines[0] == {
        "file": str(corrupt), "symbology": None, "payload": None, "kind": "none",
        "error": "not a readable image",
    }  # fmt: skip
    assert lines[1]["kind"] == "none" and lines[1]["error"] == "no such file"
    assert lines[2] == {
        "file": str(good),
        "symbology": "CODE128",
        "payload": "GY2026030845767",
        "kind": "case",
    }


@needs_fixtures
def test_camera_folder_stream(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "cam"
    folder.mkdir()
    for i, name in enumerate(["003", "003", "029", "029"]):
        shutil.copy(sample(name).path, folder / f"{i}.png")
    code, lines = _run(["--camera", str(folder), "--lang", "en"], capsys)
    assert code == 0
    assert lines[0]["event"] == "code" and lines[0]["kind"] == "bad-id"
    assert lines[0]["reason"] == "scan.id_check"
    assert "check character" in lines[0]["message"]
    assert lines[1]["payload"] == "WIFI:S:hall;T:WPA;P:secret;;" and lines[1]["kind"] == "other"
    assert len(lines) == 2


def test_wedge_stream_from_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("11010519491231002x\nGY2026071684391\n"))
    code, lines = _run(["--wedge"], capsys)
    assert code == 0
    assert [(line["payload"], line["kind"]) for line in lines] == [
        ("11010519491231002x", "id"),
        ("GY2026071684391", "other"),
    ]
    assert lines[1]["reason"] == "scan.case_check"
    assert lines[1]["message"] == "辦件編號校驗位錯誤，請核對編號"


def test_no_images_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    device_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["device", "scan"])
    assert args.func(args) == 2
    assert "no IMAGE" in capsys.readouterr().err
