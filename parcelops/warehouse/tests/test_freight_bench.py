"""`parcelops bench freight` on a small bill: the verdicts it plants are the ones found."""

import sys

import pytest
from django.conf import settings

from parcelops.carriers.models import Carrier
from parcelops.carriers.registry import CARRIERS, forget_loaded_carriers, row_fields


# Transactional: the benchmark's set-up checkpoints SQLite's log, which a test's open
# transaction would refuse.
@pytest.mark.django_db(transaction=True)
def test_the_benchmark_finds_every_line_it_planted():
    if not Carrier.objects.exists():  # an earlier transactional test flushed the seeded rows
        Carrier.objects.bulk_create([Carrier(**row_fields(info)) for info in CARRIERS])
        forget_loaded_carriers()
    sys.path.insert(0, str(settings.BASE_DIR))
    from bench import freight

    report = freight.main(lines=400)
    assert report["lines"] == 400
    assert report["met"] is True
    verdicts = report["verdicts"]
    for verdict, count in report["expected"].items():
        assert verdicts[verdict] == count
    assert verdicts["ok"] == 400 - sum(report["expected"].values())
