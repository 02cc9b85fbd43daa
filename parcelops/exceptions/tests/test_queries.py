"""The queue's filters and order, and the wallboard's counts."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import FIXED_NOW
from parcelops.core.errors import InputError
from parcelops.exceptions.queries import (
    CaseFilters,
    count_cases,
    filter_cases,
    reported_target,
    wallboard,
)
from parcelops.exceptions.tests.queue_cases import a_case, a_parcel, an_order


def ids(filters: CaseFilters) -> list[int]:
    return [case.pk for case in filter_cases(filters)]


def test_the_queue_lists_breached_first_then_by_deadline(queue_desk):
    assert ids(CaseFilters(state="open")) == [
        queue_desk.damaged.pk,  # breached
        queue_desk.stalled.pk,  # due in 30 min
        queue_desk.not_shipped.pk,  # in 2 h
        queue_desk.delayed.pk,  # in 3 h
    ]


def test_two_breached_cases_list_the_longest_breached_first(queue_desk):
    longer = a_case(
        queue_desk.orders[1],
        type="other",
        due=timedelta(hours=-5),
        breached_at=FIXED_NOW - timedelta(hours=5),
        is_breached=True,
    )
    assert ids(CaseFilters(state="open"))[:2] == [longer.pk, queue_desk.damaged.pk]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["damaged", "lost", "stalled", "not_shipped", "delayed"]),  # by deadline
        ({"state": "closed"}, ["lost"]),
        ({"type": "delayed"}, ["delayed"]),
        ({"severity": "major"}, ["damaged", "lost"]),
        ({"owner_tier": "head"}, ["delayed"]),
        ({"owner": "logistics_staff"}, ["stalled"]),
        ({"owner": "none", "state": "open"}, ["damaged", "not_shipped"]),
        ({"carrier": "顺丰"}, ["damaged", "lost"]),
        ({"carrier": "ZTO"}, ["stalled", "delayed"]),
        ({"tracking_number": " zt1000000001 "}, ["stalled", "delayed"]),
        ({"order": "__second__"}, ["not_shipped"]),
        ({"breached": "true"}, ["damaged"]),
        ({"breached": "false", "state": "open"}, ["stalled", "not_shipped", "delayed"]),
        ({"q": "wuxi misrouted"}, ["lost"]),
        ({"q": "wuxi stolen"}, []),
    ],
)
def test_each_filter_finds_exactly_its_cases(queue_desk, params, expected):
    if params.get("order") == "__second__":
        params = {"order": queue_desk.orders[1].number}
    filters = CaseFilters.from_params(params)
    assert ids(filters) == [getattr(queue_desk, name).pk for name in expected]
    assert count_cases(filters) == len(expected)


def test_me_is_the_viewer(queue_desk, staff):
    filters = CaseFilters.from_params({"owner": "me"}, viewer=staff["logistics_head"])
    assert filters.owner == "logistics_head"
    assert ids(filters) == [queue_desk.delayed.pk]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"state": "pending"}, "state"),
        ({"type": "eaten"}, "type"),
        ({"severity": "huge"}, "severity"),
        ({"owner_tier": "ceo"}, "owner_tier"),
        ({"owner": "nobody-by-this-name"}, "owner"),
        ({"owner": "me"}, "owner"),  # no viewer
        ({"carrier": "Pony Express"}, "carrier"),
        ({"breached": "maybe"}, "breached"),
    ],
)
def test_a_bad_filter_value_is_refused_naming_the_filter(queue_desk, params, field):
    with pytest.raises(InputError) as refused:
        CaseFilters.from_params(params)
    assert [error.field for error in refused.value.errors] == [field]


def test_every_bad_filter_is_named_at_once(queue_desk):
    with pytest.raises(InputError) as refused:
        CaseFilters.from_params({"state": "x", "severity": "y", "breached": "z"})
    assert [e.field for e in refused.value.errors] == ["state", "severity", "breached"]
    assert refused.value.errors[0].message == ("Unknown value “x”: choose one of open, closed.")


def test_a_page_of_the_queue_is_one_query_and_its_count_another(
    queue_desk, django_assert_num_queries
):
    for number in range(30):
        order = an_order(f"W-Q{number}")
        a_case(order, a_parcel(order, f"YT90000000{number:02d}", carrier="yto"))
    filters = CaseFilters.from_params({"state": "open"})
    with django_assert_num_queries(2):
        page = [c.order.number for c in filter_cases(filters)[:25]]
        total = count_cases(filters)
    assert len(page) == 25
    assert total == 34


def test_the_count_reads_the_case_table_alone(queue_desk):
    with CaptureQueriesContext(connection) as captured:
        count_cases(CaseFilters.from_params({"state": "open", "severity": "minor"}))
    assert "JOIN" not in captured.captured_queries[0]["sql"].upper()


def test_a_report_names_an_order_and_one_of_its_parcels(queue_desk):
    first, _second, _third = queue_desk.orders
    assert reported_target(first.number) == (first, None)
    assert reported_target(first.number, "zt1000000001") == (first, queue_desk.parcels[0])
    with pytest.raises(InputError) as refused:
        reported_target(first.number, queue_desk.parcels[1].tracking_number)  # another order's
    assert refused.value.errors[0].field == "tracking_number"
    with pytest.raises(InputError) as refused:
        reported_target("NO-SUCH-ORDER")
    assert refused.value.errors[0].field == "order"


# --- the wallboard: open cases by severity and age ------------------------------------------


def test_the_wallboard_counts_open_cases_by_severity_and_age(queue_desk):
    board = wallboard(FIXED_NOW)
    major, moderate, minor = board.rows
    assert (major.severity, moderate.severity, minor.severity) == ("major", "moderate", "minor")
    # damaged: 9 h open, breached; lost is closed and not counted.
    assert major.by_age == {"under_1h": 0, "under_4h": 0, "under_8h": 0, "over_8h": 1}
    assert (major.breached, major.warned, major.total) == (1, 0, 1)
    # delayed: 4 h open exactly: the older band takes the boundary.
    assert moderate.by_age == {"under_1h": 0, "under_4h": 0, "under_8h": 1, "over_8h": 0}
    assert (moderate.breached, moderate.warned, moderate.total) == (0, 1, 1)
    # stalled and not_shipped: 1 h open exactly.
    assert minor.by_age == {"under_1h": 0, "under_4h": 2, "under_8h": 0, "over_8h": 0}
    assert (minor.breached, minor.total) == (0, 2)
    assert board.by_age == {"under_1h": 0, "under_4h": 2, "under_8h": 1, "over_8h": 1}
    assert (board.total, board.breached, board.warned, board.unassigned) == (4, 1, 1, 2)


@pytest.mark.parametrize(
    ("open_for", "band"),
    [
        (timedelta(0), "under_1h"),
        (timedelta(minutes=59, seconds=59), "under_1h"),
        (timedelta(hours=1), "under_4h"),
        (timedelta(hours=1, seconds=1), "under_4h"),
        (timedelta(hours=3, minutes=59, seconds=59), "under_4h"),
        (timedelta(hours=4), "under_8h"),
        (timedelta(hours=7, minutes=59, seconds=59), "under_8h"),
        (timedelta(hours=8), "over_8h"),
        (timedelta(days=30), "over_8h"),
    ],
)
def test_each_age_band_takes_its_lower_boundary(staff, channel, frozen_now, open_for, band):
    a_case(an_order("W-AGE"), opened=open_for)
    assert wallboard(FIXED_NOW).rows[2].by_age == {
        key: int(key == band) for key in ("under_1h", "under_4h", "under_8h", "over_8h")
    }


def test_the_wallboard_is_one_query(queue_desk, django_assert_num_queries):
    with django_assert_num_queries(1):
        wallboard(FIXED_NOW)


def test_an_empty_desk_shows_zeros(db):
    board = wallboard(FIXED_NOW)
    assert [row.total for row in board.rows] == [0, 0, 0]
    assert (board.total, board.breached, board.warned, board.unassigned) == (0, 0, 0, 0)
