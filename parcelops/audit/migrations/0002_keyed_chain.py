"""Re-hash an existing audit chain under the audit key (decision 0023).

Only a chain that verifies under the old, unkeyed hash is re-keyed: a chain that was
already broken stays as it was, so `audit verify` goes on naming where it broke.
"""

from django.db import migrations

from parcelops.audit.chain import GENESIS_HASH, hashed_fields, record_hash, unkeyed_record_hash
from parcelops.core import crypto


def rekey_chain(apps, schema_editor):
    AuditRecord = apps.get_model("audit", "AuditRecord")
    AuditHead = apps.get_model("audit", "AuditHead")
    records = AuditRecord.objects.order_by("id")
    previous = GENESIS_HASH
    for record in records.iterator(chunk_size=2000):
        if record.previous_hash != previous or record.hash != unkeyed_record_hash(
            **hashed_fields(record)
        ):
            return  # broken already: leave it for `audit verify` to name
        previous = record.hash
    key = crypto.audit_key()
    previous = GENESIS_HASH
    for record in records.iterator(chunk_size=2000):
        new_hash = record_hash(key=key, **hashed_fields(record, previous_hash=previous))
        # QuerySet.update: the model refuses save() on an existing record, as it should.
        AuditRecord.objects.filter(pk=record.pk).update(previous_hash=previous, hash=new_hash)
        previous = new_hash
    AuditHead.objects.filter(pk=1).update(last_hash=previous)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(rekey_chain, migrations.RunPython.noop)]
