"""``hall bench``: the queue service measured against the raw broker, in one run.

Starts its own Mosquitto and a queue service process (durable SQLite commits)
on the sample hall, then measures, each as a sequence of single round trips:

- raw MQTT: client -> broker -> echo client -> broker -> client (the baseline:
  the same path shape as a command, with a trivial peer instead of the service);
- ``ticket.issue`` round trip from a kiosk;
- ``window.call_next`` sent by a window to the ``ticket.called`` event at a display;
- sustained throughput with pipelined kiosks and windows;
- the service's RSS with a day of tickets loaded.
"""

from __future__ import annotations

import itertools
import json
import math
import operator
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from functools import partial
from pathlib import Path
from typing import Any

import psutil

from hall import secrets
from hall.conf import HallConfig, load_config
from hall.mqtt import Endpoint, HallClient, MqttLink
from hall.net import free_port
from hall.protocol import Reply, Topics
from runner.mosquitto import Mosquitto

REPO = Path(__file__).resolve().parents[1]


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    index = max(0, math.ceil(p / 100 * len(ordered)) - 1)
    return ordered[index]


def _ms(samples: list[float]) -> tuple[float, float]:
    return round(percentile(samples, 50) * 1e3, 3), round(percentile(samples, 99) * 1e3, 3)


class BenchHall:
    """A throw-away hall: broker, service process, and clients by id."""

    def __init__(self, config: HallConfig, directory: Path):
        self.config = config
        self.directory = directory
        self.topics = Topics(config.topic_root)
        self.passwords = secrets.ensure(directory / "secrets.toml", [c.id for c in config.clients])
        self.broker = Mosquitto(config, self.passwords, directory / "mosquitto", port=free_port())
        self.service: subprocess.Popen[bytes] | None = None
        self.clients: list[MqttLink] = []

    def start(self) -> None:
        self.broker.start()
        from broker.store import Store

        Store.open_or_create(self.directory / "hall.db", self.config.code).close()
        ready = self.directory / "run" / "queue-service.ready"
        self.service = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hall.cli",
                "service",
                "--config",
                str(self.config.directory),
                "--var",
                str(self.directory),
                "--port",
                str(self.broker.port),
                "--ignore-hours",
            ],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=(self.directory / "service.log").open("ab"),
            env={**os.environ, "HALL_LOG_LEVEL": "WARNING"},
        )
        deadline = time.monotonic() + 30
        while not ready.exists():
            if self.service.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "queue service did not start: "
                    + (self.directory / "service.log").read_text()[-2000:]
                )
            time.sleep(0.05)

    def endpoint(self, client_id: str) -> Endpoint:
        return Endpoint("127.0.0.1", self.broker.port, client_id, self.passwords[client_id])

    def client(self, client_id: str) -> HallClient:
        c = HallClient(self.endpoint(client_id), self.topics, request_timeout_s=10)
        c.connect(10)
        self.clients.append(c)
        return c

    def service_rss_mb(self) -> float:
        assert self.service is not None
        return round(psutil.Process(self.service.pid).memory_info().rss / 2**20, 1)

    def stop(self) -> None:
        for c in self.clients:
            c.close(timeout=1)
        if self.service is not None and self.service.poll() is None:
            self.service.send_signal(signal.SIGTERM)
            try:
                self.service.wait(10)
            except subprocess.TimeoutExpired:
                self.service.kill()
        self.broker.stop()


def raw_round_trips(hall: BenchHall, n: int) -> list[float]:
    """Baseline: QoS 1 through the broker to an echo peer and back."""
    ping, pong = hall.topics.diag("diag", "ping"), hall.topics.diag("diag-echo", "pong")
    echo = hall.client("diag-echo")

    def bounce(msg: Any) -> None:
        echo.publish(pong, bytes(msg.payload), qos=1)

    echo.subscribe(ping, bounce, inline=True)
    probe = hall.client("diag")
    arrived = threading.Event()
    probe.subscribe(pong, lambda m: arrived.set(), inline=True)
    time.sleep(0.3)  # both subscriptions acknowledged
    samples = []
    for i in range(n + 20):
        arrived.clear()
        t0 = time.perf_counter()
        probe.publish(ping, str(i).encode(), qos=1)
        if not arrived.wait(5):
            raise RuntimeError("raw echo lost a message")
        if i >= 20:  # warm-up
            samples.append(time.perf_counter() - t0)
    return samples


REAL_NAME: set[str] = set()
"""Items that need an ID scan (實名取號): each bench ticket then comes from a new person."""


PEOPLE = itertools.count(1)


def issue_args(item: str, _n: int = 0) -> dict[str, Any]:
    if item not in REAL_NAME:
        return {"item": item}
    person = next(PEOPLE)  # a new applicant each time: the daily limit is per person
    return {"item": item, "id_masked": "1101**********002X", "id_hash": f"{person:064x}"}


def issue_round_trips(kiosk: HallClient, items: list[str], n: int) -> list[float]:
    samples = []
    for i in range(n + 20):
        t0 = time.perf_counter()
        reply = kiosk.request("ticket.issue", issue_args(items[i % len(items)], i))
        if not reply.ok:
            raise RuntimeError(f"issue failed: {reply.error}")
        if i >= 20:
            samples.append(time.perf_counter() - t0)
    return samples


def call_to_display(hall: BenchHall, windows: list[HallClient], n: int) -> list[float]:
    """From a window's call_next to the ticket.called event arriving at the display."""
    display = hall.client("display-lobby")
    arrivals: dict[str, float] = {}
    cond = threading.Condition()

    def on_event(msg: Any) -> None:
        if b'"ticket.called"' not in msg.payload:
            return
        body = json.loads(msg.payload)
        with cond:
            arrivals[body["data"]["window"]] = time.perf_counter()
            cond.notify_all()

    display.subscribe(hall.topics.events, on_event, inline=True)
    time.sleep(0.3)
    samples = []
    for i in range(n):
        w = windows[i % len(windows)]
        window_id = hall.config.client_by_id[w.client_id].window
        assert window_id is not None
        if i >= len(windows):  # this window still has its previous call at the counter
            w.command("window.finish")
        with cond:
            arrivals.pop(window_id, None)
        t0 = time.perf_counter()
        result = w.command("window.call_next")
        if result["ticket"] is None:
            raise RuntimeError(f"no ticket waiting for {window_id}")
        with cond:
            if not cond.wait_for(partial(operator.contains, arrivals, window_id), timeout=5):
                raise RuntimeError("display missed a call")
            samples.append(arrivals[window_id] - t0)
    for w in windows:
        w.command("window.finish")
    return samples


def throughput(
    kiosks: list[HallClient], items: list[str], seconds: float, in_flight: int = 32
) -> tuple[float, int]:
    """Sustained commands/s: every kiosk keeps ``in_flight`` ticket.issue commands pending."""
    done = [0] * len(kiosks)
    stop_at = time.perf_counter() + seconds
    errors: list[str] = []

    def drive(k: int) -> None:
        kiosk = kiosks[k]
        pending: list[Future[Reply]] = []
        i = 0
        while True:
            now = time.perf_counter()
            while len(pending) < in_flight and now < stop_at:
                _id, fut, _mid = kiosk.send(
                    "ticket.issue", issue_args(items[(i + k) % len(items)], i + k), track=False
                )
                pending.append(fut)
                i += 1
            if not pending:
                return
            reply = pending.pop(0).result(10)
            if not reply.ok:
                errors.append(str(reply.error))
            elif time.perf_counter() <= stop_at:
                done[k] += 1

    t0 = time.perf_counter()
    threads = [threading.Thread(target=drive, args=(k,)) for k in range(len(kiosks))]
    for th in threads:
        th.start()
    for th in threads:
        th.join(seconds + 30)
    if errors:
        raise RuntimeError(f"throughput run had errors: {errors[:3]}")
    elapsed = min(time.perf_counter(), stop_at) - t0
    return sum(done) / elapsed, sum(done)


def fill_day(kiosk: HallClient, items: list[str], total: int, already: int) -> None:
    """Top the day up to ``total`` tickets (pipelined), so memory is measured on a full day."""
    pending: list[Future[Reply]] = []
    for i in range(max(0, total - already)):
        _id, fut, _mid = kiosk.send(
            "ticket.issue", issue_args(items[i % len(items)], already + i), track=False
        )
        pending.append(fut)
        if len(pending) >= 64:
            pending.pop(0).result(10)
    for fut in pending:
        fut.result(10)


def run(
    config_dir: str | Path = "config",
    samples: int = 1000,
    call_samples: int = 500,
    seconds: float = 5.0,
    tickets: int = 5000,
    progress: Callable[[str], None] = lambda _m: None,
) -> dict[str, Any]:
    config = load_config(config_dir)
    with tempfile.TemporaryDirectory(prefix="hall-bench-") as tmp:
        hall = BenchHall(config, Path(tmp))
        try:
            hall.start()
            progress("raw MQTT round trips")
            raw = raw_round_trips(hall, samples)
            kiosks = [hall.client(c.id) for c in config.clients if c.role.value == "kiosk"]
            items = [i.code for i in config.items]
            REAL_NAME.update(i.code for i in config.items if i.real_name)
            progress("ticket.issue round trips")
            issue = issue_round_trips(kiosks[0], items, samples)
            progress("call_next -> display")
            windows = [hall.client(c.id) for c in config.clients if c.role.value == "window"]
            per_window = call_samples // len(windows) + 2
            for w in windows:
                w.command("window.open")
                window_id = config.client_by_id[w.client_id].window
                assert window_id is not None
                fill_day(kiosks[1], [config.items_by_window[window_id][0]], per_window, 0)
            calls = call_to_display(hall, windows, call_samples)
            progress(f"throughput ({seconds:.0f} s)")
            rate, completed = throughput(kiosks, items, seconds)
            progress(f"filling the day to {tickets} tickets")
            fill_day(kiosks[0], items, tickets, _tickets_today(hall))
            ping = kiosks[0].command("service.ping", {"nonce": uuid.uuid4().hex})
            rss = hall.service_rss_mb()
            day_tickets = _tickets_today(hall)
        finally:
            hall.stop()
    issue_p50, issue_p99 = _ms(issue)
    call_p50, call_p99 = _ms(calls)
    raw_p50, raw_p99 = _ms(raw)
    return {
        "issue_p50_ms": issue_p50,
        "issue_p99_ms": issue_p99,
        "call_to_display_p50_ms": call_p50,
        "call_to_display_p99_ms": call_p99,
        "throughput_cmds_per_s": round(rate, 1),
        "raw_mqtt_p50_ms": raw_p50,
        "raw_mqtt_p99_ms": raw_p99,
        "service_rss_mb": rss,
        "issue_p99_vs_raw_p99": round(issue_p99 / raw_p99, 2),
        "call_p99_vs_raw_p99": round(call_p99 / raw_p99, 2),
        "tickets_loaded": day_tickets,
        "throughput_commands": completed,
        "events_seq": ping["seq"],
        "samples": {"round_trips": samples, "calls": call_samples, "throughput_s": seconds},
        "durable": "SQLite WAL, synchronous=FULL",
        "cpus": os.cpu_count(),
    }


def _tickets_today(hall: BenchHall) -> int:
    db = sqlite3.connect(hall.directory / "hall.db")
    try:
        return int(db.execute("SELECT COUNT(*) FROM ticket_numbers").fetchone()[0])
    finally:
        db.close()


TARGETS = {
    "issue_p99_ms": ("<=", 20.0),
    "call_to_display_p99_ms": ("<=", 20.0),
    "issue_p99_vs_raw_p99": ("<=", 10.0),
    "call_p99_vs_raw_p99": ("<=", 10.0),
    "throughput_cmds_per_s": (">=", 1000.0),
    "service_rss_mb": ("<=", 100.0),
}


def report(figures: dict[str, Any]) -> str:
    lines = [
        f"hall bench: {figures['cpus']} CPUs, durable commits ({figures['durable']}), "
        f"{figures['tickets_loaded']} tickets in the day, {figures['events_seq']} events",
        f"  raw MQTT round trip (baseline)   p50 {figures['raw_mqtt_p50_ms']:7.3f} ms   "
        f"p99 {figures['raw_mqtt_p99_ms']:7.3f} ms",
        f"  ticket.issue round trip          p50 {figures['issue_p50_ms']:7.3f} ms   "
        f"p99 {figures['issue_p99_ms']:7.3f} ms   ({figures['issue_p99_vs_raw_p99']}x raw p99)",
        f"  call_next -> display event       p50 {figures['call_to_display_p50_ms']:7.3f} ms   "
        f"p99 {figures['call_to_display_p99_ms']:7.3f} ms   "
        f"({figures['call_p99_vs_raw_p99']}x raw p99)",
        f"  sustained throughput             {figures['throughput_cmds_per_s']:.0f} commands/s",
        f"  queue service RSS                {figures['service_rss_mb']} MB",
        "targets:",
    ]
    for key, (op, limit) in TARGETS.items():
        value = figures[key]
        ok = value <= limit if op == "<=" else value >= limit
        lines.append(f"  {'ok  ' if ok else 'MISS'} {key} {value} {op} {limit}")
    return "\n".join(lines)
