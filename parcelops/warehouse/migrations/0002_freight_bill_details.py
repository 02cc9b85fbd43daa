"""Freight bills: the tolerance percent, the over-billed excess and the verdict counts kept
on the bill, one bill per carrier and month, and each line's ship date and first billing."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("warehouse", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="freightbill",
            name="tolerance_percent",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="freightbill",
            name="over_billed_cents",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="freightbill",
            name="disputed_cents",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="freightbill",
            name="verdict_counts",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddConstraint(
            model_name="freightbill",
            constraint=models.UniqueConstraint(
                fields=("carrier", "month"), name="freight_bill_unique_month"
            ),
        ),
        migrations.AddField(
            model_name="freightbillline",
            name="ship_date",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="freightbillline",
            name="duplicate_of",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="duplicates",
                to="warehouse.freightbillline",
            ),
        ),
        migrations.AddIndex(
            model_name="freightbillline",
            index=models.Index(fields=["bill", "row"], name="freight_line_bill_row"),
        ),
        migrations.AddIndex(
            model_name="freightbillline",
            index=models.Index(fields=["bill", "verdict", "row"], name="freight_line_verdict_row"),
        ),
    ]
