"""Secrets generated on first start and kept in the data directory (no Django imports:
config/settings.py uses this before Django is set up)."""

import os
from collections.abc import Callable
from pathlib import Path


def read_or_create_secret(path: Path, make: Callable[[], str]) -> str:
    """The file's content; created with ``make()`` (mode 600) if missing.

    Created with O_EXCL so that two processes starting at once (gunicorn workers, test
    workers) end up with the same secret instead of each writing its own.
    """
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(make() + "\n")
    for _attempt in range(100):
        content = path.read_text().strip()
        if content:
            return content
    raise RuntimeError(f"{path} is empty")


def create_private_file(path: Path | str) -> None:
    """Create ``path`` empty with mode 600 unless it exists, so that a database file that
    SQLite opens next (and its -wal and -shm files, which take the database's mode) is
    readable by the product's user only."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(descriptor)
