"""Hand-over by manifest: scanning (and its refusals, with nothing changed), taking a
parcel off, handing over (shipments, operations, one failing parcel reported while the
rest go), and the PDF the driver signs."""

import pypdfium2
import pytest

from parcelops.accounts import roles
from parcelops.core.errors import ActionError, InputError
from parcelops.orders.models import Order
from parcelops.orders.states import OrderState
from parcelops.tracking.models import Shipment
from parcelops.warehouse.actions import manifests
from parcelops.warehouse.label_views import manifest_facts
from parcelops.warehouse.manifest_pdf import render_manifest
from parcelops.warehouse.models import ManifestParcel, Operation, Parcel
from parcelops.warehouse.tests.label_helpers import a_packed_parcel, a_warehouse

pytestmark = pytest.mark.django_db


@pytest.fixture
def dock(channel, staff, frozen_now, english):
    warehouse = a_warehouse()
    person = staff[roles.WAREHOUSE]
    manifest = manifests.open_manifest(person, warehouse_id=warehouse.pk, carrier="中通快递")
    return {"person": person, "warehouse": warehouse, "manifest": manifest}


def labelled(dock, external_id, **fields):
    fields.setdefault("waybill_number", f"7310000{external_id[-3:].replace('-', '0')}")
    fields.setdefault("printed", True)
    return a_packed_parcel(dock["warehouse"], external_id, **fields)


def test_a_manifest_is_numbered_for_its_carrier(dock):
    assert dock["manifest"].carrier == "zto"
    assert dock["manifest"].number == f"MF20261125-{dock['manifest'].pk:05d}"


def test_parcels_are_scanned_by_waybill_or_order_number(dock):
    first, second = labelled(dock, "W-101"), labelled(dock, "W-102")
    manifests.scan_into_manifest(dock["person"], dock["manifest"].pk, " 731 0000 101 ")
    manifests.scan_into_manifest(dock["person"], dock["manifest"].pk, second.order.number)
    assert set(ManifestParcel.objects.values_list("parcel_id", flat=True)) == {first.pk, second.pk}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"carrier": "yto"}, "{order} goes with YTO Express, not ZTO Express."),
        (
            {"waybill_number": "", "printed": False},
            "{order} has no waybill number yet: print its label first.",
        ),
        ({"printed": False}, "{order} has no printed label yet: print it first."),
        ({"state": OrderState.PICKING}, "{order} is not packed (it is Picking)."),
        ({"state": OrderState.SHIPPED}, "{order} is handed over already."),
    ],
)
def test_a_scan_that_cannot_go_is_refused_and_nothing_changes(dock, fields, message):
    parcel = labelled(dock, "W-103", **fields)
    with pytest.raises(InputError) as refused:
        manifests.scan_into_manifest(dock["person"], dock["manifest"].pk, parcel.order.number)
    assert [e.as_dict() for e in refused.value.errors] == [
        {"field": "code", "message": message.format(order=parcel.order.number)}
    ]
    assert ManifestParcel.objects.count() == 0


def test_a_parcel_on_another_manifest_or_scanned_twice_is_refused(dock):
    parcel = labelled(dock, "W-104")
    manifests.scan_into_manifest(dock["person"], dock["manifest"].pk, parcel.waybill_number)
    with pytest.raises(InputError, match="Already scanned into this manifest"):
        manifests.scan_into_manifest(dock["person"], dock["manifest"].pk, parcel.waybill_number)
    other = manifests.open_manifest(
        dock["person"], warehouse_id=dock["warehouse"].pk, carrier="zto"
    )
    with pytest.raises(InputError) as refused:
        manifests.scan_into_manifest(dock["person"], other.pk, parcel.waybill_number)
    assert refused.value.errors[0].message == (
        f"{parcel.order.number} is already on manifest {dock['manifest'].number}."
    )
    with pytest.raises(InputError, match=r"No parcel has this waybill or order number\."):
        manifests.scan_into_manifest(dock["person"], other.pk, "NOSUCHTHING")


def test_a_wrongly_scanned_parcel_is_taken_off(dock):
    parcel = labelled(dock, "W-105")
    manifests.scan_into_manifest(dock["person"], dock["manifest"].pk, parcel.waybill_number)
    manifests.remove_from_manifest(dock["person"], dock["manifest"].pk, parcel.pk)
    assert ManifestParcel.objects.count() == 0


def test_handing_over_ships_each_parcel_and_records_who_did_it(dock):
    parcels = [labelled(dock, f"W-11{index}") for index in range(3)]
    for parcel in parcels:
        manifests.scan_into_manifest(dock["person"], dock["manifest"].pk, parcel.waybill_number)
    result = manifests.hand_over_manifest(dock["person"], dock["manifest"].pk, driver_name="张师傅")
    assert [p.pk for p in result.handed_over] == [p.pk for p in parcels]
    assert result.failed == []
    manifest = result.manifest
    assert (manifest.state, manifest.driver_name, manifest.handed_over_by) == (
        "handed_over",
        "张师傅",
        dock["person"],
    )
    shipments = Shipment.objects.order_by("id")
    assert [(s.carrier, s.tracking_number, s.service) for s in shipments] == [
        ("zto", p.waybill_number, "标准快递") for p in parcels
    ]
    assert all(
        s.label_created_at == p.label_printed_at for s, p in zip(shipments, parcels, strict=True)
    )
    assert set(Order.objects.values_list("state", flat=True)) == {OrderState.SHIPPED}
    assert Parcel.objects.filter(handed_over_at__isnull=True).count() == 0
    assert Operation.objects.filter(kind="hand_over", actor=dock["person"], units=1).count() == 3
    with pytest.raises(ActionError, match="handed over already"):
        manifests.scan_into_manifest(dock["person"], manifest.pk, "x" * 8)


def test_a_parcel_that_fails_is_reported_and_taken_off_while_the_rest_go(dock):
    good, bad = labelled(dock, "W-121"), labelled(dock, "W-122")
    for parcel in (good, bad):
        manifests.scan_into_manifest(dock["person"], dock["manifest"].pk, parcel.waybill_number)
    Order.objects.filter(pk=bad.order_id).update(
        state=OrderState.CANCELLED
    )  # cancelled at the dock
    result = manifests.hand_over_manifest(dock["person"], dock["manifest"].pk, driver_name="张师傅")
    assert [p.pk for p in result.handed_over] == [good.pk]
    assert [(p.pk, message) for p, message in result.failed] == [
        (bad.pk, "Only a packed or shipped order can get a parcel.")
    ]
    assert list(ManifestParcel.objects.values_list("parcel_id", flat=True)) == [good.pk]
    bad.refresh_from_db()
    assert bad.handed_over_at is None
    assert Shipment.objects.count() == 1


def test_an_empty_manifest_or_no_driver_is_refused(dock):
    with pytest.raises(ActionError, match="Scan at least one parcel"):
        manifests.hand_over_manifest(dock["person"], dock["manifest"].pk, driver_name="张师傅")
    with pytest.raises(InputError) as refused:
        manifests.hand_over_manifest(dock["person"], dock["manifest"].pk, driver_name=" ")
    assert refused.value.errors[0].field == "driver_name"


def test_the_manifest_pdf_lists_the_parcels_count_and_weight(dock, settings):
    settings.LANGUAGE_CODE = "zh-hans"  # the shop's language, in which manifests print
    for external_id in ("W-131", "W-132"):
        parcel = labelled(dock, external_id)
        manifests.scan_into_manifest(dock["person"], dock["manifest"].pk, parcel.waybill_number)
    pdf = render_manifest(manifest_facts(dock["manifest"]))
    text = pypdfium2.PdfDocument(pdf)[0].get_textpage().get_text_range()
    for expected in (
        "交接清单",
        dock["manifest"].number,
        "中通快递",
        "7310000131",
        "7310000132",
        "2.70",
        "2 件",
        "司机",
    ):
        assert expected in text
