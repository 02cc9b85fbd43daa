"""SQLite writers queue on a kernel lock beside the database file (decision 0012): held
from BEGIN to COMMIT or ROLLBACK, around autocommit writes, and never left behind."""

import fcntl
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, connections, transaction

from parcelops.core.filelock import FileLock
from parcelops.core.sqlite_backend.base import DatabaseWrapper, LockingCursorWrapper, lock_path_for

ALIAS = "writers_lock_test"


def is_taken(path: Path | str) -> bool:
    """Whether some other open file holds the lock (asked without waiting)."""
    fd = os.open(path, os.O_RDONLY | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


@pytest.fixture
def file_database(tmp_path, django_db_blocker):
    """A connection through this backend to a database file, as the server opens it."""
    name = tmp_path / "parcelops.sqlite3"
    settings_dict = connections.configure_settings(
        {
            "default": {"ENGINE": "django.db.backends.dummy"},
            ALIAS: {
                "ENGINE": "parcelops.core.sqlite_backend",
                "NAME": str(name),
                "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 5},
            },
        }
    )[ALIAS]
    wrapper = DatabaseWrapper(settings_dict, alias=ALIAS)
    connections[ALIAS] = wrapper
    with django_db_blocker.unblock():
        with wrapper.cursor() as cursor:
            cursor.execute("CREATE TABLE parcel (id INTEGER PRIMARY KEY, note TEXT)")
        yield wrapper, Path(f"{name}.lock")
        wrapper.close()
    del connections[ALIAS]


class RefusedError(Exception):
    pass


def insert(wrapper: DatabaseWrapper, note: str) -> None:
    with wrapper.cursor() as cursor:
        cursor.execute("INSERT INTO parcel (note) VALUES (%s)", [note])


def insert_then_fail(wrapper: DatabaseWrapper, note: str) -> None:
    with transaction.atomic(using=ALIAS):
        insert(wrapper, note)
        raise RefusedError


def notes(wrapper: DatabaseWrapper) -> list[str]:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT note FROM parcel ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


def test_the_lock_file_sits_beside_a_database_file_and_memory_has_none():
    assert lock_path_for("/srv/var/parcelops.sqlite3") == "/srv/var/parcelops.sqlite3.lock"
    assert lock_path_for(":memory:") is None
    assert lock_path_for("file:memorydb_default?mode=memory&cache=shared") is None


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite settings")
def test_settings_choose_this_backend_for_sqlite():
    assert connection.settings_dict["ENGINE"] == "parcelops.core.sqlite_backend"


def test_a_transaction_holds_the_lock_from_begin_to_commit(file_database):
    wrapper, lock = file_database
    assert is_taken(lock) is False
    with transaction.atomic(using=ALIAS):
        assert is_taken(lock) is True
        insert(wrapper, "picked up")
        assert is_taken(lock) is True
    assert is_taken(lock) is False
    assert notes(wrapper) == ["picked up"]


def test_a_nested_block_keeps_the_lock_until_the_outermost_block_ends(file_database):
    wrapper, lock = file_database
    with transaction.atomic(using=ALIAS):
        with transaction.atomic(using=ALIAS):
            insert(wrapper, "inner")
        assert is_taken(lock) is True
        with pytest.raises(RefusedError):
            insert_then_fail(wrapper, "rolled back to its savepoint")
        assert is_taken(lock) is True
    assert is_taken(lock) is False
    assert notes(wrapper) == ["inner"]


def test_an_error_rolls_back_and_releases_the_lock(file_database):
    wrapper, lock = file_database
    with pytest.raises(RefusedError):
        insert_then_fail(wrapper, "never stored")
    assert is_taken(lock) is False
    assert notes(wrapper) == []


def test_a_failed_begin_releases_the_lock(file_database):
    wrapper, lock = file_database
    wrapper.ensure_connection()
    wrapper.transaction_mode = "NONSENSE"  # BEGIN NONSENSE: a syntax error
    with pytest.raises(DatabaseError), transaction.atomic(using=ALIAS):
        pass
    assert is_taken(lock) is False
    wrapper.transaction_mode = "IMMEDIATE"
    with transaction.atomic(using=ALIAS):
        assert is_taken(lock) is True


def test_closing_the_connection_inside_a_transaction_releases_the_lock(file_database):
    wrapper, lock = file_database
    with transaction.atomic(using=ALIAS):
        insert(wrapper, "lost with the connection")
        wrapper.close()
        assert is_taken(lock) is False
    assert notes(wrapper) == []
    with transaction.atomic(using=ALIAS):  # the next connection locks again
        assert is_taken(lock) is True
    assert is_taken(lock) is False


def test_an_autocommit_write_holds_the_lock_for_its_statement_and_a_read_never(
    file_database,
):
    wrapper, lock = file_database
    wrapper.ensure_connection()
    # SQLite calls back into Python while the statement runs: the lock is looked at then.
    wrapper.connection.create_function("lock_taken", 0, lambda: int(is_taken(lock)))
    with wrapper.cursor() as cursor:
        cursor.execute("INSERT INTO parcel (note) VALUES (CAST(lock_taken() AS TEXT))")
        cursor.executemany(
            "INSERT INTO parcel (note) VALUES (CAST(lock_taken() AS TEXT) || %s)", [["!"]]
        )
        cursor.execute("SELECT lock_taken()")
        during_read = cursor.fetchone()[0]
    assert notes(wrapper) == ["1", "1!"]
    assert during_read == 0
    assert is_taken(lock) is False


def test_another_process_holding_the_lock_is_seen_and_its_death_frees_it(tmp_path):
    path = tmp_path / "db.sqlite3.lock"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from parcelops.core.filelock import FileLock; "
            f"lock = FileLock({str(path)!r}); lock.acquire(); print('held', flush=True); "
            "sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "held\n"
        assert is_taken(path) is True
    finally:
        holder.kill()  # SIGKILL: no chance to let go by itself
        holder.wait()
    assert is_taken(path) is False


def test_a_second_connection_of_the_same_thread_does_not_wait_for_the_first(tmp_path):
    path = tmp_path / "db.sqlite3.lock"
    first, second = FileLock(path), FileLock(path)
    first.acquire()
    second.acquire()  # would wait for ever on itself: it leaves the waiting to SQLite
    assert (first.is_held, second.is_held) == (True, False)
    first.release()
    second.acquire()
    assert second.is_held is True
    second.close()
    first.close()
    assert is_taken(path) is False


def test_an_unopenable_lock_file_leaves_the_writers_to_sqlite(tmp_path):
    lock = FileLock(tmp_path / "missing-directory" / "db.sqlite3.lock")
    lock.acquire()
    assert (lock.is_held, lock.is_broken) == (False, True)
    lock.release()
    lock.close()


def test_statements_convert_to_sqlite_placeholders_as_djangos_wrapper_does():
    convert = LockingCursorWrapper.convert_query
    cursor = object.__new__(LockingCursorWrapper)  # conversion needs no connection
    assert convert(cursor, "SELECT %s, '100%%' WHERE a = %s") == "SELECT ?, '100%' WHERE a = ?"
    assert convert(cursor, "SELECT %s, '100%%' WHERE a = %s") == "SELECT ?, '100%' WHERE a = ?"
    assert convert(cursor, "SELECT %(a)s", param_names=["a"]) == "SELECT :a"


def test_a_connection_checkpoints_the_log_after_enough_changes_with_the_lock_free(
    file_database, monkeypatch
):
    wrapper, lock_path = file_database
    with wrapper.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA wal_autocheckpoint=0")  # only the backend's own checkpoints
    monkeypatch.setattr(wrapper, "checkpoint_every_changes", 500)
    checkpoints = []
    real_execute = wrapper.connection.execute

    class Spy:  # sqlite3.Connection's methods cannot be replaced on the object itself
        def __getattr__(self, name):
            return getattr(real_execute.__self__, name)

        def execute(self, sql, *args):
            if sql.startswith("PRAGMA wal_checkpoint"):
                checkpoints.append((sql, is_taken(lock_path)))
            return real_execute(sql, *args)

    def write(rows: int) -> None:
        with transaction.atomic(using=ALIAS), wrapper.cursor() as cursor:
            cursor.executemany("INSERT INTO parcel (note) VALUES (%s)", [["x"]] * rows)

    write(10)  # the first commit: 10 rows is not enough
    monkeypatch.setattr(wrapper, "connection", Spy())
    write(100)
    assert checkpoints == []
    write(400)  # 510 rows since the connection opened
    assert checkpoints == [("PRAGMA wal_checkpoint(PASSIVE)", False)]
    write(499)
    assert len(checkpoints) == 1
    write(1)
    assert len(checkpoints) == 2


def test_a_new_database_file_and_its_log_are_readable_by_their_owner_only(file_database):
    wrapper, _lock = file_database
    with wrapper.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode=WAL")  # as the settings open it
    insert(wrapper, "written")  # the write-ahead log exists once something was written
    database = Path(wrapper.settings_dict["NAME"])

    modes = {
        path.name: stat.S_IMODE(path.stat().st_mode)
        for path in (database, Path(f"{database}-wal"))
        if path.exists()
    }

    assert modes == {database.name: 0o600, f"{database.name}-wal": 0o600}
