"""A per-process copy of tables that rarely change and are read on hot paths (the desk's
thresholds, read for every parcel of every ingestion chunk): kept in memory, and read
again when a version in the shared cache says someone changed them, which a process
looks at every few seconds at most. The pattern of parcelops.carriers.registry, as one
piece that more tables can use.
"""

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

from django.core.cache import cache

Copy = TypeVar("Copy")

# How often a process asks the shared cache whether the tables changed.
CHECK_SECONDS = 2.0

_UNSURE = object()  # the version of a copy read while a change was pending


class ProcessCopy(Generic[Copy]):
    """What `read()` builds from the tables, kept until the version under `version_key`
    in the shared cache changes (or this process forgets it)."""

    def __init__(
        self, version_key: str, read: Callable[[], Copy], check_seconds: float = CHECK_SECONDS
    ) -> None:
        self.version_key = version_key
        self.check_seconds = check_seconds
        self._read = read
        self._copy: Copy | None = None
        self._version: Any = None
        self._checked_at = float("-inf")
        # A change of this process's transaction not committed yet: the copy read now may
        # hold what a rollback undoes, so it is read again at the next check.
        self._is_change_pending = False
        self._override: Copy | None = None

    def current(self) -> Copy:
        if self._override is not None:
            return self._override
        copy = self._copy
        clock = time.monotonic()
        if copy is not None and clock - self._checked_at < self.check_seconds:
            return copy
        version = cache.get(self.version_key)
        if copy is None or version != self._version:
            if self._is_change_pending:
                version, self._is_change_pending = _UNSURE, False
            copy = self._read()
            self._copy, self._version = copy, version
        self._checked_at = clock
        return copy

    def changing(self) -> None:
        """This process's transaction changed the tables: its own reads see the change
        now; call `changed` once it is committed (transaction.on_commit)."""
        self.forget()
        self._is_change_pending = True

    def changed(self) -> None:
        """A change is committed: this process reads again now, the others within
        check_seconds (they see a new version in the shared cache)."""
        cache.set(self.version_key, uuid.uuid4().hex, None)
        self.forget()

    def forget(self) -> None:
        """Drop this process's copy; the next read builds it again."""
        self._copy = None
        self._checked_at = float("-inf")
        self._is_change_pending = False

    @contextmanager
    def overridden(self, copy: Copy) -> Iterator[None]:
        """Serve this copy without asking the database (tests that have none)."""
        previous = self._override
        self._override = copy
        try:
            yield
        finally:
            self._override = previous
