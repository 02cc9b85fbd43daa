"""A table kept in each process's memory: read once, served from memory, read again when
another process's committed change moves the shared version, or after this process's own
change (which a rollback may undo)."""

from django.core.cache import cache

from parcelops.core.shared_copy import SharedCopy

KEY = "test:shared-copy:version"


class Table:
    """A stand-in for a settings table: its rows, and how often it was read."""

    def __init__(self) -> None:
        self.rows = ["first"]
        self.reads = 0

    def read(self) -> list[str]:
        self.reads += 1
        return list(self.rows)


def test_it_is_read_once_then_served_from_memory():
    table = Table()
    copy = SharedCopy(KEY, table.read)
    assert copy.get() == ["first"]
    assert copy.get() == ["first"]
    assert table.reads == 1


def test_another_process_change_is_seen_at_the_next_check_only():
    table = Table()
    copy = SharedCopy(KEY, table.read, check_seconds=3600)
    copy.get()
    table.rows = ["second"]
    cache.set(KEY, "moved by another process")
    assert copy.get() == ["first"]  # within the check interval: no look at the cache
    copy.check_seconds = 0
    assert copy.get() == ["second"]
    assert copy.get() == ["second"]
    assert table.reads == 2


def test_a_committed_change_moves_the_version_and_is_read_at_once():
    table = Table()
    copy = SharedCopy(KEY, table.read, check_seconds=3600)
    copy.get()
    table.rows = ["second"]
    copy.changed()
    assert cache.get(KEY) is not None
    assert copy.get() == ["second"]


def test_a_copy_read_during_a_pending_change_is_read_again_at_the_next_check():
    table = Table()
    copy = SharedCopy(KEY, table.read, check_seconds=0)
    copy.get()
    table.rows = ["uncommitted"]
    copy.changing()
    assert copy.get() == ["uncommitted"]
    table.rows = ["first"]  # rolled back; the shared version never moved
    assert copy.get() == ["first"]
    assert copy.get() == ["first"]
    assert table.reads == 3


def test_a_cleared_cache_counts_as_a_change():
    table = Table()
    copy = SharedCopy(KEY, table.read, check_seconds=0)
    copy.changed()
    copy.get()
    table.rows = ["second"]
    cache.clear()
    assert copy.get() == ["second"]
