"""The hash-chained audit trail: records chain, tampering is found and named (R9.1)."""

import itertools
from datetime import UTC, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from parcelops.audit.actions import ChainBreak, record_audit, verify_audit_chain
from parcelops.audit.chain import GENESIS_HASH, digest, record_hash
from parcelops.audit.models import AppendOnlyError, AuditHead, AuditRecord

pytestmark = pytest.mark.django_db

KEY = b"a test key of the audit chain"

EDITED = (
    "its content does not match its hash under the audit key: the record was edited, "
    "or the audit key is not the one it was written with"
)
REMOVED = "its previous hash does not match the record before it: a record was removed or changed"


@pytest.fixture
def five_records(make_staff, frozen_now) -> list[AuditRecord]:
    actor = make_staff("auditor", "admin")
    start = AuditRecord.objects.count()
    records = []
    for index in range(5):
        records.append(
            record_audit(
                actor if index % 2 else None,
                "order.edited",
                ("orders.order", str(index)),
                before={"total": index},
                after={"total": index + 1},
                detail={"step": index, "note": "价格调整"},
            )
        )
        frozen_now.shift(timedelta(seconds=1))
    assert AuditRecord.objects.count() == start + 5
    return records


def raw_sql(statement: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_each_record_carries_the_hash_of_the_one_before(five_records):
    everything = list(AuditRecord.objects.order_by("id"))

    assert everything[0].previous_hash == GENESIS_HASH
    for previous, record in itertools.pairwise(everything):
        assert record.previous_hash == previous.hash
    head = AuditHead.objects.get(pk=1)
    assert (head.last_hash, head.record_count) == (everything[-1].hash, len(everything))


def test_a_record_holds_who_did_what_to_which_object_and_when(five_records, frozen_now):
    record = AuditRecord.objects.get(pk=five_records[1].pk)

    assert (record.actor_label, record.action, record.object_type, record.object_id) == (
        "auditor",
        "order.edited",
        "orders.order",
        "1",
    )
    assert record.actor is not None
    assert record.at == datetime(2026, 11, 25, 2, 0, 1, tzinfo=UTC)
    assert record.before_digest == digest({"total": 1})
    assert record.after_digest == digest({"total": 2})
    assert record.detail == {"step": 1, "note": "价格调整"}
    assert AuditRecord.objects.get(pk=five_records[0].pk).actor_label == "system"


def test_the_hash_covers_every_field():
    fields = {
        "previous_hash": GENESIS_HASH,
        "actor_label": "admin",
        "action": "order.edited",
        "object_type": "orders.order",
        "object_id": "1",
        "at": datetime(2026, 11, 25, 2, 0, tzinfo=UTC),
        "before_digest": digest({"a": 1}),
        "after_digest": digest({"a": 2}),
        "detail": {"x": 1},
    }
    original = record_hash(key=KEY, **fields)  # type: ignore[arg-type]
    changes = {
        "previous_hash": "1" * 64,
        "actor_label": "admim",
        "action": "order.deleted",
        "object_type": "orders.customer",
        "object_id": "2",
        "at": datetime(2026, 11, 25, 2, 0, 0, 1, tzinfo=UTC),
        "before_digest": digest({"a": 0}),
        "after_digest": "",
        "detail": {"x": 2},
    }

    for name, value in changes.items():
        assert record_hash(key=KEY, **{**fields, name: value}) != original, name  # type: ignore[arg-type]


def test_digests_do_not_depend_on_key_order():
    assert digest({"a": 1, "b": [1, 2]}) == digest({"b": [1, 2], "a": 1})
    assert digest(None) == ""
    assert digest({}) != digest([])


def test_an_intact_chain_verifies(five_records):
    assert verify_audit_chain() is None


def test_an_empty_chain_verifies():
    AuditHead.objects.all().delete()
    raw_sql("DELETE FROM audit_auditrecord", [])

    assert verify_audit_chain() is None


def test_the_model_refuses_to_change_or_delete_a_record(five_records):
    record = AuditRecord.objects.get(pk=five_records[2].pk)
    record.action = "order.approved"

    with pytest.raises(AppendOnlyError):
        record.save()
    with pytest.raises(AppendOnlyError):
        record.delete()

    assert AuditRecord.objects.get(pk=record.pk).action == "order.edited"
    assert verify_audit_chain() is None


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("action", "order.approved"),
        ("actor_label", "someone_else"),
        ("object_id", "99"),
        ("after_digest", digest({"total": 0})),
        ("detail", '{"step": 2, "note": "no change"}'),
    ],
)
def test_a_record_edited_in_the_database_breaks_the_chain_at_that_record(
    five_records, column, value
):
    edited = five_records[2]
    raw_sql(f"UPDATE audit_auditrecord SET {column} = %s WHERE id = %s", [value, edited.pk])  # noqa: S608 (test-only, fixed names)

    assert verify_audit_chain() == ChainBreak(edited.pk, EDITED)


def test_a_record_edited_together_with_its_own_hash_breaks_the_chain_at_the_next(five_records):
    edited, following = five_records[2], five_records[3]
    new_hash = "f" * 64
    raw_sql(
        "UPDATE audit_auditrecord SET action = %s, hash = %s WHERE id = %s",
        ["order.approved", new_hash, edited.pk],
    )

    # The record's content no longer gives its hash, whatever hash was written with it.
    assert verify_audit_chain() == ChainBreak(edited.pk, EDITED)
    assert AuditRecord.objects.get(pk=following.pk).previous_hash != new_hash


def test_removing_a_record_in_the_middle_breaks_the_chain_at_the_next_record(five_records):
    raw_sql("DELETE FROM audit_auditrecord WHERE id = %s", [five_records[2].pk])

    assert verify_audit_chain() == ChainBreak(five_records[3].pk, REMOVED)


def test_removing_the_first_record_breaks_the_chain_at_the_second():
    first = record_audit(None, "a", ("x", "1"))
    second = record_audit(None, "b", ("x", "2"))
    raw_sql("DELETE FROM audit_auditrecord WHERE id <= %s", [first.pk])

    assert verify_audit_chain() == ChainBreak(second.pk, REMOVED)


def test_removing_the_newest_record_breaks_the_chain_at_its_end(five_records):
    raw_sql("DELETE FROM audit_auditrecord WHERE id = %s", [five_records[-1].pk])

    broken = verify_audit_chain()

    assert broken is not None
    assert broken.record_id is None
    total = AuditHead.objects.get(pk=1).record_count
    assert broken.reason == (
        f"the chain ends after {total - 1} records but {total} were written: "
        "the newest records were removed"
    )


def test_the_verify_command_reports_an_intact_chain(five_records):
    out = StringIO()

    call_command("audit", "verify", stdout=out)

    assert out.getvalue() == (
        f"audit chain intact: {AuditRecord.objects.count()} records verified\n"
        "keys verified: the key canary and a sample of encrypted rows open\n"
    )


def test_the_verify_command_names_the_edited_record(five_records):
    edited = five_records[1]
    raw_sql("UPDATE audit_auditrecord SET action = %s WHERE id = %s", ["x", edited.pk])

    with pytest.raises(CommandError) as failed:
        call_command("audit", "verify", stdout=StringIO())

    assert str(failed.value) == f"audit chain broken at record {edited.pk}: {EDITED}"


def test_the_verify_command_names_the_chain_end_when_the_newest_record_is_gone(five_records):
    raw_sql("DELETE FROM audit_auditrecord WHERE id = %s", [five_records[-1].pk])

    with pytest.raises(CommandError) as failed:
        call_command("audit", "verify", stdout=StringIO())

    assert str(failed.value).startswith(
        "audit chain broken at the chain's end: the chain ends after"
    )


def test_the_chain_verifies_on_the_database_in_use_after_many_records(frozen_now):
    for index in range(30):
        record_audit(None, "bulk", ("x", str(index)), detail={"n": index, "big": 10**15})

    assert verify_audit_chain() is None
