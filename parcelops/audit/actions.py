"""Writing and verifying the audit trail."""

from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import connection, models, transaction

from parcelops.audit.chain import GENESIS_HASH, digest, record_hash
from parcelops.audit.models import AuditHead, AuditRecord
from parcelops.core.clock import now

SYSTEM_ACTOR = "system"


def actor_label_of(actor: User | AnonymousUser | None) -> str:
    if actor is None or not actor.is_authenticated:
        return SYSTEM_ACTOR
    return actor.get_username()


def _locked_head() -> str:
    """The newest record's hash, the head row locked until the transaction ends.

    The head row is the chain's lock: on PostgreSQL SELECT ... FOR UPDATE serialises
    appenders; on SQLite the IMMEDIATE transaction already does."""
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT last_hash FROM audit_audithead WHERE id = 1{lock}")  # noqa: S608 (no user input)
        row = cursor.fetchone()
    if row is None:
        AuditHead.objects.get_or_create(pk=1, defaults={"last_hash": GENESIS_HASH})
        return _locked_head()
    return str(row[0])


# Every column but the id: the model's fields adapt the values, as the ORM would.
_RECORD_FIELDS = (
    "actor", "actor_label", "action", "object_type", "object_id", "at", "before_digest",
    "after_digest", "detail", "previous_hash", "hash",
)  # fmt: skip
_INSERT_RECORD = (
    "INSERT INTO audit_auditrecord (actor_id, actor_label, action, object_type, object_id, "
    "at, before_digest, after_digest, detail, previous_hash, hash) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id"
)


def record_audit(
    actor: User | AnonymousUser | None,
    action: str,
    obj: models.Model | tuple[str, str],
    *,
    before: Any = None,
    after: Any = None,
    detail: dict[str, Any] | None = None,
) -> AuditRecord:
    """Append one record to the chain, inside the caller's transaction.

    In SQL, not through the ORM: every order that follows its parcels appends one, and
    the ORM's three statements cost more than a tracking push's own work (decision
    0015). The values are adapted by the model's own fields, as the ORM would."""
    if isinstance(obj, tuple):
        object_type, object_id = obj
    else:
        object_type, object_id = obj._meta.label_lower, str(obj.pk)
    label = actor_label_of(actor)
    user = actor if actor is not None and actor.is_authenticated else None
    at = now().astimezone(UTC)
    detail = detail or {}
    # No savepoint of its own: a record that fails to append must undo the caller's
    # whole action anyway, and a savepoint cost two statements per record.
    with transaction.atomic(savepoint=False):
        previous_hash = _locked_head()
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
        new_hash = record_hash(previous_hash=previous_hash, **fields)
        record = AuditRecord(actor=user, previous_hash=previous_hash, hash=new_hash, **fields)
        values = []
        for name in _RECORD_FIELDS:
            field = AuditRecord._meta.get_field(name)
            assert isinstance(field, models.Field)  # a concrete column (for mypy)
            values.append(field.get_db_prep_save(getattr(record, field.attname), connection))
        with connection.cursor() as cursor:
            cursor.execute(_INSERT_RECORD, values)
            record.pk = cursor.fetchone()[0]
            cursor.execute(
                "UPDATE audit_audithead SET last_hash = %s, record_count = record_count + 1 "
                "WHERE id = 1",
                [new_hash],
            )
    record._state.adding = False
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
