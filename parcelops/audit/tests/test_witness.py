"""The keyed chain and its witness: truncation and re-hashing are caught (decision 0023)."""

import importlib
import stat
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.db import connection

from parcelops.audit import witness
from parcelops.audit.actions import ChainBreak, record_audit, verify_audit_chain, write_witness
from parcelops.audit.chain import (
    GENESIS_HASH,
    hashed_fields,
    record_hash,
    unkeyed_record_hash,
)
from parcelops.audit.models import AuditHead, AuditRecord
from parcelops.audit.tasks import witness_audit_head
from parcelops.core import crypto

pytestmark = pytest.mark.django_db

rekey = importlib.import_module("parcelops.audit.migrations.0002_keyed_chain")


def sql(statement: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


@pytest.fixture
def six_records(frozen_now) -> list[AuditRecord]:
    records = []
    for index in range(6):
        records.append(record_audit(None, "order.edited", ("orders.order", str(index))))
        frozen_now.shift(timedelta(seconds=1))
    return records


def rehash_from(records: list[AuditRecord], start: int, rehash: Any) -> None:
    """What an intruder does after editing record ``start``: recompute every hash after it
    and the head, with the hash function given."""
    previous = records[start - 1].hash if start else GENESIS_HASH
    for record in AuditRecord.objects.order_by("id")[start:]:
        new_hash = rehash(**hashed_fields(record, previous_hash=previous))
        sql(
            "UPDATE audit_auditrecord SET previous_hash = %s, hash = %s WHERE id = %s",
            [previous, new_hash, record.pk],
        )
        previous = new_hash
    sql("UPDATE audit_audithead SET last_hash = %s WHERE id = 1", [previous])


def test_removing_the_newest_records_together_with_the_head_row_is_caught(six_records):
    write_witness()
    sql("DELETE FROM audit_auditrecord WHERE id >= %s", [six_records[4].pk])
    sql("DELETE FROM audit_audithead")

    assert verify_audit_chain() == ChainBreak(
        None, "the witness saw 6 records but the chain holds 4: the newest records were removed"
    )


def test_removing_every_record_and_the_head_is_caught(six_records):
    write_witness()
    sql("DELETE FROM audit_auditrecord")
    sql("DELETE FROM audit_audithead")

    assert verify_audit_chain() == ChainBreak(
        None, "the witness saw 6 records but the chain holds 0: the newest records were removed"
    )


def test_an_edit_re_hashed_with_the_products_own_function_but_not_the_key_is_caught(
    six_records,
):
    edited = six_records[2]
    sql("UPDATE audit_auditrecord SET action = %s WHERE id = %s", ["order.approved", edited.pk])
    rehash_from(six_records, 2, unkeyed_record_hash)

    broken = verify_audit_chain()

    assert broken is not None
    assert broken.record_id == edited.pk
    assert broken.reason.startswith("its content does not match its hash under the audit key")


def test_an_edit_re_hashed_with_a_guessed_key_is_caught(six_records):
    edited = six_records[3]
    sql("UPDATE audit_auditrecord SET object_id = %s WHERE id = %s", ["99", edited.pk])
    rehash_from(six_records, 3, lambda **f: record_hash(key=b"guessed", **f))

    broken = verify_audit_chain()

    assert broken is not None
    assert broken.record_id == edited.pk


def test_an_edit_re_hashed_with_the_stolen_key_is_caught_by_the_witness(six_records):
    write_witness()  # the head after six records
    sql("UPDATE audit_auditrecord SET action = %s WHERE id = %s", ["x", six_records[1].pk])
    rehash_from(six_records, 1, lambda **f: record_hash(key=crypto.audit_key(), **f))

    assert verify_audit_chain() == ChainBreak(
        None, "record 6 of the chain is not the one the witness saw: the chain was rewritten"
    )


def test_a_witness_line_written_without_the_key_is_refused(six_records):
    write_witness()
    with witness.witness_path().open("a") as handle:
        handle.write(f"2026-11-25T02:00:00+00:00 3 {six_records[2].hash} {'0' * 64}\n")

    assert verify_audit_chain() == ChainBreak(
        None,
        "line 2 of the witness file is not signed with this installation's audit key: "
        "the witness was edited",
    )


def test_a_chain_that_agrees_with_its_witness_verifies(six_records, frozen_now):
    write_witness()
    record_audit(None, "order.approved", ("orders.order", "7"))
    write_witness()

    assert [(line.count, line.is_signed) for line in witness.read_witness()] == [
        (6, True),
        (7, True),
    ]
    assert verify_audit_chain() is None


def test_the_witness_file_is_readable_by_its_owner_only(six_records):
    write_witness()

    assert stat.S_IMODE(witness.witness_path().stat().st_mode) == 0o600


def test_a_commit_writes_the_head_at_most_once_an_interval(
    settings, frozen_now, django_capture_on_commit_callbacks
):
    settings.PARCELOPS_AUDIT_WITNESS_INTERVAL = 60
    witness._last_noted.clear()
    with django_capture_on_commit_callbacks(execute=True):
        record_audit(None, "a", ("x", "1"))
    frozen_now.shift(timedelta(seconds=59))
    with django_capture_on_commit_callbacks(execute=True):
        record_audit(None, "b", ("x", "2"))
    frozen_now.shift(timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        third = record_audit(None, "c", ("x", "3"))

    assert [(line.count, line.head_hash) for line in witness.read_witness()] == [
        (1, AuditRecord.objects.order_by("id")[0].hash),
        (3, third.hash),
    ]


def test_the_periodic_task_writes_the_head(six_records):
    witness_audit_head.call_local()

    assert [line.count for line in witness.read_witness()] == [6]


def test_an_empty_chain_writes_no_witness():
    sql("DELETE FROM audit_auditrecord")
    AuditHead.objects.all().delete()

    assert write_witness() is None
    assert list(witness.read_witness()) == []


def test_the_witness_command_writes_and_resets(six_records):
    out = StringIO()
    call_command("audit", "witness", stdout=out)
    head = six_records[-1].hash
    assert out.getvalue() == f"witness written: 6 records, head {head[:16]}\n"

    out = StringIO()
    call_command("audit", "witness", "--reset", stdout=out)

    moved, written = out.getvalue().splitlines()
    assert moved.startswith(f"old witness moved to {witness.witness_path()}.")
    assert written == f"witness written: 6 records, head {head[:16]}"
    assert [line.count for line in witness.read_witness()] == [6]


def test_the_upgrade_re_keys_a_chain_hashed_without_the_key(six_records):
    rehash_from(six_records, 0, unkeyed_record_hash)
    assert verify_audit_chain() is not None

    rekey.rekey_chain(django_apps, None)

    assert verify_audit_chain() is None
    assert AuditHead.objects.get(pk=1).last_hash == AuditRecord.objects.order_by("id").last().hash  # type: ignore[union-attr]


def test_the_upgrade_leaves_a_broken_chain_as_it_was(six_records):
    rehash_from(six_records, 0, unkeyed_record_hash)
    sql("UPDATE audit_auditrecord SET action = %s WHERE id = %s", ["x", six_records[2].pk])
    before = list(AuditRecord.objects.order_by("id").values_list("hash", flat=True))

    rekey.rekey_chain(django_apps, None)

    assert list(AuditRecord.objects.order_by("id").values_list("hash", flat=True)) == before
