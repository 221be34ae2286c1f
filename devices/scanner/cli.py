"""``hall device scan``: read codes from images, a camera, a serial or a keyboard-wedge scanner.

``hall device scan IMAGE...`` prints one JSON line per image::

    {"file": "a.png", "symbology": "CODE128", "payload": "GY202607168439X", "kind": "case"}

``kind`` is ``id``, ``case``, ``bad-id``, ``other`` or ``none`` (nothing read); an image
that cannot be read gives ``kind`` ``none`` and an ``error`` field, and the exit status 1.
``--camera``, ``--serial`` and ``--wedge`` stream one JSON line per event instead.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hall.i18n import LANGUAGES as LANGUAGE_CHOICES


def register(device_sub: argparse._SubParsersAction) -> None:
    scan = device_sub.add_parser(
        "scan", help="read barcodes / QR codes from images, a camera or a scanner"
    )
    scan.add_argument("images", nargs="*", metavar="IMAGE", help="image files to decode")
    source = scan.add_mutually_exclusive_group()
    source.add_argument(
        "--camera",
        metavar="SOURCE",
        help="camera index, /dev/video path, stream URL, video file or image folder",
    )
    source.add_argument("--serial", metavar="PORT", help="serial scanner port or pyserial URL")
    source.add_argument("--wedge", action="store_true", help="keyboard-wedge lines on stdin")
    scan.add_argument("--baud", type=int, default=9600, help="serial speed (default 9600)")
    scan.add_argument("--config", default="config", help="hall config (for its hall code)")
    scan.add_argument(
        "--hall-code", default=None, help="our hall code for case numbers (default: the config's)"
    )
    scan.add_argument(
        "--ladder", default="full", choices=("fast", "full"), help="image preparation ladder"
    )
    scan.add_argument(
        "--symbologies",
        default=None,
        help="comma-separated zbar symbologies (default QRCODE,CODE128,EAN13,CODE39)",
    )
    scan.add_argument("--lang", default="zh-Hant", choices=LANGUAGE_CHOICES)
    scan.add_argument("--max-codes", type=int, default=0, help="stream: stop after N codes")
    scan.add_argument("--duration", type=float, default=0.0, help="stream: stop after S seconds")
    scan.set_defaults(func=_scan)
    sim = device_sub.add_parser(
        "camera-sim",
        help="a simulated network camera (MJPEG over HTTP) showing a folder's images",
        description="Serve the images of --frames in turn as an MJPEG stream; a kiosk takes "
        "its URL as camera (kiosks.toml scanner.device, or --scanner camera:URL).",
    )
    sim.add_argument("--frames", required=True, help="folder of images to show in turn")
    sim.add_argument("--listen-port", type=int, default=8090)
    sim.add_argument("--every", type=float, default=3.0, help="seconds each image is shown")
    sim.add_argument("--fps", type=float, default=10.0)
    sim.set_defaults(func=_camera_sim)


def _camera_sim(args: argparse.Namespace) -> int:
    from pathlib import Path

    from devices.scanner.camera_sim import serve_folder

    return serve_folder(Path(args.frames), args.listen_port, args.every, args.fps)


def _emit(record: dict[str, Any]) -> None:
    print(json.dumps(record, ensure_ascii=False), flush=True)


def _symbologies(args: argparse.Namespace) -> tuple[str, ...]:
    from devices.scanner.zbar import DEFAULT_SYMBOLOGIES

    if not args.symbologies:
        return DEFAULT_SYMBOLOGIES
    return tuple(s.strip().upper() for s in args.symbologies.split(",") if s.strip())


def _scan(args: argparse.Namespace) -> int:
    if args.hall_code is None:
        from hall.conf.cli import load_or_exit

        args.hall_code = load_or_exit(args.config).code
    streams = (args.camera is not None, args.serial is not None, args.wedge)
    if args.images and any(streams):
        print("hall device scan: give images or a stream source, not both", file=sys.stderr)
        return 2
    if args.camera is not None:
        return _stream_camera(args)
    if args.serial is not None or args.wedge:
        return _stream_lines(args)
    if not args.images:
        print(
            "hall device scan: no IMAGE given (or use --camera/--serial/--wedge)", file=sys.stderr
        )
        return 2
    return scan_images(args.images, args.hall_code, args.ladder, _symbologies(args))


def scan_images(
    files: Sequence[str],
    hall_code: str,
    ladder: str = "full",
    symbologies: Sequence[str] | None = None,
) -> int:
    """Decode each image and print its JSON line; 1 if any image could not be read."""
    import cv2

    from devices.scanner.decode import decode_frame
    from devices.scanner.zbar import DEFAULT_SYMBOLOGIES
    from hall.codes import classify

    failed = False
    for name in files:
        record: dict[str, Any] = {"file": name, "symbology": None, "payload": None, "kind": "none"}
        frame = cv2.imread(name, cv2.IMREAD_UNCHANGED) if Path(name).is_file() else None
        if frame is None:
            failed = True
            reason = "no such file" if not Path(name).exists() else "not a readable image"
            _emit({**record, "error": reason})
            continue
        try:
            reads = decode_frame(
                frame, ladder=ladder, symbologies=symbologies or DEFAULT_SYMBOLOGIES
            )
        except ValueError as exc:
            failed = True
            _emit({**record, "error": str(exc)})
            continue
        reads = [read for read in reads if read.confirmed]  # a lone 1D read may be a misread
        if reads:
            results = [(read, classify(read.payload, hall_code)) for read in reads]
            read, result = next(((r, c) for r, c in results if c.accepted), results[0])
            record.update(symbology=read.symbology, payload=read.payload, kind=result.kind)
        _emit(record)
    return 1 if failed else 0


def _event_record(
    kind: str, payload: str, symbology: str | None, hall_code: str, lang: str
) -> dict[str, Any]:
    from hall.codes import classify
    from hall.i18n import t

    result = classify(payload, hall_code)
    record: dict[str, Any] = {
        "event": kind,
        "symbology": symbology,
        "payload": payload,
        "kind": result.kind,
    }
    if result.reason is not None:
        record["reason"] = result.reason.value
        record["message"] = t(result.reason.value, lang)
    return record


def _stream_camera(args: argparse.Namespace) -> int:
    from devices.scanner.camera import CameraScanner
    from hall.i18n import t

    try:
        scanner = CameraScanner(
            args.camera, hall_code=args.hall_code, symbologies=_symbologies(args)
        )
    except (FileNotFoundError, ValueError) as exc:
        _emit({"event": "fault", "error": str(exc), "message": t("scan.camera_fault", args.lang)})
        return 1
    codes = 0
    deadline = time.monotonic() + args.duration if args.duration > 0 else None
    with scanner:
        while deadline is None or time.monotonic() < deadline:
            event = scanner.next_event(timeout=0.2)
            if event is None:
                continue
            if event.kind == "code" and event.code is not None:
                codes += 1
                _emit(
                    _event_record(
                        "code", event.code.payload, event.code.symbology, args.hall_code, args.lang
                    )
                )
                if args.max_codes and codes >= args.max_codes:
                    break
            elif event.kind == "end":
                break
            else:
                record = {"event": event.kind, "detail": event.message}
                if event.reason:
                    record["message"] = t(event.reason, args.lang)
                _emit(record)
    return 0


def _stream_lines(args: argparse.Namespace) -> int:
    from devices.scanner.serial_scanner import SerialScanner, WedgeScanner
    from hall.i18n import t

    scanner = WedgeScanner(sys.stdin) if args.wedge else SerialScanner(args.serial, args.baud)
    symbology = "WEDGE" if args.wedge else "SERIAL"
    codes = 0
    deadline = time.monotonic() + args.duration if args.duration > 0 else None
    last_error = ""
    while deadline is None or time.monotonic() < deadline:
        read = scanner.read_code(timeout=0.5)
        if read.ok:
            codes += 1
            _emit(_event_record("code", read.payload, symbology, args.hall_code, args.lang))
            if args.max_codes and codes >= args.max_codes:
                break
        elif read.status == "error":
            if args.wedge:
                break  # stdin closed
            if read.detail != last_error:
                _emit(
                    {"event": "fault", "detail": read.detail,
                     "message": t("scan.scanner_fault", args.lang)}
                )  # fmt: skip
            last_error = read.detail
        else:
            last_error = ""
    if isinstance(scanner, SerialScanner):
        scanner.close()
    return 0
