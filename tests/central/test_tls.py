"""The link over TLS: the central broker listens with a certificate of a test CA, the hall's
bridge and the collector verify it (``--cafile``); the events arrive as over plain TCP."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.central.harness import Centre
from tests.central.test_many_halls import assert_centre_matches, traffic

pytestmark = [pytest.mark.broker, pytest.mark.slow]


def make_certificates(d: Path) -> tuple[str, str, str]:
    """A CA and a server certificate for 127.0.0.1, made with openssl."""

    def ssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True, timeout=60)

    d.mkdir(parents=True, exist_ok=True)
    ssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=test-ca",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
    )
    ssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
    )
    (d / "ext").write_text("subjectAltName=IP:127.0.0.1\n")
    ssl(
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "ext",
        "-out",
        "server.pem",
    )
    (d / "server.key").chmod(0o600)
    return str(d / "ca.pem"), str(d / "server.pem"), str(d / "server.key")


def test_bridge_and_collector_over_tls(tmp_path: Path, central_db: str) -> None:
    centre = Centre(tmp_path, central_db, tls=make_certificates(tmp_path / "pki"))
    try:
        centre.start_broker(["HT"])
        centre.start_collector()
        centre.add_hall("HT")
        traffic(centre, "HT", 4)
        centre.wait_in_sync()
        assert_centre_matches(centre)
        log = (tmp_path / "HT" / "mosquitto" / "mosquitto.conf").read_text()
        assert f"bridge_cafile {centre.tls[0]}" in log  # type: ignore[index]
    finally:
        centre.stop()
