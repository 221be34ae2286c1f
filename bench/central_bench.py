"""``hall bench --central``: 20 simulated halls into one collector (issue 13).

Each simulated hall is a real hall broker (the runner's Mosquitto with the bridge of ``hall
central bridge`` appended) bridged to one central Mosquitto; the collector is the real ``hall
central collect`` process writing into a scratch PostgreSQL database. What is simulated is the
queue service: a publisher per hall, logged in as that hall's ``queue-service``, publishes
events (ticket-sized payloads, ``seq`` counting up, ``at`` the moment of publishing, which is
when a service publishes right after its commit) on ``hall/<CODE>/v1/events`` at QoS 1.

1. Lag: ten times a busy day at every hall at once (a busy day: every window serving both
   sessions at the default pace, ``EVENTS_PER_TICKET`` events a ticket), for ``seconds``.
   ``central_lag_*_ms``: the hall's ``at`` to the moment the collector's transaction holding
   the row returned from COMMIT (the collector's ``--stats``); ``central_row_lag_p99_ms`` the
   same to the row's ``collected_at`` (PostgreSQL's clock at the insert, just before).
2. Catch-up: the central link is cut (the central broker stops), every hall goes on publishing
   a backlog into its bridge queue, the link returns and the 20 bridges drain at once:
   ``central_events_per_s`` is the backlog over the time between its first and last row.
``central_collector_rss_mb``: the collector process's peak resident memory, sampled.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import psutil
import psycopg
from paho.mqtt.enums import CallbackAPIVersion

from bench.central_halls import BridgedMosquitto, bridged_broker, with_code
from central.bridge import COLLECTOR_ID, EVENTS_PER_TICKET, bridge_user
from central.broker import CentralBroker
from central.pgserver import scratch_database, server
from hall.conf import HallConfig, load_config
from hall.net import free_port

HALL_BIN = Path(sys.executable).with_name("hall")
TARGET_LAG_P99_MS = 500
TARGET_EVENTS_PER_S = 2000


def busy_day_events_per_s(config: HallConfig) -> float:
    """Events per second of a busy day at the hall: every window busy through every session."""
    minutes = sum(
        (s.end.hour * 60 + s.end.minute) - (s.start.hour * 60 + s.start.minute)
        for s in config.hall_file.hours.sessions
    )
    tickets = len(config.windows) * minutes / config.hall_file.queue.default_service_minutes
    return tickets * EVENTS_PER_TICKET / (minutes * 60)


class SimulatedHall:
    """A bridged hall broker and a publisher standing in for its queue service."""

    def __init__(self, config: HallConfig, broker: BridgedMosquitto, password: str):
        self.config, self.broker = config, broker
        self.topic = f"{config.topic_root}/events"
        self.seq = 0
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id="queue-service", protocol=mqtt.MQTTv5
        )
        self.client.username_pw_set("queue-service", password)
        self.client.max_inflight_messages_set(1000)
        self.client.max_queued_messages_set(0)

    def start(self) -> None:
        self.broker.start()
        self.client.connect("127.0.0.1", self.broker.port, keepalive=30)
        self.client.loop_start()

    def publish(self, n: int = 1) -> mqtt.MQTTMessageInfo:
        info = None
        for _ in range(n):
            self.seq += 1
            now = datetime.now(self.config.tz)
            body = {
                "seq": self.seq,
                "epoch": "bench0000000",
                "type": "ticket.called",
                "at": now.isoformat(timespec="milliseconds"),
                "day": now.date().isoformat(),
                "data": {
                    "ticket": f"{now:%Y%m%d}-A{self.seq:04d}",
                    "number": f"A{self.seq:04d}",
                    "item": "XK-GA-001",
                    "window": "W01",
                    "at": now.timestamp(),
                    "note": "x" * 200,
                },
            }
            info = self.client.publish(self.topic, json.dumps(body), qos=1)
        assert info is not None
        return info

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
        self.broker.stop()


class RssSampler(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.peak = 0
        self.cpu_s = 0.0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            try:
                self.peak = max(self.peak, self.process.memory_info().rss)
                t = self.process.cpu_times()
                self.cpu_s = t.user + t.system
            except psutil.Error:
                return
            self.done.wait(0.2)


_POLL: dict[str, psycopg.Connection[Any]] = {}


def _count(url: str) -> int:
    """Rows held centrally (0 before the collector made the schema); one polling connection."""
    db = _POLL.get(url)
    if db is None or db.closed:
        db = _POLL[url] = psycopg.connect(url, autocommit=True)
    try:
        return int(db.execute("SELECT count(*) FROM events").fetchone()[0])  # type: ignore[index]
    except psycopg.errors.UndefinedTable:
        return 0


def _wait_count(url: str, n: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _count(url) >= n:
            return True
        time.sleep(0.2)
    return False


def _wait_stats(path: Path, committed: int, timeout: float) -> dict[str, Any]:
    """The collector's figures once it has committed ``committed`` rows."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            stats = json.loads(path.read_text())
            if stats["committed"] >= committed:
                return stats
        except (FileNotFoundError, ValueError, KeyError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{path}: the collector did not report {committed} rows")


def _wait_log(path: Path, text: str, timeout: float) -> None:
    """Until the broker's log says ``text`` (a client connected), plus a moment to subscribe."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text(errors="replace"):
            time.sleep(0.3)
            return
        time.sleep(0.05)
    raise RuntimeError(f"{path}: no {text!r} in {timeout}s")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def run(
    config_dir: str = "config",
    halls: int = 20,
    seconds: float = 10.0,
    rate_factor: float = 10.0,
    backlog_per_hall: int = 750,
    progress: Callable[[str], None] = lambda _m: None,
) -> dict[str, Any]:
    base = Path(tempfile.mkdtemp(prefix="hall-central-bench-"))
    t_start = time.monotonic()
    say = progress

    def progress(message: str) -> None:  # the caller's, with the time
        say(f"{time.monotonic() - t_start:5.1f}s {message}")

    codes = [f"B{chr(ord('A') + i)}" for i in range(halls)]
    passwords = {
        COLLECTOR_ID: os.urandom(8).hex(),
        **{bridge_user(c): os.urandom(8).hex() for c in codes},
    }
    stats_path = base / "collector-stats.json"
    with server() as admin, scratch_database(admin, "hall_central_bench") as url:
        central = CentralBroker(base / "central", free_port(), passwords, codes).start()
        sims: list[SimulatedHall] = []
        collector: subprocess.Popen[bytes] | None = None
        sampler: RssSampler | None = None
        try:
            # The collector first: its persistent session must exist before the halls publish
            # (in a deployment it has existed since its first start).
            env = {**os.environ, "HALL_COLLECTOR_PASSWORD": passwords[COLLECTOR_ID]}
            with (base / "collector.log").open("ab") as log:
                collector = subprocess.Popen(
                    [
                        str(HALL_BIN),
                        "central",
                        "collect",
                        "--db",
                        url,
                        "--broker",
                        f"127.0.0.1:{central.port}",
                        "--stats",
                        str(stats_path),
                    ],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=env,
                )
            sampler = RssSampler(collector.pid)
            sampler.start()
            _wait_log(base / "central" / "mosquitto.log", f"as {COLLECTOR_ID} ", 30)
            progress(f"{halls} bridged hall brokers")
            template = load_config(config_dir)
            for code in codes:
                config = with_code(template, code)
                broker, pw = bridged_broker(
                    config, base / code, central.port, passwords[bridge_user(code)]
                )
                sim = SimulatedHall(config, broker, pw["queue-service"])
                sim.start()
                sims.append(sim)
            for code in codes:
                _wait_log(base / "central" / "mosquitto.log", f"as {bridge_user(code)} ", 30)
            # Warm-up: every bridge and the collector are through.
            for sim in sims:
                sim.publish()
            if not _wait_count(url, halls, 30):
                raise RuntimeError(f"the centre did not get the first events: {base}")

            per_hall = busy_day_events_per_s(sims[0].config) * rate_factor
            progress(f"lag: {halls} halls x {per_hall:.1f} events/s for {seconds:.0f} s")
            interval = 1.0 / per_hall
            start_n = _count(url)
            t0 = time.monotonic()
            ticks = 0
            while time.monotonic() - t0 < seconds:
                # The halls publish independently: spread over the interval.
                for i, sim in enumerate(sims):
                    due = t0 + ticks * interval + i * interval / len(sims)
                    delay = due - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                    sim.publish()
                ticks += 1
            lag_events = ticks * len(sims)
            if not _wait_count(url, start_n + lag_events, 30):
                raise RuntimeError("lag phase: events did not all arrive")
            with psycopg.connect(url) as db:
                row_lags = [
                    float(r[0])
                    for r in db.execute(
                        "SELECT (extract(epoch FROM collected_at) - (data->>'at')::float) * 1000 "
                        "FROM events WHERE seq > 1"
                    ).fetchall()
                ]
            stats = _wait_stats(stats_path, len(sims) + lag_events, 10)
            lags = stats["lags_ms"][-lag_events:]

            progress(f"catch-up: link cut, {backlog_per_hall} events queued per hall")
            central.stop()
            before = _count(url)
            for sim in sims:
                sim.publish(backlog_per_hall)
            for sim in sims:  # every event is in its hall broker's bridge queue
                sim.publish().wait_for_publish(timeout=60)
            backlog = (backlog_per_hall + 1) * len(sims)
            restored = time.monotonic()
            central.start()
            if not _wait_count(url, before + backlog, 120):
                raise RuntimeError(f"catch-up: {_count(url) - before} of {backlog} arrived")
            wall_s = time.monotonic() - restored
            with psycopg.connect(url) as db:
                first, last = db.execute(
                    "SELECT min(collected_at), max(collected_at) FROM events WHERE seq > %s",
                    (1 + ticks,),
                ).fetchone()  # type: ignore[misc]
                dupes = db.execute(
                    "SELECT count(*) - count(DISTINCT (hall, seq)) FROM events"
                ).fetchone()[0]  # type: ignore[index]
            drain_s = max((last - first).total_seconds(), 1e-3)
            progress("done")
        finally:
            poll = _POLL.pop(url, None)
            if poll is not None:
                poll.close()
            if sampler is not None:
                sampler.done.set()
            if collector is not None:
                collector.terminate()
                try:
                    collector.wait(10)
                except subprocess.TimeoutExpired:
                    collector.kill()
            for sim in sims:
                sim.stop()
            central.stop()
    return {
        "central_halls": halls,
        "central_rate_per_hall_events_per_s": round(per_hall, 2),
        "central_lag_events": len(lags),
        "central_lag_p50_ms": round(_percentile(lags, 0.50), 1),
        "central_lag_p99_ms": round(_percentile(lags, 0.99), 1),
        "central_lag_max_ms": round(max(lags), 1),
        "central_row_lag_p99_ms": round(_percentile(row_lags, 0.99), 1),
        "central_backlog_events": backlog,
        "central_events_per_s": round(backlog / drain_s),
        "central_catch_up_wall_s": round(wall_s, 2),
        "central_duplicates": int(dupes),
        "central_collector_rss_mb": round(sampler.peak / 2**20, 1) if sampler else None,
        "central_collector_cpu_s": round(sampler.cpu_s, 2) if sampler else None,
        "central_targets": {"lag_p99_ms": TARGET_LAG_P99_MS, "events_per_s": TARGET_EVENTS_PER_S},
    }


def report(f: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"central: {f['central_halls']} halls, "
            f"{f['central_rate_per_hall_events_per_s']} events/s each (10 x a busy day)",
            f"  lag hall commit -> central row: p50 {f['central_lag_p50_ms']} ms, "
            f"p99 {f['central_lag_p99_ms']} ms (target <= {TARGET_LAG_P99_MS})",
            f"  catch-up after a cut link: {f['central_backlog_events']} events at "
            f"{f['central_events_per_s']}/s (target >= {TARGET_EVENTS_PER_S}), "
            f"{f['central_catch_up_wall_s']} s wall, {f['central_duplicates']} duplicates",
            f"  collector RSS {f['central_collector_rss_mb']} MB, "
            f"CPU {f['central_collector_cpu_s']} s in all",
        ]
    )
