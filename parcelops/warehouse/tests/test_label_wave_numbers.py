"""A wave's waybill numbers in one step (issue 16's speed): consecutive serials in the
given order, numbers already used skipped, the next range taking over, one audit record,
the low alert once, and nothing numbered when the ranges cannot number the whole wave."""

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from parcelops.accounts import roles
from parcelops.audit.models import AuditRecord
from parcelops.core.errors import ActionError
from parcelops.outbox.models import Alert
from parcelops.warehouse.actions import waybills
from parcelops.warehouse.models import NumberRange, Parcel
from parcelops.warehouse.tests.label_helpers import a_packed_parcel, a_range, a_warehouse

pytestmark = pytest.mark.django_db


@pytest.fixture
def floor(channel, staff, frozen_now, english):
    return {"packer": staff[roles.WAREHOUSE], "warehouse": a_warehouse()}


def _wave(floor, count, start=1):
    return [
        a_packed_parcel(floor["warehouse"], f"W-{index}") for index in range(start, start + count)
    ]


def test_a_wave_takes_consecutive_numbers_in_its_order_with_one_audit_record(floor):
    number_range = a_range(first=1, last=100, digits=4, low_alert_at=0)
    wave = _wave(floor, 5)
    wave.reverse()  # the wave's order, not the parcels' ids, decides who gets which
    numbered = waybills.assign_waybills(wave, floor["packer"])
    assert [parcel.pk for parcel in numbered] == [parcel.pk for parcel in wave]
    assert [parcel.waybill_number for parcel in numbered] == [
        "0001",
        "0002",
        "0003",
        "0004",
        "0005",
    ]
    stored = dict(Parcel.objects.values_list("pk", "waybill_number"))
    assert [stored[parcel.pk] for parcel in wave] == ["0001", "0002", "0003", "0004", "0005"]
    assert set(Parcel.objects.values_list("waybill_source", flat=True)) == {"range"}
    number_range.refresh_from_db()
    assert number_range.next_serial == 6
    records = list(AuditRecord.objects.filter(action="parcel.waybill_assigned"))
    assert len(records) == 1
    assert records[0].object_id == f"{wave[0].pk}+4"
    assert records[0].detail["numbers"] == {
        parcel.order.number: number
        for parcel, number in zip(wave, ["0001", "0002", "0003", "0004", "0005"], strict=True)
    }


def test_numbers_already_on_parcels_are_skipped(floor):
    a_range(first=1, last=100, digits=4, low_alert_at=0)
    a_packed_parcel(floor["warehouse"], "W-HAND-1", waybill_number="0002")
    a_packed_parcel(floor["warehouse"], "W-HAND-2", waybill_number="0003")
    numbered = waybills.assign_waybills(_wave(floor, 3), floor["packer"])
    assert [parcel.waybill_number for parcel in numbered] == ["0001", "0004", "0005"]


def test_parcels_with_a_number_keep_it_and_the_others_are_numbered(floor):
    a_range(first=1, last=100, digits=4, low_alert_at=0)
    kept = a_packed_parcel(floor["warehouse"], "W-KEPT", waybill_number="9999")
    wave = [_wave(floor, 1)[0], kept, _wave(floor, 1, start=2)[0]]
    numbered = waybills.assign_waybills(wave, floor["packer"])
    assert [parcel.waybill_number for parcel in numbered] == ["0001", "9999", "0002"]


def test_the_next_range_takes_over_within_one_wave(floor):
    old = a_range(first=1, last=2, digits=4, low_alert_at=0)
    new = a_range(first=100, last=200, digits=4, low_alert_at=0)
    numbered = waybills.assign_waybills(_wave(floor, 4), floor["packer"])
    assert [parcel.waybill_number for parcel in numbered] == ["0001", "0002", "0100", "0101"]
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.next_serial, new.next_serial) == (3, 102)


def test_a_wave_larger_than_the_ranges_numbers_nothing(floor):
    number_range = a_range(first=1, last=3, digits=4, low_alert_at=0)
    wave = _wave(floor, 4)
    with pytest.raises(ActionError, match="are used up"):
        waybills.assign_waybills(wave, floor["packer"])
    assert set(Parcel.objects.values_list("waybill_number", flat=True)) == {""}
    number_range.refresh_from_db()
    assert number_range.next_serial == 1
    assert not AuditRecord.objects.filter(action="parcel.waybill_assigned").exists()


def test_a_wave_below_the_mark_alerts_each_manager_once(floor):
    a_range(first=1, last=20, digits=4, low_alert_at=10)
    waybills.assign_waybills(_wave(floor, 12), floor["packer"])  # 8 left
    waybills.assign_waybills(_wave(floor, 2, start=20), floor["packer"])  # 6 left
    managers = User.objects.with_perm(
        roles.MANAGE_WAREHOUSE, backend="django.contrib.auth.backends.ModelBackend"
    )
    assert Alert.objects.count() == managers.count() >= 2
    assert Alert.objects.values_list("text", flat=True)[0] == (
        "Waybill numbers of ZTO Express run low: 8 left in 0001 – 0020."
    )


def test_two_carriers_in_one_wave_each_take_from_their_own_range(floor):
    a_range(first=1, last=100, digits=4, low_alert_at=0)
    a_range(carrier="sf", first=500, last=600, digits=4, low_alert_at=0)
    wave = [
        a_packed_parcel(floor["warehouse"], "W-1"),
        a_packed_parcel(floor["warehouse"], "W-2", carrier="sf"),
        a_packed_parcel(floor["warehouse"], "W-3"),
    ]
    numbered = waybills.assign_waybills(wave, floor["packer"])
    assert [(p.carrier, p.waybill_number) for p in numbered] == [
        ("zto", "0001"),
        ("sf", "0500"),
        ("zto", "0002"),
    ]


def test_the_queries_do_not_grow_with_the_wave(floor):
    a_range(first=1, last=10_000, digits=5, low_alert_at=0)

    def queries(count, start):
        wave = _wave(floor, count, start)
        with CaptureQueriesContext(connection) as captured:
            waybills.assign_waybills(wave, floor["packer"])
        return len(captured)

    queries(1, 1)  # the first asks once for what is kept in memory after
    assert queries(3, 10) == queries(40, 100)
    assert NumberRange.objects.get().next_serial == 45
