"""The audit chain's witness: its head, written outside the database as it grows.

Each line says "after N records the chain's head was H", signed with the audit key. The
file is only ever appended to, so whoever removes the newest records (and the head row
with them) or re-hashes the chain leaves the database disagreeing with a line written
before. `audit verify` checks the chain against every line (decision 0023).
"""

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings

from parcelops.audit.chain import witness_mac
from parcelops.core import crypto
from parcelops.core.clock import now


@dataclass(frozen=True)
class WitnessLine:
    line_number: int
    count: int
    head_hash: str
    is_signed: bool  # False: the line was not written with this installation's audit key


def witness_path() -> Path:
    return Path(settings.PARCELOPS_AUDIT_WITNESS)


def append_witness(count: int, head_hash: str, at: datetime | None = None) -> None:
    """Append one signed line; O_APPEND keeps lines whole when several processes write."""
    at = at or now()
    mac = witness_mac(crypto.audit_key(), count, head_hash)
    line = f"{at.isoformat(timespec='seconds')} {count} {head_hash} {mac}\n".encode()
    descriptor = os.open(witness_path(), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, line)
    finally:
        os.close(descriptor)


def read_witness() -> Iterator[WitnessLine]:
    """Every line of the witness file (none when there is no file yet)."""
    try:
        handle = witness_path().open(encoding="ascii", errors="replace")
    except FileNotFoundError:
        return
    key = crypto.audit_key()
    with handle:
        for line_number, line in enumerate(handle, start=1):
            parts = line.split()
            if len(parts) != 4 or not parts[1].isdigit():
                yield WitnessLine(line_number, -1, "", is_signed=False)
                continue
            count, head_hash, mac = int(parts[1]), parts[2], parts[3]
            signed = mac == witness_mac(key, count, head_hash)
            yield WitnessLine(line_number, count, head_hash, is_signed=signed)


# When this process last wrote a line after a commit (see note_head).
_last_noted: dict[str, datetime] = {}


def note_head(count: int, head_hash: str) -> None:
    """After a commit that appended records: write the head if this process has not
    written one for PARCELOPS_AUDIT_WITNESS_INTERVAL seconds. A failing write never
    undoes the committed action; the periodic task writes the head again."""
    moment = now()
    last = _last_noted.get("at")
    interval = settings.PARCELOPS_AUDIT_WITNESS_INTERVAL
    if last is not None and (moment - last).total_seconds() < interval:
        return
    _last_noted["at"] = moment
    try:
        append_witness(count, head_hash, moment)
    except OSError:
        _last_noted.pop("at", None)


def reset_witness() -> Path | None:
    """Move the witness aside (after restoring an older backup, the database is rightly
    behind it); returns where the old file went, None when there was none."""
    path = witness_path()
    if not path.exists():
        return None
    aside = path.with_name(f"{path.name}.{now().strftime('%Y%m%dT%H%M%SZ')}")
    path.rename(aside)
    return aside
