"""What tests that start real processes give them: this test database, and this test
process's keys as the variables a production process must have."""

import os
import secrets
import socket
from pathlib import Path

from django.conf import settings
from django.db import connection

from parcelops.core import crypto
from parcelops.core.datafiles import read_or_create_secret

ROOT = Path(__file__).resolve().parents[3]


def _new_key() -> str:
    return secrets.token_urlsafe(32)  # as parcelops.core.crypto makes a missing one


def database_url(port: int | None = None) -> str:
    """This test database's URL, through another port (a pooler) if given."""
    database = connection.settings_dict
    return (
        f"postgres://{database['USER']}@{database['HOST']}:{port or database['PORT']}"
        f"/{database['NAME']}"
    )


def production_env(data_dir: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url(),
        "PARCELOPS_DATA_DIR": str(data_dir),
        "DEBUG": "false",
        "SECRET_KEY": settings.SECRET_KEY,
        "PARCELOPS_DATA_KEYS": ",".join(crypto.configured_data_keys()),
        "PARCELOPS_INDEX_KEY": settings.PARCELOPS_INDEX_KEY
        or read_or_create_secret(settings.DATA_DIR / crypto.INDEX_KEY_FILE, _new_key),
        "PARCELOPS_AUDIT_KEY": settings.PARCELOPS_AUDIT_KEY
        or read_or_create_secret(settings.DATA_DIR / crypto.AUDIT_KEY_FILE, _new_key),
        **extra,
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
