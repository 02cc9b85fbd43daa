"""A per-process copy of some tables: read once, read again when the shared version
changes, and once more after a change of this process that may have been rolled back."""

from django.core.cache import cache

from parcelops.core.process_copy import ProcessCopy


class Tables:
    """Stands in for the database: counts the reads, returns its current contents."""

    def __init__(self) -> None:
        self.contents = "first"
        self.reads = 0

    def read(self) -> str:
        self.reads += 1
        return self.contents


def test_the_copy_is_read_once_and_again_when_the_shared_version_changes():
    tables = Tables()
    copy = ProcessCopy("test:copy:version", tables.read, check_seconds=0)

    assert (copy.current(), copy.current(), tables.reads) == ("first", "first", 1)
    tables.contents = "second"
    assert copy.current() == "first"  # nobody said so
    cache.set("test:copy:version", "another process changed it")
    assert (copy.current(), tables.reads) == ("second", 2)


def test_within_the_check_seconds_the_shared_version_is_not_even_asked():
    tables = Tables()
    copy = ProcessCopy("test:copy:version", tables.read, check_seconds=3600)
    copy.current()
    tables.contents = "second"
    cache.set("test:copy:version", "changed")

    assert copy.current() == "first"
    copy.changed()
    assert copy.current() == "second"


def test_a_copy_read_during_an_uncommitted_change_is_read_again_at_the_next_check():
    tables = Tables()
    copy = ProcessCopy("test:copy:version", tables.read, check_seconds=0)
    copy.current()
    copy.changing()
    tables.contents = "uncommitted"
    assert copy.current() == "uncommitted"
    tables.contents = "first"  # rolled back: nobody announces anything

    assert copy.current() == "first"
    assert tables.reads == 3


def test_an_override_serves_without_reading():
    tables = Tables()
    copy = ProcessCopy("test:copy:version", tables.read)

    with copy.overridden("fixed"):
        assert copy.current() == "fixed"
    assert tables.reads == 0
