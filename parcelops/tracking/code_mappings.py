"""The codes staff mapped by hand (tracking.models.CodeMapping), as ingestion applies them to
events that the provider modules left unmapped.

Every push may ask, so the mappings live in a dict cached in the process. A version key in
the shared cache (file or Redis, as every worker sees it) says when to read them again:
saving a mapping changes it, and nothing is read from the database while it stays the same.
"""

import dataclasses
import uuid
from collections.abc import Sequence

from django.core.cache import cache
from django.db import transaction

from parcelops.tracking.events import ParsedEvent
from parcelops.tracking.models import CodeMapping

VERSION_KEY = "tracking:code-mappings:version"

Mappings = dict[tuple[str, str], tuple[str, str]]  # (provider, raw code) -> (status, substatus)


@dataclasses.dataclass
class _Loaded:
    version: str | None = None
    mappings: Mappings = dataclasses.field(default_factory=dict)


_loaded = _Loaded()


def _current_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:  # the cache was cleared (or never set): agree on a new one
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(VERSION_KEY) or ""
    return str(version)


def staff_mappings() -> Mappings:
    """Every mapping staff made, read again only when the version key changed."""
    version = _current_version()
    if version != _loaded.version:
        rows = CodeMapping.objects.values_list("provider", "raw_code", "status", "substatus")
        _loaded.mappings = {(p, code): (status, sub) for p, code, status, sub in rows}
        _loaded.version = version
    return _loaded.mappings


def mappings_changed() -> None:
    """A mapping was saved: every process reads them again. Now, so this transaction's
    own ingestion sees it, and after the commit, so no process keeps a dict read before."""

    def bump() -> None:
        cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)

    bump()
    transaction.on_commit(bump)


def with_staff_mappings(events: Sequence[ParsedEvent]) -> Sequence[ParsedEvent]:
    """The events, those unmapped by their provider module given the status staff mapped
    their code to. The common chunk (every event mapped) costs one pass and no lookup."""
    if all(event.status for event in events):
        return events
    mappings = staff_mappings()
    if not mappings:
        return events
    mapped: list[ParsedEvent] = []
    for event in events:
        found = None if event.status else mappings.get((event.provider, event.raw_code[:60]))
        if found is None:
            mapped.append(event)
        else:
            mapped.append(dataclasses.replace(event, status=found[0], substatus=found[1]))
    return mapped
