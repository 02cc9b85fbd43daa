"""The carriers' scores measured from tracking history: p50/p90 by the nearest rank, the
provinces' spellings merged, on time by the end of the promised day in China, damage, loss
and the desk's cases, the year's window; and the command and the nightly task."""

from datetime import date, datetime, timedelta

import pytest
from django.core.management import call_command

from conftest import FIXED_NOW
from parcelops.audit.models import AuditRecord
from parcelops.core.errors import NotPermittedError
from parcelops.orders.tests.factories import place_order
from parcelops.tracking import transitions
from parcelops.tracking.models import Shipment
from parcelops.warehouse.actions import choice
from parcelops.warehouse.models import CarrierScore

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "channel")]

HANDED_OVER = FIXED_NOW - timedelta(days=30)


def parcel(order, number: str, carrier: str = "zto", *, origin="浙江省", destination="四川省",
           status="in_transit", substatus="", created_at=HANDED_OVER, hours=None,
           delivered_at=None, promised=None) -> Shipment:  # fmt: skip
    if hours is not None:
        delivered_at = created_at + timedelta(hours=hours)
    return Shipment.objects.create(
        order=order,
        carrier=carrier,
        tracking_number=number,
        status="delivered" if delivered_at else status,
        substatus=substatus,
        created_at=created_at,
        delivered_at=delivered_at,
        promised_delivery_date=promised,
        origin_province=origin,
        destination_province=destination,
    )


@pytest.fixture
def order():
    return place_order()


def score(carrier: str, origin: str, destination: str) -> CarrierScore:
    return CarrierScore.objects.get(
        carrier=carrier, origin_province=origin, destination_province=destination
    )


def test_it_measures_p50_and_p90_by_the_nearest_rank_with_the_spellings_merged(order):
    # Ten deliveries of 10, 20, ... 100 hours, half of them written without 省.
    for i in range(10):
        spelled = ("浙江省", "四川省") if i % 2 else ("浙江", "四川")
        parcel(order, f"D{i}", origin=spelled[0], destination=spelled[1], hours=10 * (i + 1))
    parcel(order, "LOST", status="lost")
    parcel(order, "DAMAGED", status="exception", substatus="damaged")
    parcel(order, "MOVING")
    parcel(order, "OLD", created_at=FIXED_NOW - timedelta(days=366), hours=1)  # outside the year
    parcel(order, "OTHER", carrier="yto", hours=5)

    assert choice.refresh_carrier_scores() == 2

    zto = score("zto", "浙江", "四川")
    assert (zto.shipments, zto.delivered) == (13, 10)
    assert (zto.transit_hours_p50, zto.transit_hours_p90) == (50.0, 90.0)
    assert (zto.loss_rate, zto.damage_rate) == (round(1 / 13, 4), round(1 / 13, 4))
    assert (zto.promised, zto.on_time_rate) == (0, None)
    assert zto.case_rate == 0.0  # the desk is installed and opened none
    assert zto.refreshed_at == FIXED_NOW
    assert zto.window_start == FIXED_NOW - timedelta(days=365)
    yto = score("yto", "浙江", "四川")
    assert (yto.shipments, yto.delivered, yto.transit_hours_p50, yto.transit_hours_p90) == (
        1,
        1,
        5.0,
        5.0,
    )


def test_p90_of_eleven_takes_the_tenth_value(order):
    for i in range(11):
        parcel(order, f"D{i}", hours=i + 1)

    choice.refresh_carrier_scores()

    zto = score("zto", "浙江", "四川")
    # ceil(0.5 x 11) = 6th, ceil(0.9 x 11) = 10th
    assert (zto.transit_hours_p50, zto.transit_hours_p90) == (6.0, 10.0)


def test_on_time_is_delivered_by_the_end_of_the_promised_day_in_china(order):
    promised = date(2026, 11, 20)
    end_of_day = datetime(2026, 11, 20, 16, 0, tzinfo=FIXED_NOW.tzinfo)  # midnight in Shanghai
    parcel(order, "IN", delivered_at=end_of_day - timedelta(seconds=1), promised=promised)
    parcel(order, "LATE", delivered_at=end_of_day, promised=promised)
    parcel(order, "EARLY", delivered_at=end_of_day - timedelta(days=2), promised=promised)
    parcel(order, "NO-PROMISE", hours=30)

    choice.refresh_carrier_scores()

    zto = score("zto", "浙江", "四川")
    assert (zto.promised, zto.on_time_rate) == (3, round(2 / 3, 4))


def test_the_desks_cases_count_through_the_tracking_hook(order, monkeypatch):
    for i in range(4):
        parcel(order, f"D{i}", hours=20)
    asked = []

    def four_lanes(since, until):
        asked.append((since, until))
        return {("zto", "浙江省", "四川省"): 1, ("zto", "浙江", "四川"): 2, ("sto", "x", "y"): 9}

    monkeypatch.setattr(transitions, "_case_counts", [four_lanes])

    choice.refresh_carrier_scores()

    assert score("zto", "浙江", "四川").case_rate == 0.75
    assert asked == [(FIXED_NOW - timedelta(days=365), FIXED_NOW)]


def test_without_the_desk_the_case_rate_is_not_measured(order, monkeypatch):
    parcel(order, "D1", hours=20)
    monkeypatch.setattr(transitions, "_case_counts", [])

    choice.refresh_carrier_scores()

    assert score("zto", "浙江", "四川").case_rate is None


def test_a_refresh_replaces_the_last_one_and_is_audited(order):
    parcel(order, "D1", hours=20)
    choice.refresh_carrier_scores()
    Shipment.objects.filter(tracking_number="D1").update(destination_province="广东省")

    choice.refresh_carrier_scores()

    assert list(
        CarrierScore.objects.values_list("carrier", "origin_province", "destination_province")
    ) == [("zto", "浙江", "广东")]
    record = AuditRecord.objects.filter(action="carrier_scores.refreshed").last()
    assert record is not None
    assert record.detail["lanes"] == 1


def test_only_a_warehouse_manager_may_refresh_by_hand(staff):
    with pytest.raises(NotPermittedError):
        choice.refresh_carrier_scores(staff["warehouse"])
    assert choice.refresh_carrier_scores(staff["logistics_head"]) == 0


def test_the_command_refreshes_and_says_how_many_lanes(order, capsys):
    parcel(order, "D1", hours=20)

    call_command("carriers", "refresh-scores")

    assert "carrier scores refreshed: 1 lanes" in capsys.readouterr().out
    assert CarrierScore.objects.count() == 1


def test_the_nightly_task_refreshes(order):
    from parcelops.warehouse import choice_tasks

    parcel(order, "D1", hours=20)

    assert choice_tasks.refresh_carrier_scores.call_local() == 1
