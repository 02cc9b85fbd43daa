"""The picking and packing pages: a wave made, a list picked by scanning, an order packed
from the station, refusals said next to the field, and the roles that see them."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from parcelops.accounts import roles
from parcelops.orders.states import OrderState
from parcelops.warehouse.models import Parcel, PickLine, PickList, StockMove
from parcelops.warehouse.tests import packing_floor

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def floor(db, channel, staff, frozen_now):
    house = packing_floor.warehouse()
    packing_floor.materials()
    return house


@pytest.fixture
def packer(staff):
    client = Client()
    client.force_login(staff[roles.WAREHOUSE])
    return client


def make_wave(packer, floor):
    response = packer.post(
        reverse("warehouse:pick_lists"), {"warehouse": floor.pk, "oldest": "5", "orders": ""}
    )
    pick_list = PickList.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("warehouse:pick_list", args=[pick_list.number])
    return pick_list


def test_a_wave_from_the_page_and_the_next_stop_shown(floor, packer):
    order = packing_floor.allocated_order(floor, "W-1")
    pick_list = make_wave(packer, floor)

    page = packer.get(reverse("warehouse:pick_list", args=[pick_list.number]))

    html = page.content.decode()
    assert "Stop 1 of 2" in html
    assert 'name="bin" id="id_bin" value="" autofocus' in html
    assert order.number in html


def test_a_wrong_bin_is_refused_on_the_page_and_changes_nothing(floor, packer):
    packing_floor.allocated_order(floor, "W-1")
    pick_list = make_wave(packer, floor)
    stop = PickLine.objects.get(sequence=1)

    page = packer.post(
        reverse("warehouse:pick_list", args=[pick_list.number]),
        {"line": stop.pk, "bin": "A-02", "sku": ""},
    )

    assert page.status_code == 422
    assert "Wrong bin: you scanned “A-02”, this stop is bin B-01." in page.content.decode()
    assert not StockMove.objects.exists()


def test_bin_then_sku_picks_the_stop(floor, packer):
    packing_floor.allocated_order(floor, "W-1")
    pick_list = make_wave(packer, floor)
    stop = PickLine.objects.get(sequence=1)
    url = reverse("warehouse:pick_list", args=[pick_list.number])

    bin_scanned = packer.post(url, {"line": stop.pk, "bin": "B-01", "sku": ""})
    html = bin_scanned.content.decode()
    assert "Bin B-01 confirmed." in html
    assert 'name="sku" id="id_sku" value="" autofocus' in html
    picked = packer.post(url, {"line": stop.pk, "bin": "B-01", "sku": "CUP-002"})

    assert picked.status_code == 302
    stop.refresh_from_db()
    assert stop.picked_quantity == 1


def test_a_short_pick_from_the_page_shows_the_problem(floor, packer):
    order = packing_floor.allocated_order(floor, "W-1")
    pick_list = make_wave(packer, floor)
    stop = PickLine.objects.get(sequence=1)
    url = reverse("warehouse:pick_list", args=[pick_list.number])

    packer.post(url, {"line": stop.pk, "action": "short", "reason": "Bin empty"})

    html = packer.get(url).content.decode()
    assert "Short picks: these orders wait" in html
    assert f'{order.number}</span> · CUP-002 @ <span class="mono">B-01</span>: Bin empty' in html


def pick_everything(packer, pick_list):
    url = reverse("warehouse:pick_list", args=[pick_list.number])
    for stop in PickLine.objects.filter(pick_list=pick_list).select_related("bin", "product"):
        packer.post(url, {"line": stop.pk, "bin": stop.bin.code, "sku": stop.product.sku})


def test_an_order_packed_from_the_station(floor, packer):
    order = packing_floor.allocated_order(floor, "W-1")
    pick_everything(packer, make_wave(packer, floor))
    station = reverse("warehouse:packing_station")

    started = packer.post(station, {"order": order.number.lower()})

    url = reverse("warehouse:packing_order", args=[order.number])
    assert (started.status_code, started["Location"]) == (302, url)
    for data in (
        {"step": "verify", "sku": "TEA-001", "quantity": "2"},
        {"step": "verify", "sku": "CUP-002"},
        {"step": "material", "material": "BOX-M", "quantity": "1"},
    ):
        assert packer.post(url, data).status_code == 302
    refused = packer.post(url, {"step": "weight", "weight_grams": "1300"})
    assert refused.status_code == 422
    assert "The scale says 1300 g but 1050 g ± 157 g is expected" in refused.content.decode()
    assert 'name="override_reason"' in refused.content.decode()
    steps: list[dict[str, Any]] = [
        {"step": "weight", "weight_grams": "1300", "override_reason": "Gift box"},
        {
            "step": "checklist",
            "checklist": ["goods_match", "no_damage", "sealed", "fragile_marked"],
        },
        {"step": "packed", "carrier": "zto", "service": ""},
    ]
    for data in steps:
        assert packer.post(url, data).status_code == 302

    parcel = Parcel.objects.get(order=order)
    order.refresh_from_db()
    assert (order.state, parcel.carrier, parcel.weight_override_reason) == (
        OrderState.PACKED,
        "zto",
        "Gift box",
    )
    assert "Pack the next order" in packer.get(url).content.decode()


def test_an_unknown_order_scanned_is_said_next_to_the_field(floor, packer):
    page = packer.post(reverse("warehouse:packing_station"), {"order": "NOPE"})

    assert page.status_code == 422
    assert "No order has the number “NOPE”." in page.content.decode()


@pytest.mark.parametrize("name", ["pick_lists", "packing_station"])
def test_the_pages_need_the_floor_roles(floor, staff, name):
    client = Client()
    client.force_login(staff[roles.ORDER_PROCESSOR])
    assert client.get(reverse(f"warehouse:{name}")).status_code == 403


def test_the_order_page_shows_a_short_pick_as_a_problem(floor, packer):
    order = packing_floor.allocated_order(floor, "W-1")
    pick_list = make_wave(packer, floor)
    stop = PickLine.objects.get(sequence=1)
    url = reverse("warehouse:pick_list", args=[pick_list.number])
    packer.post(url, {"line": stop.pk, "action": "short", "reason": "Bin empty"})

    html = packer.get(reverse("orders:detail", args=[order.number])).content.decode()

    assert "Short pick: this order cannot be packed until the missing items are found." in html
    assert 'CUP-002 @ <span class="mono">B-01</span>: Bin empty' in html


def test_the_station_ranks_the_carriers_and_suggests_the_best(floor, packer):
    from parcelops.carriers.models import Carrier, PriceRule

    for code, first_cents in (("zto", 800), ("yto", 1200)):
        carrier = Carrier.objects.get(code=code)
        Carrier.objects.filter(pk=carrier.pk).update(coverage=["*"], services=["insurance"])
        PriceRule.objects.create(carrier=carrier, first_cents=first_cents, additional_cents=500)
    order = packing_floor.allocated_order(floor, "W-1")
    pick_everything(packer, make_wave(packer, floor))
    packer.post(reverse("warehouse:packing_station"), {"order": order.number})

    page = packer.get(reverse("warehouse:packing_order", args=[order.number])).content.decode()

    assert "Carrier options" in page
    # ZTO is cheaper and neither has history: it is suggested and chosen in the form.
    assert page.index("ZTO Express") < page.index("YTO Express")
    assert '<option value="zto" selected>' in page
