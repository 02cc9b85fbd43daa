"""The secrets a process needs before it starts, checked before Django is set up.

No Django imports: `parcelops`, manage.py and config/wsgi.py call this before the
settings are read, so a production node without its keys stops before it writes
anything (issue 17), and the embedded default creates its keys only in an empty data
directory, never beside a database written under keys that are gone.
"""

import os
import re
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path

from cryptography.fernet import Fernet

from parcelops.core.datafiles import read_or_create_secret

BASE_DIR = Path(__file__).resolve().parents[2]

# The variables of a production environment file, in the order `keys generate` prints
# them, and the file of the data directory that stands for each in the embedded default.
SECRET_FILES = {
    "SECRET_KEY": "secret_key",
    "PARCELOPS_DATA_KEYS": "data_keys",
    "PARCELOPS_INDEX_KEY": "index_key",
    "PARCELOPS_AUDIT_KEY": "audit_key",
}
# The files whose loss makes stored data unreadable: a lost secret_key only signs
# everyone out, so the embedded default may make a new one at any time.
DATA_KEY_VARIABLES = ("PARCELOPS_DATA_KEYS", "PARCELOPS_INDEX_KEY", "PARCELOPS_AUDIT_KEY")
GENERATE_HINT = "run `parcelops keys generate`"


class SecretsError(Exception):
    """A process must not start: the message is the one line it prints."""


class KeyMismatchError(Exception):
    """The configured keys are not the ones this database was written with (raised by
    parcelops.audit.canary; defined here so that a command line can catch it before
    Django is set up)."""


def _is_true(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def is_server_database(environ: Mapping[str, str]) -> bool:
    url = environ.get("DATABASE_URL", "")
    return bool(url) and not url.startswith("sqlite:")


def is_production(environ: Mapping[str, str]) -> bool:
    """DEBUG off and a server database, or PARCELOPS_PRODUCTION=true."""
    if _is_true(environ.get("DEBUG", "")):
        return False
    return is_server_database(environ) or _is_true(environ.get("PARCELOPS_PRODUCTION", ""))


def data_dir(environ: Mapping[str, str]) -> Path:
    """The data directory as config/settings.py resolves it."""
    return Path(environ.get("PARCELOPS_DATA_DIR", str(BASE_DIR / "var"))).resolve()


def sqlite_database(environ: Mapping[str, str]) -> Path:
    url = environ.get("DATABASE_URL", "")
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///")).resolve()
    return data_dir(environ) / "parcelops.sqlite3"


def generate_secrets() -> dict[str, str]:
    """A full set of new production secrets, by variable name."""
    return {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "PARCELOPS_DATA_KEYS": Fernet.generate_key().decode(),
        "PARCELOPS_INDEX_KEY": secrets.token_urlsafe(32),
        "PARCELOPS_AUDIT_KEY": secrets.token_urlsafe(32),
    }


def _bad_data_keys(raw: str) -> bool:
    keys = [k for k in re.split(r"[,\s]+", raw) if k]
    try:
        for key in keys:
            Fernet(key)
    except ValueError:
        return True
    return not keys


def _returning(value: str) -> Callable[[], str]:
    return lambda: value


def check_secrets(environ: Mapping[str, str]) -> None:
    """Raise SecretsError when this process must not start; in the embedded default on
    an empty data directory, create the key files first."""
    data_keys = environ.get("PARCELOPS_DATA_KEYS", "")
    if data_keys and _bad_data_keys(data_keys):
        raise SecretsError(
            "PARCELOPS_DATA_KEYS holds a value that is not a Fernet key "
            f"(comma-separated, newest first); {GENERATE_HINT} for a new one"
        )
    if is_production(environ):
        missing = [name for name in SECRET_FILES if not environ.get(name, "").strip()]
        if missing:
            raise SecretsError(
                f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set: a "
                "production process (DEBUG off with a server database, or "
                f"PARCELOPS_PRODUCTION=true) needs {', '.join(SECRET_FILES)}; "
                f"{GENERATE_HINT} and put its lines in the environment file"
            )
        return
    directory = data_dir(environ)
    wanted = [name for name in SECRET_FILES if not environ.get(name, "").strip()]
    database = sqlite_database(environ)
    has_database = database.exists() and database.stat().st_size > 0
    if has_database:
        lost = [
            name
            for name in wanted
            if name in DATA_KEY_VARIABLES and not (directory / SECRET_FILES[name]).exists()
        ]
        if lost:
            files = ", ".join(str(directory / SECRET_FILES[name]) for name in lost)
            raise SecretsError(
                f"{', '.join(lost)} not set and {files} missing, but the database {database} "
                "exists: restore the key files (or set the variables) from your backup, as new "
                f"keys would not open its data; {GENERATE_HINT} only for a new installation"
            )
    directory.mkdir(parents=True, exist_ok=True)
    made = generate_secrets()
    for name in wanted:
        read_or_create_secret(directory / SECRET_FILES[name], _returning(made[name]))


def refuse_without_secrets(environ: Mapping[str, str] | None = None) -> None:
    """One line on stderr and exit status 1 when the process must not start."""
    try:
        check_secrets(os.environ if environ is None else environ)
    except SecretsError as problem:
        raise SystemExit(f"parcelops: {problem}") from None
