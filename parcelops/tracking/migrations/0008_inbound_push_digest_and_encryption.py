"""Stored push bodies: encrypted, recognised by a keyed digest, one row per identical body
with its delivery count (decision 0025).

Existing rows are converted in place: each plaintext body gets its digest and is encrypted;
rows of one provider with the same body become one (the earliest, its deliveries the count
of rows, its outcome processed when any of them was). Batched, so a large table converts in
bounded memory."""

from collections.abc import Iterator
from typing import Any

import parcelops.core.fields
from django.db import migrations, models

BATCH = 500


def _rows(cursor: Any, sql: str) -> Iterator[tuple[Any, ...]]:
    last = 0
    while True:
        cursor.execute(sql, [last, BATCH])
        rows = cursor.fetchall()
        if not rows:
            return
        yield from rows
        last = rows[-1][0]


def encrypt_bodies(apps: Any, schema_editor: Any) -> None:
    from parcelops.core import crypto

    connection = schema_editor.connection
    kept: dict[tuple[str, str], int] = {}  # (provider, digest) -> the row kept
    merged: dict[int, tuple[int, Any, bool]] = {}  # kept row -> (deliveries, last, processed)
    with connection.cursor() as read, connection.cursor() as write:
        rows = _rows(
            read,
            "SELECT id, provider, body, received_at, outcome FROM tracking_inboundpush"
            " WHERE id > %s ORDER BY id LIMIT %s",
        )
        for pk, provider, body, received_at, outcome in rows:
            digest = crypto.blind_index("push", body)  # = actions.push_digest
            first = kept.get((provider, digest))
            if first is None:
                kept[(provider, digest)] = pk
                write.execute(
                    "UPDATE tracking_inboundpush SET body = %s, body_digest = %s,"
                    " last_delivered_at = received_at WHERE id = %s",
                    [crypto.encrypt(body) if body else body, digest, pk],
                )
                continue
            deliveries, _last, processed = merged.get(first, (1, None, False))
            merged[first] = (deliveries + 1, received_at, processed or outcome == "processed")
            write.execute("DELETE FROM tracking_inboundpush WHERE id = %s", [pk])
        for pk, (deliveries, last, processed) in merged.items():
            write.execute(
                "UPDATE tracking_inboundpush SET deliveries = %s, last_delivered_at = %s"
                " WHERE id = %s",
                [deliveries, last, pk],
            )
            if processed:
                write.execute(
                    "UPDATE tracking_inboundpush SET outcome = 'processed', error = ''"
                    " WHERE id = %s",
                    [pk],
                )


def decrypt_bodies(apps: Any, schema_editor: Any) -> None:
    from parcelops.core import crypto

    with schema_editor.connection.cursor() as read, schema_editor.connection.cursor() as write:
        rows = _rows(
            read, "SELECT id, body FROM tracking_inboundpush WHERE id > %s ORDER BY id LIMIT %s"
        )
        for pk, body in rows:
            if body:
                write.execute(
                    "UPDATE tracking_inboundpush SET body = %s WHERE id = %s",
                    [crypto.decrypt(body), pk],
                )


class Migration(migrations.Migration):
    dependencies = [("tracking", "0007_code_mappings")]

    operations = [
        migrations.AddField(
            model_name="inboundpush",
            name="body_digest",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.AddField(
            model_name="inboundpush",
            name="deliveries",
            field=models.PositiveIntegerField(default=1),
        ),
        migrations.AddField(
            model_name="inboundpush",
            name="last_delivered_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.AlterField(
            model_name="inboundpush",
            name="body",
            field=parcelops.core.fields.EncryptedTextField(),
        ),
        migrations.RunPython(encrypt_bodies, decrypt_bodies),
        migrations.AlterField(
            model_name="inboundpush",
            name="last_delivered_at",
            field=models.DateTimeField(),
        ),
        migrations.AddConstraint(
            model_name="inboundpush",
            constraint=models.UniqueConstraint(
                fields=("provider", "body_digest"), name="push_unique_body"
            ),
        ),
    ]
