"""A process refuses to start without its keys in production, and the embedded default
makes keys only in an empty data directory (task 17A; parcelops.core.startup)."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from parcelops.core import startup

ROOT = Path(__file__).resolve().parents[3]
POSTGRES = "postgres://parcelops@db.internal:5432/parcelops"
HINT = (
    "a production process (DEBUG off with a server database, or PARCELOPS_PRODUCTION=true) "
    "needs SECRET_KEY, PARCELOPS_DATA_KEYS, PARCELOPS_INDEX_KEY, PARCELOPS_AUDIT_KEY; "
    "run `parcelops keys generate` and put its lines in the environment file"
)


def full_set() -> dict[str, str]:
    return startup.generate_secrets()


def test_a_server_database_without_debug_is_production():
    assert startup.is_production({"DATABASE_URL": POSTGRES})
    assert startup.is_production({"PARCELOPS_PRODUCTION": "true"})
    assert startup.is_production({"DATABASE_URL": "sqlite:///x.db", "PARCELOPS_PRODUCTION": "1"})
    assert not startup.is_production({"DATABASE_URL": POSTGRES, "DEBUG": "true"})
    assert not startup.is_production({"DATABASE_URL": "sqlite:////srv/p.sqlite3"})
    assert not startup.is_production({})


def test_production_without_any_secret_names_them_all(tmp_path):
    environ = {"DATABASE_URL": POSTGRES, "PARCELOPS_DATA_DIR": str(tmp_path)}

    with pytest.raises(startup.SecretsError) as refused:
        startup.check_secrets(environ)

    assert str(refused.value) == (
        "SECRET_KEY, PARCELOPS_DATA_KEYS, PARCELOPS_INDEX_KEY, PARCELOPS_AUDIT_KEY are not set: "
        + HINT
    )
    assert list(tmp_path.iterdir()) == []  # nothing generated


def test_production_names_the_one_missing_variable(tmp_path):
    environ = {
        **full_set(),
        "PARCELOPS_PRODUCTION": "true",
        "PARCELOPS_INDEX_KEY": " ",
        "PARCELOPS_DATA_DIR": str(tmp_path),
    }

    with pytest.raises(startup.SecretsError) as refused:
        startup.check_secrets(environ)

    assert str(refused.value) == "PARCELOPS_INDEX_KEY is not set: " + HINT


def test_production_with_the_full_set_starts_and_writes_no_key_file(tmp_path):
    startup.check_secrets(
        {**full_set(), "DATABASE_URL": POSTGRES, "PARCELOPS_DATA_DIR": str(tmp_path)}
    )

    assert list(tmp_path.iterdir()) == []


def test_data_keys_that_are_not_fernet_keys_are_refused(tmp_path):
    environ = {
        **full_set(),
        "PARCELOPS_DATA_KEYS": "not-a-key",
        "PARCELOPS_DATA_DIR": str(tmp_path),
    }

    with pytest.raises(startup.SecretsError) as refused:
        startup.check_secrets(environ)

    assert str(refused.value) == (
        "PARCELOPS_DATA_KEYS holds a value that is not a Fernet key (comma-separated, newest "
        "first); run `parcelops keys generate` for a new one"
    )


def test_the_embedded_default_makes_every_key_in_an_empty_data_directory(tmp_path):
    startup.check_secrets({"PARCELOPS_DATA_DIR": str(tmp_path)})

    files = {path.name for path in tmp_path.iterdir()}
    assert files == {"secret_key", "data_keys", "index_key", "audit_key"}
    for path in tmp_path.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    Fernet((tmp_path / "data_keys").read_text().strip())  # a usable key
    before = {path.name: path.read_text() for path in tmp_path.iterdir()}
    (tmp_path / "parcelops.sqlite3").write_bytes(b"SQLite format 3\0")

    startup.check_secrets({"PARCELOPS_DATA_DIR": str(tmp_path)})  # the next start keeps them

    assert {p.name: p.read_text() for p in tmp_path.iterdir() if p.suffix != ".sqlite3"} == before


def test_an_empty_database_file_still_counts_as_an_empty_data_directory(tmp_path):
    (tmp_path / "parcelops.sqlite3").touch()  # left by a process that never migrated

    startup.check_secrets({"PARCELOPS_DATA_DIR": str(tmp_path)})

    assert (tmp_path / "data_keys").exists()


def test_a_database_without_its_key_files_refuses_instead_of_making_new_keys(tmp_path):
    database = tmp_path / "parcelops.sqlite3"
    database.write_bytes(b"SQLite format 3\0")
    (tmp_path / "index_key").write_text("kept\n")

    with pytest.raises(startup.SecretsError) as refused:
        startup.check_secrets({"PARCELOPS_DATA_DIR": str(tmp_path)})

    assert str(refused.value) == (
        f"PARCELOPS_DATA_KEYS, PARCELOPS_AUDIT_KEY not set and {tmp_path / 'data_keys'}, "
        f"{tmp_path / 'audit_key'} missing, but the database {database} exists: restore the "
        "key files (or set the variables) from your backup, as new keys would not open its "
        "data; run `parcelops keys generate` only for a new installation"
    )
    assert not (tmp_path / "data_keys").exists()


def test_a_database_with_its_keys_in_the_environment_starts(tmp_path):
    (tmp_path / "parcelops.sqlite3").write_bytes(b"SQLite format 3\0")
    keys = full_set()
    del keys["SECRET_KEY"]  # a lost secret key signs everyone out, nothing worse: made anew

    startup.check_secrets({**keys, "PARCELOPS_DATA_DIR": str(tmp_path)})

    assert {p.name for p in tmp_path.iterdir()} == {"parcelops.sqlite3", "secret_key"}


def test_refusing_exits_with_one_line():
    with pytest.raises(SystemExit) as refused:
        startup.refuse_without_secrets({"PARCELOPS_PRODUCTION": "true"})

    assert str(refused.value).startswith("parcelops: SECRET_KEY, PARCELOPS_DATA_KEYS, ")


def _without_keys(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in startup.SECRET_FILES}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(DATABASE_URL=POSTGRES, PARCELOPS_DATA_DIR=str(tmp_path), DEBUG="false")
    return env


@pytest.mark.parametrize(
    "command",
    [["-m", "parcelops.cli", "worker"], ["-m", "parcelops.cli", "serve"], ["manage.py", "migrate"]],
    ids=["worker", "serve", "manage.py"],
)
def test_a_production_process_without_keys_refuses_with_one_line(tmp_path, command):
    done = subprocess.run(
        [sys.executable, *command],
        cwd=ROOT,
        env=_without_keys(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 1
    assert done.stderr == (
        "parcelops: SECRET_KEY, PARCELOPS_DATA_KEYS, PARCELOPS_INDEX_KEY, PARCELOPS_AUDIT_KEY "
        f"are not set: {HINT}\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_web_worker_without_keys_fails_to_boot(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", "import config.wsgi"],
        cwd=ROOT,
        env=_without_keys(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == (
        "django.core.exceptions.ImproperlyConfigured: parcelops: SECRET_KEY, "
        f"PARCELOPS_DATA_KEYS, PARCELOPS_INDEX_KEY, PARCELOPS_AUDIT_KEY are not set: {HINT}"
    )


def test_keys_generate_prints_the_environment_file_without_any_keys(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "parcelops.cli", "keys", "generate"],
        cwd=ROOT,
        env=_without_keys(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    lines = dict(line.split("=", 1) for line in done.stdout.splitlines())
    assert list(lines) == list(startup.SECRET_FILES)
    Fernet(lines["PARCELOPS_DATA_KEYS"])
    assert len(lines["SECRET_KEY"]) >= 50
    assert len(lines["PARCELOPS_INDEX_KEY"]) >= 40
    assert len(lines["PARCELOPS_AUDIT_KEY"]) >= 40
    startup.check_secrets({**lines, "DATABASE_URL": POSTGRES})  # a set production accepts
    assert list(tmp_path.iterdir()) == []


def test_a_web_worker_with_other_keys_than_its_database_fails_to_boot(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in startup.SECRET_FILES}
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env["PARCELOPS_DATA_DIR"] = str(tmp_path)
    subprocess.run(
        [sys.executable, "-m", "parcelops.cli", "migrate", "-v0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=120,
        check=True,
    )
    env["PARCELOPS_DATA_KEYS"] = Fernet.generate_key().decode()  # not the data's

    done = subprocess.run(
        [sys.executable, "-c", "import config.wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == (
        "django.core.exceptions.ImproperlyConfigured: parcelops: the configured "
        "PARCELOPS_DATA_KEYS do not open this database's key canary: every node and worker "
        "needs the keys the data was written with; refusing to start"
    )


def test_a_migrate_that_finds_data_its_keys_do_not_open_ends_with_one_line(monkeypatch):
    from django.core import management

    from parcelops import cli

    def migrate(argv):
        raise startup.KeyMismatchError("the configured PARCELOPS_DATA_KEYS do not decrypt ...")

    monkeypatch.setattr(management, "execute_from_command_line", migrate)

    with pytest.raises(SystemExit) as refused:
        cli.run_django_command(["parcelops", "migrate"])

    assert str(refused.value) == (
        "parcelops: the configured PARCELOPS_DATA_KEYS do not decrypt ..."
    )
