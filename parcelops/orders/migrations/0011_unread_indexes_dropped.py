"""Indexes nothing needs are dropped, and PostgreSQL leaves room on each page of the
orders table, so that setting an order's open-exception flag is an in-place (HOT)
update: the sweep opening a thousand cases wrote every index of their orders again
(decision 0037). The fill factor applies to rows written from now on."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def set_fillfactor(apps, schema_editor, value: int) -> None:  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE orders_order SET (fillfactor = {int(value)})")


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0010_order_cash_on_delivery"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="order",
            name="order_open_exception",
        ),
        migrations.AlterField(
            model_name="order",
            name="processed_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="processed_orders",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(
            lambda apps, schema_editor: set_fillfactor(apps, schema_editor, 90),
            lambda apps, schema_editor: set_fillfactor(apps, schema_editor, 100),
        ),
    ]
