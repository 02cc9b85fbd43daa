"""`parcelops bench freight` on a small bill: the verdicts it plants are the ones found."""

import sys

import pytest
from django.conf import settings


@pytest.mark.django_db(transaction=True)
def test_the_benchmark_finds_every_line_it_planted():
    sys.path.insert(0, str(settings.BASE_DIR))
    from bench import freight

    report = freight.main(lines=400)
    assert report["lines"] == 400
    assert report["met"] is True
    verdicts = report["verdicts"]
    for verdict, count in report["expected"].items():
        assert verdicts[verdict] == count
    assert verdicts["ok"] == 400 - sum(report["expected"].values())
