"""Schemathesis against a real `parcelops serve` on SQLite: every operation of the served
OpenAPI document, with a bounded number of generated requests each, must answer no server
error, only the status codes it declares, and bodies and content types as declared.

Marked `fuzz`: left out of the ordinary run (pyproject's addopts) and run once by .ci/run
(`pytest -m fuzz`), on SQLite whatever DATABASE_URL says, since it starts its own server."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.common import ROOT, Server, free_port

CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    )
)
MAX_EXAMPLES = 20  # per operation and phase: about two minutes on two cores
SEED = 14  # the same requests on every run, so a failure reproduces


def _parcelops(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "parcelops.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


# Order numbers and tracking numbers of the demo, to be drawn often for `{number}` and
# `{tracking_number}`: random strings alone only ever reach the 404 of an unknown order.
KNOWN_VALUES = """
import json
from parcelops.orders.models import Order
from parcelops.tracking.models import Shipment
print(json.dumps({
    "orders": list(Order.objects.order_by("id").values_list("number", flat=True)),
    "parcels": list(Shipment.objects.order_by("id").values_list("tracking_number", flat=True)),
}))
"""


def _known_values(env: dict[str, str]) -> str:
    values = json.loads(_parcelops(env, "shell", "--no-imports", "-c", KNOWN_VALUES))
    return (
        f"[dictionaries.orders]\nvalues = {json.dumps(values['orders'])}\n"
        f"[dictionaries.parcels]\nvalues = {json.dumps(values['parcels'])}\n"
        "[parameters]\n"
        '"path.number" = { dictionary = "orders", probability = 0.7 }\n'
        '"path.tracking_number" = { dictionary = "parcels", probability = 0.7 }\n'
    )


@pytest.mark.fuzz
def test_the_served_api_conforms_to_its_openapi_document(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["PARCELOPS_DATA_DIR"] = str(tmp_path / "data")
    _parcelops(env, "migrate", "--verbosity", "0")
    _parcelops(env, "demo", "--orders", "30")  # logins for every role, orders in every state
    token = _parcelops(env, "token", "create", "admin", "--name", "schemathesis").strip()
    config = tmp_path / "schemathesis.toml"
    config.write_text(_known_values(env))
    port = free_port()
    server = Server(env["PARCELOPS_DATA_DIR"], port, env=env)
    try:
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "schemathesis.cli",
                "--config-file",
                str(config),
                "run",
                f"http://127.0.0.1:{port}/api/v1/openapi.json",
                "--checks",
                CHECKS,
                "--max-examples",
                str(MAX_EXAMPLES),
                "--seed",
                str(SEED),
                "--header",
                f"Authorization: Bearer {token}",
                # One worker: two threads tripped "SystemError: AST constructor recursion depth
                # mismatch" in hypothesis's lambda descriptions (a CPython 3.11.7 ast bug).
                "--workers",
                "1",
                "--request-timeout",
                "30",
                "--generation-database",
                "none",
                "--no-color",
            ],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    finally:
        server.stop()
    assert run.returncode == 0, run.stdout[-20_000:] + run.stderr[-5_000:]
