"""PostgreSQL: leave room on each page of tracking_shipment for in-place (HOT) updates.

Every ingestion chunk rewrites the status columns of thousands of shipments. None of
those columns is indexed, so PostgreSQL can update a row on its own page without
touching the six indexes, but only when the page has room; at the default fill factor
(100) it has none (decision 0010). SQLite has no such setting.
"""

from django.db import migrations


def set_fillfactor(apps, schema_editor, value: int) -> None:  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE tracking_shipment SET (fillfactor = {int(value)})")


class Migration(migrations.Migration):
    dependencies = [("tracking", "0002_event_indexes_for_ingestion")]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: set_fillfactor(apps, schema_editor, 70),
            lambda apps, schema_editor: set_fillfactor(apps, schema_editor, 100),
        )
    ]
