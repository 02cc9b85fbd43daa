"""A chunked request body (Transfer-Encoding: chunked, no Content-Length) through the real
server: gunicorn undoes the chunking, and the handler reads the body Django would take as
empty (decision 0025). Before, a signed push sent this way was refused with "signature
does not match", its body read as nothing."""

import hashlib
import http.client
import os
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from parcelops.tracking.tests.test_import_crash import ROOT

PAYLOADS = ROOT / "parcelops" / "tracking" / "tests" / "payloads"
KEY = "seventeen-key"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[tuple[int, Path]]:
    data_dir = tmp_path_factory.mktemp("chunked")
    env = {
        **os.environ,
        "PARCELOPS_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PARCELOPS_PUSH_MAX_BYTES": "20000",
    }
    env.pop("DATABASE_URL", None)

    def manage(*args: str) -> None:
        subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True
        )

    manage("migrate", "-v0")
    manage("providers", "set-secret", "17track", KEY)
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        # Once the master listens, a connection waits for the worker to be ready.
        assert process.stderr is not None
        for line in process.stderr:
            if b"Listening at" in line:
                break
        yield port, data_dir
    finally:
        process.terminate()
        process.wait(timeout=30)


def post_chunked(port: int, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    pieces = [body[i : i + 1000] for i in range(0, len(body), 1000)]
    # An iterable body without Content-Length: http.client sends it chunked.
    connection.request(
        "POST",
        "/api/v1/tracking/push/17track",
        body=iter(pieces),
        headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked", **headers},
        encode_chunked=True,
    )
    response = connection.getresponse()
    answer = response.status, response.read()
    connection.close()
    return answer


def stored_bodies(data_dir: Path) -> int:
    with sqlite3.connect(data_dir / "parcelops.sqlite3") as db:
        return int(db.execute("SELECT count(*) FROM tracking_inboundpush").fetchone()[0])


def test_a_chunked_push_is_read_and_stored(server):
    port, data_dir = server
    for payload in ("seventeentrack_updated.json", "seventeentrack_stopped.json"):
        body = (PAYLOADS / payload).read_bytes()
        sign = hashlib.sha256(body + b"/" + KEY.encode()).hexdigest()

        assert post_chunked(port, body, {"sign": sign}) == (200, b'{"ok":true}')
    assert stored_bodies(data_dir) == 2


def test_a_chunked_push_over_the_limit_gets_413(server):
    port, data_dir = server
    before = stored_bodies(data_dir)
    body = (PAYLOADS / "seventeentrack_updated.json").read_bytes()
    body = body.rstrip()[:-1] + b', "padding": "' + b"x" * 30_000 + b'"}'
    sign = hashlib.sha256(body + b"/" + KEY.encode()).hexdigest()

    status, content = post_chunked(port, body, {"sign": sign, "Accept-Language": "en"})

    assert status == 413
    assert orjson.loads(content) == {
        "errors": [
            {
                "field": "",
                "message": "The body is over the limit of 20000 bytes (PARCELOPS_PUSH_MAX_BYTES).",
            }
        ]
    }
    assert stored_bodies(data_dir) == before
