"""The Carrier table starts with the built-in carriers (parcelops.carriers.registry.CARRIERS)."""

from django.db import migrations


def seed(apps, schema_editor):
    from parcelops.carriers.registry import CARRIERS, row_fields

    Carrier = apps.get_model("carriers", "Carrier")
    known = set(Carrier.objects.values_list("code", flat=True))
    Carrier.objects.bulk_create(
        [Carrier(**row_fields(info)) for info in CARRIERS if info.code not in known]
    )


class Migration(migrations.Migration):
    dependencies = [("carriers", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
