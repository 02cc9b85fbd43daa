"""The label pages: the number ranges page (list, add, refuse), a label PDF route, and a
manifest worked from its page (open, scan, refuse a scan, hand over)."""

import pytest

from parcelops.accounts import roles
from parcelops.orders.states import OrderState
from parcelops.warehouse.models import Manifest, NumberRange
from parcelops.warehouse.tests.label_helpers import (
    a_packed_parcel,
    a_range,
    a_warehouse,
    client_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(channel, staff, frozen_now, english):
    return staff


def test_the_ranges_page_lists_what_is_left_and_adds_a_range(people):
    a_range(first=1, last=12, next_serial=5, digits=4)
    manager = client_of(people[roles.LOGISTICS_HEAD])
    page = manager.get("/warehouse/labels/ranges/")
    assert page.status_code == 200
    assert "0001" in page.text
    assert "0012" in page.text
    added = manager.post(
        "/warehouse/labels/ranges/",
        {
            "carrier": "yto",
            "prefix": "YT",
            "first": 1,
            "last": 99,
            "digits": 6,
            "check_digit": "",
            "suffix": "",
            "low_alert_at": 10,
        },
    )
    assert added.status_code == 302
    refused = manager.post(
        "/warehouse/labels/ranges/",
        {
            "carrier": "yto",
            "prefix": "YT",
            "first": 50,
            "last": 150,
            "digits": 6,
            "check_digit": "",
            "suffix": "",
            "low_alert_at": 10,
        },
    )
    assert refused.status_code == 422
    assert "Overlaps the range YT000001 – YT000099 of the same carrier." in refused.text
    assert NumberRange.objects.count() == 2


def test_a_packer_sees_the_ranges_but_may_not_add_one(people):
    packer = client_of(people[roles.WAREHOUSE])
    assert packer.get("/warehouse/labels/ranges/").status_code == 200
    assert packer.post("/warehouse/labels/ranges/", {"carrier": "zto"}).status_code == 403


def test_the_label_route_answers_a_pdf_or_says_why_not(people):
    warehouse = a_warehouse()
    ready = a_packed_parcel(warehouse, "W-1", waybill_number="0001")
    picking = a_packed_parcel(warehouse, "W-2", state=OrderState.PICKING)
    packer = client_of(people[roles.WAREHOUSE])
    answer = packer.get(f"/warehouse/labels/{ready.order.number}.pdf?format=a4")
    assert (answer.status_code, answer["Content-Type"]) == (200, "application/pdf")
    refused = packer.get(f"/warehouse/labels/{picking.order.number}.pdf")
    assert refused.status_code == 409
    assert "Nothing was printed." in refused.text


def test_a_manifest_is_worked_from_its_page(people):
    warehouse = a_warehouse()
    parcel = a_packed_parcel(warehouse, "W-1", waybill_number="7310000001", printed=True)
    other = a_packed_parcel(warehouse, "W-2", waybill_number="YT0001", carrier="yto", printed=True)
    person = client_of(people[roles.WAREHOUSE])
    opened = person.post(
        "/warehouse/labels/manifests/", {"warehouse": warehouse.pk, "carrier": "zto"}
    )
    manifest = Manifest.objects.get()
    assert opened["Location"] == f"/warehouse/labels/manifests/{manifest.pk}/"
    assert (
        person.post(
            f"/warehouse/labels/manifests/{manifest.pk}/scan/", {"code": "7310000001"}
        ).status_code
        == 302
    )
    wrong = person.post(
        f"/warehouse/labels/manifests/{manifest.pk}/scan/", {"code": other.waybill_number}
    )
    assert wrong.status_code == 422
    assert f"{other.order.number} goes with YTO Express, not ZTO Express." in wrong.text
    page = person.get(f"/warehouse/labels/manifests/{manifest.pk}/")
    assert "7310000001" in page.text
    assert "1 parcel · 1.35 kg" in page.text
    assert (
        person.get(f"/warehouse/labels/manifests/{manifest.pk}.pdf")["Content-Type"]
        == "application/pdf"
    )
    handed = person.post(
        f"/warehouse/labels/manifests/{manifest.pk}/hand-over/", {"driver_name": "张师傅"}
    )
    assert handed.status_code == 302
    manifest.refresh_from_db()
    parcel.order.refresh_from_db()
    assert (manifest.state, parcel.order.state) == ("handed_over", OrderState.SHIPPED)
