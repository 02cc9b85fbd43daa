"""`parcelops serve` on a production node: web only, and never a migration at start."""

from typing import Any

import pytest
from django.core import management

from parcelops import cli

pytestmark = pytest.mark.django_db


class FinishedProcess:
    """Stands in for gunicorn and the worker: records its command line, and has exited."""

    started: list[list[str]]

    def __init__(self, command: list[str]) -> None:
        FinishedProcess.started.append(command)
        self.returncode = 0

    def poll(self) -> int:
        return 0

    def terminate(self) -> None:  # pragma: no cover (it has exited already)
        pass

    def wait(self, timeout: float) -> int:
        return 0


@pytest.fixture
def node(monkeypatch):
    """serve() with its children and Django commands recorded instead of run."""
    commands: list[str] = []
    FinishedProcess.started = []
    monkeypatch.setattr(cli.subprocess, "Popen", FinishedProcess)
    monkeypatch.setattr(cli.signal, "signal", lambda *args: None)  # keep pytest's handlers
    monkeypatch.setattr(
        management, "call_command", lambda name, *args, **options: commands.append(name)
    )
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("ACCESS_LOG", raising=False)
    # Whatever database the suite runs on (its PostgreSQL pass counts as production): the
    # refusal without secrets has its own tests (test_startup.py).
    monkeypatch.setattr(cli.startup, "refuse_without_secrets", lambda *args, **kwargs: None)
    return {"commands": commands, "started": FinishedProcess.started}


@pytest.fixture
def server_database(monkeypatch):
    monkeypatch.setattr(cli, "migrates_at_start", lambda database: False)


@pytest.fixture
def embedded_database(monkeypatch):
    """As on SQLite, whichever database the suite runs on (CI runs it on PostgreSQL too)."""
    monkeypatch.setattr(cli, "migrates_at_start", lambda database: True)


def started_programs(node: dict[str, Any]) -> list[str]:
    return [" ".join(command[1:3]) for command in node["started"]]


def test_the_embedded_default_migrates_and_runs_web_and_worker(node, embedded_database):
    assert cli.serve(["--no-demo", "--port", "8123"]) == 0

    assert node["commands"] == ["migrate", "collectstatic"]
    assert started_programs(node) == ["-m gunicorn", "-m parcelops.cli"]
    assert node["started"][1][3:] == ["worker"]


def test_no_worker_runs_gunicorn_alone_with_the_serve_settings(node, server_database, monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    monkeypatch.setenv("ACCESS_LOG", "")
    monkeypatch.setenv("HOST", "10.0.0.7")

    assert cli.serve(["--no-demo", "--no-worker", "--port", "8000"]) == 0

    assert node["started"] == [
        cli.gunicorn_command("10.0.0.7", "8000", {"WEB_CONCURRENCY": "4", "ACCESS_LOG": ""})
    ]
    command = node["started"][0]
    assert command[command.index("--workers") + 1] == "4"
    assert command[command.index("--timeout") + 1] == "60"
    assert "--access-logfile" not in command


def test_a_node_of_a_server_database_never_migrates_nor_loads_the_demo(node, server_database):
    assert cli.serve([]) == 0

    assert node["commands"] == ["collectstatic"]


def test_a_node_of_an_unmigrated_server_database_refuses_to_start(
    node, server_database, monkeypatch
):
    pending = ["orders.0001_initial", "orders.0002_x", "audit.0001_initial", "core.0001_initial"]
    monkeypatch.setattr(cli, "pending_migrations", lambda: pending)

    with pytest.raises(SystemExit) as refused:
        cli.serve(["--no-demo", "--no-worker"])

    assert str(refused.value) == (
        "parcelops: the database lacks 4 migration(s) (orders.0001_initial, orders.0002_x,"
        " audit.0001_initial, ...): run `parcelops migrate` once, from one machine,"
        " before starting the nodes"
    )
    assert node["started"] == []
    assert node["commands"] == []


def test_the_test_database_has_no_pending_migrations():
    assert cli.pending_migrations() == []


@pytest.mark.parametrize(
    ("engine", "migrates"),
    [
        ("parcelops.core.sqlite_backend", True),
        ("django.db.backends.sqlite3", True),
        ("django.db.backends.postgresql", False),
    ],
)
def test_only_the_embedded_default_migrates_at_start(engine, migrates):
    assert cli.migrates_at_start({"ENGINE": engine}) is migrates
