"""Django's SQLite backend, with its writers queued on a kernel lock (decision 0012).

Every transaction is BEGIN IMMEDIATE (config/settings.py), so it takes SQLite's write
lock at once, and a second writer waits in SQLite's busy handler, which sleeps 1, 2, 5,
10 ... ms between tries and so leaves the lock idle while writers sleep. Here a writer
first takes an exclusive flock on `<database>.lock` (parcelops.core.filelock) and only
then begins; it lets go after COMMIT or ROLLBACK. A waiting writer sleeps in the kernel
and wakes the moment the lock is free, then finds SQLite's lock free too.

Autocommit writes (an UPDATE or INSERT outside any atomic block) take the same lock for
their one statement. SQLite's own lock still guards the data: a writer outside this
backend (the sqlite3 shell, another program) is still correct, it just queues the old way.
An in-memory database (the tests' default) has no file and no lock.

Checkpoints (copying the write-ahead log into the database file, with an fsync) run
after the lock is let go, not inside COMMIT: SQLite's automatic checkpoint runs in the
committing call, which here still holds the lock, so every writer waited for each
checkpoint's disk flush (decision 0015). A connection checkpoints (PASSIVE: it never
waits for readers or writers) once it has changed `checkpoint_every_changes` rows since
its last one; SQLite's own automatic checkpoint stays as a backstop at a much larger log
(`PRAGMA wal_autocheckpoint` in config/settings.py).
"""

import functools
from typing import Any

from django.db.backends.sqlite3 import base as sqlite3_base

from parcelops.core.datafiles import create_private_file
from parcelops.core.filelock import FileLock

# Statements that take SQLite's write lock when they run outside a transaction.
WRITE_STATEMENTS = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")


def lock_path_for(name: Any) -> str | None:
    """The lock file beside a database file; None for an in-memory or URI database."""
    name = str(name)
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return f"{name}.lock"


@functools.lru_cache(maxsize=2048)
def _qmark_style(query: str) -> str:
    """Django's "format" to sqlite3's "qmark" placeholders, once per distinct statement:
    the regular expression ran over every statement's text, every time (decision 0015)."""
    return sqlite3_base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")


class LockingCursorWrapper(sqlite3_base.SQLiteCursorWrapper):
    """Takes the writers' lock around a write statement run in autocommit mode."""

    writers_lock: FileLock | None = None

    def convert_query(self, query: str, *, param_names: Any = None) -> str:
        if param_names is None:
            return _qmark_style(query)
        return str(super().convert_query(query, param_names=param_names))

    def execute(self, query: str, params: Any = None) -> Any:
        lock = self._lock_needed_for(query)
        if lock is None:
            return super().execute(query, params)
        lock.acquire()
        try:
            return super().execute(query, params)
        finally:
            self._release_unless_in_transaction(lock)

    def executemany(self, query: str, param_list: Any) -> Any:
        lock = self._lock_needed_for(query)
        if lock is None:
            return super().executemany(query, param_list)
        lock.acquire()
        try:
            return super().executemany(query, param_list)
        finally:
            self._release_unless_in_transaction(lock)

    def _lock_needed_for(self, query: str) -> FileLock | None:
        lock = self.writers_lock
        if lock is None or lock.is_held or self.connection.in_transaction:
            return None  # no file, or the transaction already holds it
        if not query.lstrip()[:7].upper().startswith(WRITE_STATEMENTS):
            return None
        return lock

    def _release_unless_in_transaction(self, lock: FileLock) -> None:
        # Outside autocommit, sqlite3 opens a transaction before a write: it keeps the
        # lock until its COMMIT or ROLLBACK.
        if not self.connection.in_transaction:
            lock.release()


class DatabaseWrapper(sqlite3_base.DatabaseWrapper):
    writers_lock: FileLock | None = None
    checkpoint_every_changes = 5000  # rows changed by this connection between checkpoints
    _changes_at_checkpoint = 0

    def get_new_connection(self, conn_params: Any) -> Any:
        if not self.is_in_memory_db():
            create_private_file(self.settings_dict["NAME"])
        connection = super().get_new_connection(conn_params)
        path = None if self.is_in_memory_db() else lock_path_for(self.settings_dict["NAME"])
        if path is None:
            self.writers_lock = None
        elif self.writers_lock is None or self.writers_lock.path != path:
            self.writers_lock = FileLock(path)
        return connection

    def create_cursor(self, name: Any = None) -> Any:
        cursor = self.connection.cursor(factory=LockingCursorWrapper)
        cursor.writers_lock = self.writers_lock
        return cursor

    def _start_transaction_under_autocommit(self) -> None:
        lock = self.writers_lock
        if lock is None:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
            return
        lock.acquire()
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            lock.release()
            raise

    def _commit(self) -> Any:
        try:
            return super()._commit()  # type: ignore[misc]
        finally:
            self._release_after_transaction()
            self._checkpoint_if_due()

    def _rollback(self) -> Any:
        try:
            return super()._rollback()  # type: ignore[misc]
        finally:
            self._release_after_transaction()

    def _close(self) -> Any:
        try:
            return super()._close()  # type: ignore[misc]
        finally:
            if self.writers_lock is not None:
                self.writers_lock.close()

    def _checkpoint_if_due(self) -> None:
        connection = self.connection
        if self.writers_lock is None or connection is None or connection.in_transaction:
            return
        changes = connection.total_changes
        if changes - self._changes_at_checkpoint >= self.checkpoint_every_changes:
            self._changes_at_checkpoint = changes
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def _release_after_transaction(self) -> None:
        # A COMMIT that failed leaves the transaction open: the lock goes with its ROLLBACK.
        lock = self.writers_lock
        if lock is not None and (self.connection is None or not self.connection.in_transaction):
            lock.release()
