"""The order page's warehouse panel: the parcel's number and its source, carrier and
service, weight, packing, label prints, manifest and hand-over; the print links for a
packer only; nothing for those outside the warehouse or for an order without a parcel."""

import pytest
from django.utils.timezone import localtime

from parcelops.accounts import roles
from parcelops.core.clock import now
from parcelops.warehouse.actions import labels as label_actions
from parcelops.warehouse.actions import manifests
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


def _panel(page) -> str:
    assert page.status_code == 200
    start = page.text.find('class="card detail-warehouse-parcel"')
    assert start != -1, "no warehouse panel"
    return page.text[start : page.text.index("</section>", start)]


def test_a_packed_parcel_shows_what_is_known_and_the_print_links(people):
    parcel = a_packed_parcel(a_warehouse())
    panel = _panel(client_of(people[roles.WAREHOUSE]).get(f"/orders/{parcel.order.number}/"))
    assert "Warehouse parcel" in panel
    assert "Not yet: it is given when the label first prints." in panel
    assert "ZTO Express · 标准快递" in panel
    assert "1.35 kg" in panel
    assert "Not printed" in panel
    assert "Not on a manifest" in panel
    assert "Not handed over yet" in panel
    label = f"/warehouse/labels/{parcel.order.number}.pdf"
    assert f'href="{label}?format=thermal"' in panel
    assert f'href="{label}?format=a4"' in panel


def test_a_printed_and_handed_over_parcel_shows_its_number_prints_and_manifest(people):
    a_range(first=1, last=100, digits=10)
    parcel = a_packed_parcel(a_warehouse())
    packer = people[roles.WAREHOUSE]
    label_actions.print_labels(packer, [parcel.order.number])
    label_actions.print_labels(packer, [parcel.order.number])
    manifest = manifests.open_manifest(packer, warehouse_id=parcel.warehouse_id, carrier="zto")
    manifests.scan_into_manifest(packer, manifest.pk, "0000000001")
    manifests.hand_over_manifest(packer, manifest.pk, driver_name="张师傅")
    manifest.refresh_from_db()
    moment = localtime(now()).strftime("%Y-%m-%d %H:%M")  # 10:00 in Shanghai
    panel = _panel(client_of(packer).get(f"/orders/{parcel.order.number}/"))
    assert '<dd><span class="mono">0000000001</span></dd>' in panel
    assert "<dd>Carrier&#x27;s number range</dd>" in panel
    assert f"Printed 2 times, first {moment}" in panel
    assert f'href="/warehouse/labels/manifests/{manifest.pk}/">{manifest.number}</a>' in panel
    assert f"{moment}</time> · driver 张师傅" in panel
    assert "?format=thermal" in panel  # a shipped order's label may be printed again


def test_someone_outside_the_warehouse_sees_no_panel_and_no_parcel_no_panel(people):
    parcel = a_packed_parcel(a_warehouse())
    page = client_of(people[roles.CS_AGENT]).get(f"/orders/{parcel.order.number}/")
    assert page.status_code == 200
    assert "detail-warehouse-parcel" not in page.text
    other = a_packed_parcel(parcel.warehouse, "W-2").order
    other.parcel.delete()
    page = client_of(people[roles.WAREHOUSE]).get(f"/orders/{other.number}/")
    assert "detail-warehouse-parcel" not in page.text


def test_a_reports_viewer_sees_the_facts_but_no_print_link(people):
    parcel = a_packed_parcel(a_warehouse())
    viewer = people[roles.LOGISTICS_HEAD]
    assert not viewer.has_perm(roles.PACK_ORDERS) or not viewer.has_perm(roles.VIEW_CUSTOMER_DATA)
    panel = _panel(client_of(viewer).get(f"/orders/{parcel.order.number}/"))
    assert "?format=thermal" not in panel
