"""An exclusive kernel lock (flock) on a file: serialises the writers of one SQLite file
across processes and threads, and wakes a waiting writer the moment the holder lets go.

SQLite's own busy handler polls instead: a writer that finds the file locked sleeps 1, 2,
5, 10 ... ms between tries, so under steady writes most of a request's time was spent
asleep (decision 0012). The kernel lock only decides who goes first: SQLite's lock still
guards the data, so a writer that bypasses this lock is still correct, merely slower.

The lock belongs to the open file, not the process: each database connection opens the
lock file itself, so two connections of one process (two gunicorn threads) exclude each
other too. The kernel releases it when the holder's process ends, however it ends.
"""

import fcntl
import logging
import os
import threading
from pathlib import Path

logger = logging.getLogger(__name__)

# (lock file, thread) -> the FileLock holding it: one thread never waits for itself.
_holders: dict[tuple[str, int], "FileLock"] = {}


class FileLock:
    """One holder's handle on a lock file. Not shared between threads."""

    def __init__(self, path: Path | str):
        self.path = str(path)
        self.fd: int | None = None
        self.is_held = False
        self.is_broken = False  # the file could not be opened: work without the lock
        self.holder_key: tuple[str, int] | None = None

    def acquire(self) -> None:
        """Wait for the lock, without a time limit: its holder is a running transaction,
        and the kernel frees the lock if the holder's process dies. A second connection of
        the same thread does not wait for the first (that would wait for ever); it goes
        straight to SQLite's own locking, as it did before this lock existed."""
        if self.is_held or self.is_broken:
            return
        key = (self.path, threading.get_ident())
        if _holders.get(key) not in (None, self):
            return
        if self.fd is None:
            try:
                self.fd = os.open(self.path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
            except OSError:
                self.is_broken = True
                logger.warning("cannot open the writers' lock file %s", self.path, exc_info=True)
                return
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        self.is_held = True
        self.holder_key = key
        _holders[key] = self

    def release(self) -> None:
        if not self.is_held or self.fd is None:
            return
        self.is_held = False
        if self.holder_key is not None:
            _holders.pop(self.holder_key, None)
            self.holder_key = None
        fcntl.flock(self.fd, fcntl.LOCK_UN)

    def close(self) -> None:
        """Release the lock and close the file (closing alone would release it too)."""
        try:
            self.release()
        finally:
            if self.fd is not None:
                os.close(self.fd)
                self.fd = None
