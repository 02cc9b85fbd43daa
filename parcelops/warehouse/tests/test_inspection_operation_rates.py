"""Operation rates (R3.1.5): units per hour of work and the median time of one operation,
per person and per hour of the day in the shop's time zone, over a range of days."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from parcelops.warehouse.models import Operation
from parcelops.warehouse.operation_rates import Rate, rates_per_hour, rates_per_person
from parcelops.warehouse.operations import record_operation

pytestmark = pytest.mark.django_db


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of November 2026 given in Shanghai time (UTC+8), as UTC."""
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


def op(kind, actor, start, seconds, units=1):
    return record_operation(kind, actor, None, start, start + timedelta(seconds=seconds), units)


@pytest.fixture
def week(make_staff):
    ann = make_staff("ann", "warehouse")
    bob = make_staff("bob", "warehouse")
    op("pick", ann, at(24, 9, 0), 60, units=4)
    op("pick", ann, at(24, 9, 10), 300, units=6)
    op("pick", ann, at(24, 9, 20), 120, units=2)
    op("pack", ann, at(24, 10, 0), 200)
    op("pack", ann, at(24, 10, 30), 100)
    op("pick", bob, at(24, 14, 0), 30)
    op("pick", None, at(24, 14, 30), 90, units=3)  # the system's: no person's rate
    op("pick", bob, at(25, 23, 50), 600, units=10)  # ends 00:00 on the 26th: outside
    op("pick", bob, at(18, 23, 0), 60, units=10)  # ends on the 18th: before the range
    return ann, bob


def test_it_gives_each_person_units_per_hour_and_the_median_time(week):
    ann, bob = week
    rates = rates_per_person(date(2026, 11, 19), date(2026, 11, 25))
    assert rates == [
        Rate("pack", ann.pk, 2, 2, timedelta(seconds=300), timedelta(seconds=150)),
        Rate("pick", ann.pk, 3, 12, timedelta(seconds=480), timedelta(seconds=120)),
        Rate("pick", bob.pk, 1, 1, timedelta(seconds=30), timedelta(seconds=30)),
    ]
    assert [rate.units_per_hour for rate in rates] == [24.0, 90.0, 120.0]
    assert [rate.median_seconds for rate in rates] == [150.0, 120.0, 30.0]


def test_it_groups_by_the_hour_of_day_in_the_shops_time_zone(week):
    rates = rates_per_hour(date(2026, 11, 19), date(2026, 11, 25))
    assert [(r.kind, r.key, r.operations, r.units, r.median_seconds) for r in rates] == [
        ("pack", 10, 2, 2, 150.0),
        ("pick", 9, 3, 12, 120.0),
        ("pick", 14, 2, 4, 60.0),
    ]
    assert rates[2].units_per_hour == 4 / (120 / 3600)


def test_the_range_takes_whole_shop_days_at_both_ends(week):
    _ann, bob = week
    op("pick", bob, at(19, 0, 0), 10)  # finishes 00:00:10 on the first day: inside
    op("pick", bob, at(18, 23, 59), 60)  # finishes 00:00:59 on the 19th: inside
    rates = rates_per_person(date(2026, 11, 19), date(2026, 11, 19))
    assert [(r.key, r.operations, r.median_seconds) for r in rates] == [(bob.pk, 2, 35.0)]


def test_an_even_count_takes_the_mean_of_the_two_middle_durations(make_staff):
    ann = make_staff("ann", "warehouse")
    for seconds in (40, 10, 20, 1000):
        op("hand_over", ann, at(24, 16), seconds)
    (rate,) = rates_per_person(date(2026, 11, 24), date(2026, 11, 24))
    assert (rate.operations, rate.median_seconds, rate.working) == (
        4,
        30.0,
        timedelta(seconds=1070),
    )


def test_an_instant_operation_has_no_rate_but_a_median_of_zero(make_staff):
    ann = make_staff("ann", "warehouse")
    op("hand_over", ann, at(24, 16), 0, units=5)
    (rate,) = rates_per_person(date(2026, 11, 24), date(2026, 11, 24))
    assert (rate.units, rate.units_per_hour, rate.median_seconds) == (5, None, 0.0)


def test_each_table_is_one_query_whatever_the_number_of_people(week, make_staff):
    for index in range(5):
        op("pick", make_staff(f"p{index}", "warehouse"), at(24, 11), 45)
    with CaptureQueriesContext(connection) as queries:
        assert len(rates_per_person(date(2026, 11, 19), date(2026, 11, 25))) == 8
    assert len(queries) == 1
    with CaptureQueriesContext(connection) as queries:
        rates_per_hour(date(2026, 11, 19), date(2026, 11, 25))
    assert len(queries) == 1


def test_record_operation_keeps_the_step_and_makes_a_reversed_one_an_instant(make_staff):
    ann = make_staff("ann", "warehouse")
    row = record_operation("pack", ann, None, at(24, 10, 5), at(24, 10, 0), 1)
    assert Operation.objects.get() == row
    assert (row.actor_id, row.started_at, row.finished_at) == (ann.pk, at(24, 10), at(24, 10))
