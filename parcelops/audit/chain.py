"""Pure hashing of audit records: what the chain is made of."""

import hashlib
import json
from datetime import datetime
from typing import Any

GENESIS_HASH = "0" * 64


def digest(state: Any) -> str:
    """A stable SHA-256 of any JSON-able state (dict keys sorted); '' for no state."""
    if state is None:
        return ""
    text = json.dumps(state, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def record_hash(
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
) -> str:
    payload = {
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
    return digest(payload)
