"""A small table every process keeps in memory (settings, targets), read again when
another process changed it.

The readers are hot (each case opened, each event folded), so they must not ask the
database; a version in the shared cache (file or Redis, as every worker sees it) says
when to read again, and a process looks at it at most every `check_seconds`. The change
itself calls `changing()` inside its transaction (its own process sees the change at
once) and `changed()` once committed (everyone else within `check_seconds`).
"""

import time
import uuid
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.core.cache import cache

T = TypeVar("T")

_UNSURE = object()  # the version of a copy read while this process's change was pending


class SharedCopy(Generic[T]):
    def __init__(self, version_key: str, read: Callable[[], T], check_seconds: float = 2.0):
        self.version_key = version_key
        self.read = read
        self.check_seconds = check_seconds
        self._copy: tuple[T, Any] | None = None  # the value and the version it was read at
        self._checked_at = float("-inf")
        self._is_change_pending = False

    def get(self) -> T:
        """The copy, read again when the shared version moved since it was read."""
        copy, clock = self._copy, time.monotonic()
        if copy is not None and clock - self._checked_at < self.check_seconds:
            return copy[0]
        version = cache.get(self.version_key)
        if copy is None or version != copy[1]:
            if self._is_change_pending:
                # Read while this process's change is not committed: a rollback may undo
                # what it sees, so it is read again at the next check whatever the version.
                version, self._is_change_pending = _UNSURE, False
            copy = self._copy = (self.read(), version)
        self._checked_at = clock
        return copy[0]

    def changing(self) -> None:
        """This process's transaction changed the table: its own readers see it now."""
        self.forget()
        self._is_change_pending = True

    def changed(self) -> None:
        """A change is committed: this process reads again now, the others at their next
        check (they see a new version)."""
        cache.set(self.version_key, uuid.uuid4().hex, None)
        self.forget()

    def forget(self) -> None:
        """Drop this process's copy; the next reader reads the table."""
        self._copy = None
        self._checked_at = float("-inf")
        self._is_change_pending = False
