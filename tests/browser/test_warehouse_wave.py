"""A wave through the warehouse in a real browser (issue 16): stock received and reserved,
a pick list made and picked by scanning bin and SKU, each order packed at the station
(lines counted, a box, the scale, the checklist, the carrier), its label printed (a PDF
with its waybill number), the parcels scanned into the carrier's manifest and handed
over: the orders are shipped under those numbers and the stock agrees with its moves.

The scans are typed as a handheld scanner types them: the code, then Enter.
Set PARCELOPS_SCREENSHOTS to a directory to keep a screenshot of each step.
"""

import re

import pytest
from playwright.sync_api import expect

from parcelops.core.clock import now
from parcelops.orders import actions as order_actions
from parcelops.orders.models import Order, OrderLine
from parcelops.orders.states import OrderState
from parcelops.orders.tests.factories import place_order
from parcelops.tracking.models import Shipment
from parcelops.warehouse.actions.stock import receive_stock
from parcelops.warehouse.models import (
    NumberRange,
    Parcel,
    PickLine,
    PickList,
    SkuProfile,
)
from parcelops.warehouse.stock_queries import check_stock
from parcelops.warehouse.tests import packing_floor
from tests.browser.test_order_lists import keep, open_as

pytestmark = [pytest.mark.browser, pytest.mark.real_stock, pytest.mark.django_db(transaction=True)]

WAVE = ("WAVE-1", "WAVE-2", "WAVE-3")


def a_wave(staff) -> list[Order]:
    """A warehouse with stock received through the stock actions, ZTO's number range, and
    three approved orders allocated through the order's own step (which reserves)."""
    house = packing_floor.warehouse()
    packing_floor.materials()
    NumberRange.objects.create(
        carrier="zto",
        first=731_000_000_000,
        last=731_000_999_999,
        next_serial=731_000_000_000,
        digits=12,
        created_at=now(),
    )
    orders = []
    for external_id in WAVE:
        order = place_order(external_id=external_id, requested_carrier="zto")
        Order.objects.filter(pk=order.pk).update(state=OrderState.APPROVED)
        orders.append(order)
    for line in OrderLine.objects.filter(order__in=orders).select_related("product"):
        assert line.product is not None
        SkuProfile.objects.get_or_create(
            product=line.product, defaults={"weight_grams": packing_floor.WEIGHTS[line.sku]}
        )
    receive_stock(staff["admin"], sku="TEA-001", bin_code="A-02", quantity=20, warehouse=house.code)
    receive_stock(staff["admin"], sku="CUP-002", bin_code="B-01", quantity=20, warehouse=house.code)
    for index, order in enumerate(orders):
        order.refresh_from_db()
        orders[index] = order_actions.advance_order(order, OrderState.ALLOCATED, staff["warehouse"])
    return orders


def scan(page, field: str, code: str) -> None:
    box = page.locator(f"input[name={field}]:not([type=hidden])")
    expect(box).to_be_focused()  # the page put the cursor where the scanner types
    box.fill(code)
    box.press("Enter")


def test_a_wave_is_picked_packed_labelled_and_handed_over(browser, live_server, staff, channel):
    orders = a_wave(staff)
    context, page = open_as(browser, live_server, "warehouse", "desktop", "en")

    # The wave: the oldest allocated orders of the warehouse, in one walk.
    page.goto("/warehouse/packing/pick-lists/")
    page.get_by_role("button", name="Make the pick list").click()
    pick_list = PickList.objects.get()
    expect(page).to_have_url(re.compile(rf"/pick-lists/{pick_list.number}/$"))
    keep(page, "wave-pick-list")
    for stop in PickLine.objects.filter(pick_list=pick_list).order_by("sequence"):
        expect(page.locator("body")).to_contain_text(stop.bin.code)
        scan(page, "bin", stop.bin.code)
        scan(page, "sku", stop.product.sku)
    expect(page.locator("body")).to_contain_text("Picked")
    assert set(Order.objects.values_list("state", flat=True)) == {OrderState.PICKING}

    for order in orders:
        page.goto("/warehouse/packing/")
        scan(page, "order", order.number)
        expect(page).to_have_url(re.compile(rf"/packing/orders/{order.number}/$"))
        for line in OrderLine.objects.filter(order=order):
            for _unit in range(line.quantity):
                scan(page, "sku", line.sku)
        page.locator("select[name=material]").select_option("BOX-M")
        page.locator("form:has(select[name=material]) button[type=submit]").click()
        expected = int(page.locator(".weight-expected").inner_text().split()[1])
        scan(page, "weight_grams", str(expected))
        for box in page.locator("input[name=checklist]").all():
            box.check()
        page.locator("form:has(input[name=checklist]) button[type=submit]").click()
        # Carrier choice suggests the customer's carrier, and the form has it chosen.
        expect(page.locator("select[name=carrier]")).to_have_value("zto")
        page.locator("form:has(select[name=carrier]) button[type=submit]").click()
        keep(page, f"wave-packed-{order.number}")
        label = page.get_by_role("link", name="Print label")
        pdf = context.request.get(label.get_attribute("href"))
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.body().startswith(b"%PDF")

    # Each label took the range's next number, in the order they were printed.
    parcels = [Parcel.objects.get(order=order) for order in orders]
    numbers = [parcel.waybill_number for parcel in parcels]
    assert numbers == ["731000000000", "731000000001", "731000000002"]
    assert all(parcel.label_printed_at for parcel in parcels)
    assert set(Order.objects.values_list("state", flat=True)) == {OrderState.PACKED}

    # The driver comes: the parcels are scanned into ZTO's manifest and handed over.
    page.goto("/warehouse/labels/manifests/")
    page.locator("select[name=warehouse]").select_option(label="HZ1 杭州一号仓")
    page.locator("input[name=carrier]").fill("zto")
    page.get_by_role("button", name="Open the manifest").click()
    for number in numbers:
        page.locator("input[name=code]").fill(number)
        page.locator("input[name=code]").press("Enter")
        expect(page.locator("body")).to_contain_text(number)
    page.locator("input[name=driver_name]").fill("张师傅")
    page.get_by_role("button", name="Hand over").click()
    keep(page, "wave-handed-over")
    expect(page.locator("body")).to_contain_text("Handed over")

    assert sorted(Shipment.objects.values_list("carrier", "tracking_number")) == [
        ("zto", number) for number in numbers
    ]
    assert set(Order.objects.values_list("state", flat=True)) == {OrderState.SHIPPED}
    stock = check_stock()
    assert stock.is_ok, stock.disagreement
    context.close()
