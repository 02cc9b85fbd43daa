"""Pure hashing of audit records: what the chain is made of.

A record's hash is an HMAC under the audit key (kept beside the other keys, outside the
database), so whoever can write the database but lacks the key cannot re-hash an edited
chain into one that verifies (decision 0023).
"""

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = "0" * 64


def _canonical(state: Any) -> bytes:
    return json.dumps(
        state, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":")
    ).encode()


def digest(state: Any) -> str:
    """A stable SHA-256 of any JSON-able state (dict keys sorted); '' for no state."""
    if state is None:
        return ""
    return hashlib.sha256(_canonical(state)).hexdigest()


def _record_payload(
    *,
    previous_hash: str,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str,
    at: datetime,
    before_digest: str,
    after_digest: str,
    detail: dict[str, Any],
) -> dict[str, Any]:
    return {
        "previous_hash": previous_hash,
        "actor": actor_label,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "at": at.isoformat(timespec="microseconds"),
        "before": before_digest,
        "after": after_digest,
        "detail": detail,
    }


HASHED_COLUMNS = (
    "previous_hash", "actor_label", "action", "object_type", "object_id", "before_digest",
    "after_digest", "detail",
)  # fmt: skip


def hashed_fields(record: Any, **overrides: Any) -> dict[str, Any]:
    """The columns of a stored record that its hash covers, its time in UTC."""
    fields = {name: getattr(record, name) for name in HASHED_COLUMNS}
    fields["at"] = record.at.astimezone(UTC)
    return {**fields, **overrides}


def record_hash(*, key: bytes, **fields: Any) -> str:
    """The record's HMAC-SHA256 under the audit key; ``fields`` are the record's columns."""
    return hmac.new(key, _canonical(_record_payload(**fields)), hashlib.sha256).hexdigest()


def unkeyed_record_hash(**fields: Any) -> str:
    """The hash records had before the chain was keyed (audit migration 0002 re-keys them)."""
    return digest(_record_payload(**fields))


def witness_mac(key: bytes, count: int, head_hash: str) -> str:
    """What a witness line is signed with: a line forged without the key is refused."""
    return hmac.new(key, f"witness {count} {head_hash}".encode(), hashlib.sha256).hexdigest()
