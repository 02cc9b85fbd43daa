"""Writing and verifying the audit trail."""

from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import models, transaction

from parcelops.audit.chain import GENESIS_HASH, digest, record_hash
from parcelops.audit.models import AuditHead, AuditRecord
from parcelops.core.clock import now

SYSTEM_ACTOR = "system"


def actor_label_of(actor: User | AnonymousUser | None) -> str:
    if actor is None or not actor.is_authenticated:
        return SYSTEM_ACTOR
    return actor.get_username()


def _locked_head() -> AuditHead:
    # The head row is the chain's lock: on PostgreSQL SELECT ... FOR UPDATE serialises
    # appenders; on SQLite the IMMEDIATE transaction already does.
    head = AuditHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        head, _ = AuditHead.objects.get_or_create(pk=1, defaults={"last_hash": GENESIS_HASH})
        head = AuditHead.objects.select_for_update().get(pk=1)
    return head


def record_audit(
    actor: User | AnonymousUser | None,
    action: str,
    obj: models.Model | tuple[str, str],
    *,
    before: Any = None,
    after: Any = None,
    detail: dict[str, Any] | None = None,
) -> AuditRecord:
    """Append one record to the chain, inside the caller's transaction."""
    if isinstance(obj, tuple):
        object_type, object_id = obj
    else:
        object_type, object_id = obj._meta.label_lower, str(obj.pk)
    label = actor_label_of(actor)
    user = actor if actor is not None and actor.is_authenticated else None
    at = now().astimezone(UTC)
    detail = detail or {}
    with transaction.atomic():
        head = _locked_head()
        fields: dict[str, Any] = {
            "actor_label": label,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "at": at,
            "before_digest": digest(before),
            "after_digest": digest(after),
            "detail": detail,
        }
        new_hash = record_hash(previous_hash=head.last_hash, **fields)
        record = AuditRecord.objects.create(
            actor=user, previous_hash=head.last_hash, hash=new_hash, **fields
        )
        AuditHead.objects.filter(pk=1).update(
            last_hash=new_hash, record_count=models.F("record_count") + 1
        )
    return record


@dataclass(frozen=True)
class ChainBreak:
    record_id: int | None
    reason: str


def verify_audit_chain() -> ChainBreak | None:
    """None when the chain is whole; otherwise the first broken record and why."""
    expected_previous = GENESIS_HASH
    count = 0
    for record in AuditRecord.objects.order_by("id").iterator(chunk_size=2000):
        count += 1
        if record.previous_hash != expected_previous:
            return ChainBreak(
                record.pk,
                "its previous hash does not match the record before it: a record was removed or changed",
            )
        recomputed = record_hash(
            previous_hash=record.previous_hash,
            actor_label=record.actor_label,
            action=record.action,
            object_type=record.object_type,
            object_id=record.object_id,
            at=record.at.astimezone(UTC),
            before_digest=record.before_digest,
            after_digest=record.after_digest,
            detail=record.detail,
        )
        if recomputed != record.hash:
            return ChainBreak(
                record.pk, "its content does not match its hash: the record was edited"
            )
        expected_previous = record.hash
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.last_hash != expected_previous or head.record_count != count):
        return ChainBreak(
            None,
            f"the chain ends after {count} records but {head.record_count} were written: the newest records were removed",
        )
    return None
