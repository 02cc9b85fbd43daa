"""Number ranges and a parcel's waybill number from them: validation, overlap, the next
serial, the low alert once per range, used up, and what may not get a number."""

import pytest
from django.contrib.auth.models import User

from parcelops.accounts import roles
from parcelops.audit.models import AuditRecord
from parcelops.core.errors import ActionError, InputError, NotPermittedError
from parcelops.orders.states import OrderState
from parcelops.outbox.models import Alert
from parcelops.warehouse.actions import waybills
from parcelops.warehouse.models import NumberRange
from parcelops.warehouse.tests.label_helpers import a_packed_parcel, a_range, a_warehouse

pytestmark = pytest.mark.django_db


@pytest.fixture
def floor(channel, staff, frozen_now, english):
    return {
        "packer": staff[roles.WAREHOUSE],
        "manager": staff[roles.LOGISTICS_HEAD],
        "warehouse": a_warehouse(),
    }


def test_a_manager_adds_a_range(floor):
    added = waybills.add_number_range(
        floor["manager"], carrier="中通", prefix="zt", first=1, last=500, digits=10, low_alert_at=50
    )
    added.refresh_from_db()
    assert (added.carrier, added.prefix, added.first, added.last, added.next_serial) == (
        "zto",
        "ZT",
        1,
        500,
        1,
    )
    assert AuditRecord.objects.filter(action="number_range.added").count() == 1


def test_an_overlapping_range_of_the_same_carrier_is_refused_and_nothing_changes(floor):
    a_range(first=731000000000, last=731000999999)
    with pytest.raises(InputError) as refused:
        waybills.add_number_range(
            floor["manager"], carrier="zto", first=731000999999, last=731001000100, digits=12
        )
    assert refused.value.errors[0].field == "first"
    assert (
        refused.value.errors[0].message
        == "Overlaps the range 731000000000 – 731000999999 of the same carrier."
    )
    assert NumberRange.objects.count() == 1


def test_the_same_serials_of_another_carrier_or_prefix_are_fine(floor):
    a_range(first=1, last=100, digits=10)
    waybills.add_number_range(floor["manager"], carrier="yto", first=1, last=100, digits=10)
    waybills.add_number_range(
        floor["manager"], carrier="zto", prefix="X", first=1, last=100, digits=10
    )
    assert NumberRange.objects.count() == 3


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"carrier": "nobody"}, "carrier", None),
        ({"first": 10, "last": 9}, "last", "The last serial must not be below the first."),
        ({"last": 123456}, "last", "The last serial has more digits than the range's width."),
        (
            {"check_digit": "mod11", "digits": 9},
            "digits",
            "This check digit scheme needs 8 serial digits.",
        ),
        ({"check_digit": "mod12"}, "check_digit", "Unknown check digit scheme."),
        ({"prefix": "Z-T"}, "prefix", "Up to 10 letters and digits."),
        ({"digits": 19}, "digits", "Between 1 and 18 digits."),
    ],
)
def test_bad_range_input_names_the_field_and_adds_nothing(floor, fields, field, message):
    values = {"carrier": "zto", "first": 1, "last": 100, "digits": 5, **fields}
    with pytest.raises(InputError) as refused:
        waybills.add_number_range(floor["manager"], **values)
    assert [e.field for e in refused.value.errors] == [field]
    if message:
        assert refused.value.errors[0].message == message
    assert NumberRange.objects.count() == 0


def test_a_packer_may_not_add_a_range(floor):
    with pytest.raises(NotPermittedError):
        waybills.add_number_range(floor["packer"], carrier="zto", first=1, last=100, digits=5)


def test_a_packed_parcel_takes_the_next_number_and_keeps_it(floor):
    number_range = a_range(
        prefix="EA", suffix="CN", first=12345678, last=12345700, digits=8, check_digit="mod11"
    )
    parcel = a_packed_parcel(floor["warehouse"])
    assigned = waybills.assign_waybill(parcel, floor["packer"])
    assert assigned.waybill_number == "EA123456785CN"
    assert assigned.waybill_source == "range"
    assert assigned.waybill_assigned_at is not None
    again = waybills.assign_waybill(parcel, floor["packer"])
    assert again.waybill_number == "EA123456785CN"
    number_range.refresh_from_db()
    assert number_range.next_serial == 12345679
    assert AuditRecord.objects.filter(action="parcel.waybill_assigned").count() == 1


def test_two_parcels_get_two_numbers_and_a_number_typed_by_hand_is_skipped(floor):
    a_range(first=1, last=10, digits=4)
    a_packed_parcel(floor["warehouse"], "W-0", waybill_number="0001")  # already on a parcel
    first = waybills.assign_waybill(a_packed_parcel(floor["warehouse"], "W-1"), floor["packer"])
    second = waybills.assign_waybill(a_packed_parcel(floor["warehouse"], "W-2"), floor["packer"])
    assert (first.waybill_number, second.waybill_number) == ("0002", "0003")


def test_a_low_range_alerts_the_managers_once(floor):
    a_range(first=1, last=12, digits=4, low_alert_at=10)
    waybills.assign_waybill(a_packed_parcel(floor["warehouse"], "W-1"), floor["packer"])  # 11 left
    waybills.assign_waybill(a_packed_parcel(floor["warehouse"], "W-2"), floor["packer"])  # 10 left
    assert Alert.objects.count() == 0
    waybills.assign_waybill(a_packed_parcel(floor["warehouse"], "W-3"), floor["packer"])  # 9 left
    waybills.assign_waybill(a_packed_parcel(floor["warehouse"], "W-4"), floor["packer"])  # 8 left
    managers = set(
        User.objects.with_perm(
            roles.MANAGE_WAREHOUSE, backend="django.contrib.auth.backends.ModelBackend"
        )
    )
    alerts = list(Alert.objects.all())
    assert {alert.user for alert in alerts} == managers
    assert len(alerts) == len(managers) >= 2  # the logistics head and the admin
    assert alerts[0].text == "Waybill numbers of ZTO Express run low: 9 left in 0001 – 0012."
    assert alerts[0].link == "/warehouse/labels/ranges/"


def test_a_used_up_range_says_so_and_gives_nothing(floor):
    a_range(first=1, last=1, digits=4)
    waybills.assign_waybill(a_packed_parcel(floor["warehouse"], "W-1"), floor["packer"])
    parcel = a_packed_parcel(floor["warehouse"], "W-2")
    with pytest.raises(ActionError) as refused:
        waybills.assign_waybill(parcel, floor["packer"])
    assert str(refused.value) == (
        "The waybill numbers of ZTO Express are used up: a warehouse manager adds the "
        "carrier's next range on the number ranges page."
    )
    parcel.refresh_from_db()
    assert parcel.waybill_number == ""


def test_the_next_range_takes_over_and_a_stopped_one_gives_nothing(floor):
    old = a_range(first=1, last=1, digits=4)
    a_range(first=100, last=200, digits=4)
    waybills.set_range_in_use(floor["manager"], old.pk, is_active=False)
    assert (
        waybills.assign_waybill(a_packed_parcel(floor["warehouse"]), floor["packer"]).waybill_number
        == "0100"
    )


@pytest.mark.parametrize("state", [OrderState.PICKING, OrderState.SHIPPED])
def test_only_a_packed_parcel_gets_a_number(floor, state):
    a_range()
    parcel = a_packed_parcel(floor["warehouse"], state=state)
    with pytest.raises(ActionError, match=r"Only a packed order's parcel gets a waybill number\."):
        waybills.assign_waybill(parcel, floor["packer"])


def test_a_parcel_without_a_carrier_gets_no_number(floor):
    parcel = a_packed_parcel(floor["warehouse"], carrier="")
    with pytest.raises(ActionError, match="Choose the parcel's carrier"):
        waybills.assign_waybill(parcel, floor["packer"])


def test_someone_who_may_not_pack_gets_no_number(floor, staff):
    a_range()
    with pytest.raises(NotPermittedError):
        waybills.assign_waybill(a_packed_parcel(floor["warehouse"]), staff[roles.CS_AGENT])
