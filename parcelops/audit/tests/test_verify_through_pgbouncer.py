"""`parcelops audit verify` through PgBouncer in transaction mode, while other clients
keep its two server connections busy: verify reads in keyset pages inside one
transaction, never with a server-side cursor (which another client's transaction would
find missing). Without pgbouncer installed, the same command with the setting on against
PostgreSQL directly."""

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from parcelops.audit.actions import VERIFY_PAGE, record_audit
from parcelops.core.tests.production import ROOT, database_url, free_port, production_env

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL (set DATABASE_URL=postgres://...)",
)
PGBOUNCER = shutil.which("pgbouncer") or shutil.which("/usr/sbin/pgbouncer")
RECORDS = VERIFY_PAGE * 2 + 17  # three pages


def start_pgbouncer(port: int) -> tuple[subprocess.Popen[bytes], Path]:
    """PgBouncer in transaction mode with a pool of two server connections (it refuses to
    run as root: it runs as postgres then, from a directory that user can read)."""
    home = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
    home.chmod(0o755)
    database = connection.settings_dict
    (home / "users.txt").write_text(f'"{database["USER"]}" ""\n')
    (home / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"* = host={database['HOST']} port={database['PORT']}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        "auth_type = trust\nauth_file = {}\n".format(home / "users.txt")
        + "pool_mode = transaction\ndefault_pool_size = 2\nmax_client_conn = 50\n"
    )
    for name in ("users.txt", "pgbouncer.ini"):
        (home / name).chmod(0o644)
    user = ["-u", "postgres"] if os.geteuid() == 0 else []
    process = subprocess.Popen([PGBOUNCER or "pgbouncer", *user, str(home / "pgbouncer.ini")])
    return process, home


def wait_for(port: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # a real server starting: polled, not frozen
        try:
            psycopg.connect(database_url(port), connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            time.sleep(0.2)
    raise AssertionError(f"pgbouncer did not answer on port {port}")


@pytest.mark.django_db(transaction=True)
def test_audit_verify_works_through_pgbouncer_in_transaction_mode(tmp_path, settings):
    for index in range(RECORDS):
        record_audit(None, "test.record", ("x", str(index)))
    port = free_port() if PGBOUNCER else None
    bouncer = None
    if PGBOUNCER:
        bouncer, home = start_pgbouncer(port)  # type: ignore[arg-type]
        wait_for(port)  # type: ignore[arg-type]
    stop = threading.Event()

    def busy() -> None:
        # Other clients' short transactions, so verify's statements cannot count on
        # keeping one server connection between transactions.
        with psycopg.connect(
            database_url(port), autocommit=True, prepare_threshold=None
        ) as busy_connection:
            while not stop.is_set():
                busy_connection.execute("SELECT pg_sleep(0.005)")

    load = [threading.Thread(target=busy) for _ in range(4)]
    for thread in load:
        thread.start()
    try:
        runs = [
            subprocess.run(
                [sys.executable, "-m", "parcelops.cli", "audit", "verify"],
                cwd=ROOT,
                env=production_env(
                    tmp_path,
                    DATABASE_URL=database_url(port),
                    PARCELOPS_PGBOUNCER="true",
                    PARCELOPS_AUDIT_WITNESS=str(settings.PARCELOPS_AUDIT_WITNESS),
                ),
                capture_output=True,
                text=True,
                timeout=120,
            )
            for _ in range(3)
        ]
    finally:
        stop.set()
        for thread in load:
            thread.join(timeout=10)
        if bouncer is not None:
            bouncer.terminate()
            bouncer.wait(timeout=10)
            shutil.rmtree(home, ignore_errors=True)
    assert [(run.returncode, run.stdout.splitlines()[:1], run.stderr) for run in runs] == [
        (0, [f"audit chain intact: {RECORDS} records verified"], "")
    ] * 3


def test_the_pgbouncer_setting_turns_server_side_cursors_off(tmp_path):
    def setting(**env: str) -> str:
        return subprocess.run(
            [
                sys.executable,
                "-c",
                "import django; django.setup(); from django.conf import settings; "
                "print(settings.DATABASES['default']['DISABLE_SERVER_SIDE_CURSORS'])",
            ],
            cwd=ROOT,
            env=production_env(tmp_path, **env),
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    assert setting() == "False"
    assert setting(PARCELOPS_PGBOUNCER="true") == "True"
    assert setting(DATABASE_DISABLE_SERVER_SIDE_CURSORS="1") == "True"
    assert setting(PARCELOPS_PGBOUNCER="true", DATABASE_DISABLE_SERVER_SIDE_CURSORS="0") == "False"
