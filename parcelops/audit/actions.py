"""Writing and verifying the audit trail."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import connection, models, transaction

from parcelops.audit import witness
from parcelops.audit.chain import GENESIS_HASH, digest, hashed_fields, record_hash
from parcelops.audit.models import AuditHead, AuditRecord
from parcelops.core import crypto
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
        new_hash = record_hash(key=crypto.audit_key(), previous_hash=previous_hash, **fields)
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
                "WHERE id = 1 RETURNING record_count",
                [new_hash],
            )
            count = cursor.fetchone()[0]
        transaction.on_commit(lambda: witness.note_head(count, new_hash))
    record._state.adding = False
    return record


def write_witness() -> tuple[int, str] | None:
    """Write the chain's head to the witness now (the worker does each minute); the
    count and hash written, None for a chain with no records yet."""
    head = AuditHead.objects.filter(pk=1).first()
    if head is None or head.record_count == 0:
        return None
    witness.append_witness(head.record_count, head.last_hash)
    return head.record_count, head.last_hash


@dataclass(frozen=True)
class ChainBreak:
    record_id: int | None
    reason: str


def _witness_problem(seen: dict[int, str], count: int) -> ChainBreak | None:
    """The witness lines that the walked chain (``seen``: position -> hash) contradicts."""
    for line in witness.read_witness():
        if not line.is_signed:
            return ChainBreak(
                None,
                f"line {line.line_number} of the witness file is not signed with this "
                "installation's audit key: the witness was edited",
            )
        if line.count > count:
            return ChainBreak(
                None,
                f"the witness saw {line.count} records but the chain holds {count}: "
                "the newest records were removed",
            )
        if line.count > 0 and seen.get(line.count) != line.head_hash:
            return ChainBreak(
                None,
                f"record {line.count} of the chain is not the one the witness saw: "
                "the chain was rewritten",
            )
    return None


VERIFY_PAGE = 2000  # records read per query by verify


def _records_in_order(page: int = VERIFY_PAGE) -> Iterator[AuditRecord]:
    """Every record by id, a keyset page per query. Plain queries, not a server-side
    cursor: a named cursor does not survive PgBouncer's transaction mode, and without one
    `.iterator()` would load the whole chain at once."""
    after = 0
    while True:
        records = list(AuditRecord.objects.filter(pk__gt=after).order_by("id")[:page])
        yield from records
        if len(records) < page:
            return
        after = records[-1].pk


@contextmanager
def _one_snapshot() -> Iterator[None]:
    """On PostgreSQL, the pages and the head read in one REPEATABLE READ transaction: the
    records appended while verify walks cannot make the head look ahead of the chain (and
    a transaction stays on one server connection behind PgBouncer). SQLite: as it comes
    (its IMMEDIATE transactions would hold every writer for the whole walk)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Raw: Django sets the isolation level per connection only, not per transaction.
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def verify_audit_chain() -> ChainBreak | None:
    """None when the chain is whole and agrees with its witness; otherwise the first
    broken record (or the chain's end) and why."""
    with _one_snapshot():
        return _verify_audit_chain()


def _verify_audit_chain() -> ChainBreak | None:
    key = crypto.audit_key()
    witnessed = {line.count for line in witness.read_witness()}
    seen: dict[int, str] = {}  # only the positions the witness speaks of
    expected_previous = GENESIS_HASH
    count = 0
    for record in _records_in_order():
        count += 1
        if record.previous_hash != expected_previous:
            return ChainBreak(
                record.pk,
                "its previous hash does not match the record before it: a record was removed or changed",
            )
        recomputed = record_hash(key=key, **hashed_fields(record))
        if recomputed != record.hash:
            return ChainBreak(
                record.pk,
                "its content does not match its hash under the audit key: the record was "
                "edited, or the audit key is not the one it was written with",
            )
        if count in witnessed:
            seen[count] = record.hash
        expected_previous = record.hash
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.last_hash != expected_previous or head.record_count != count):
        return ChainBreak(
            None,
            f"the chain ends after {count} records but {head.record_count} were written: the newest records were removed",
        )
    return _witness_problem(seen, count)
