"""Carrier options for a real order: the demo price tables, the lane from the order's
address and the warehouse, the expected or weighed weight, insurance for a dear order, the
requested carrier, the measured history; the API (roles, 404, 409) and the page."""

import pytest
from django.test import Client

from parcelops.carriers import registry
from parcelops.carriers.models import Carrier
from parcelops.demo.carrier_prices import load_carrier_prices
from parcelops.orders.models import Order, Product
from parcelops.orders.states import OrderState
from parcelops.orders.tests.factories import place_order
from parcelops.warehouse.choice_presentation import present
from parcelops.warehouse.choice_queries import carrier_options
from parcelops.warehouse.models import (
    CarrierScore,
    Parcel,
    SkuProfile,
    Warehouse,
    WarehouseSettings,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "channel", "english")]

INTERNATIONAL = ["dhl", "fedex", "ups", "usps"]
URL = "/api/v1/orders/{}/carrier-options"


@pytest.fixture
def order():
    load_carrier_prices()
    registry.forget_loaded_carriers()
    Warehouse.objects.create(
        code="HZ1", name="杭州仓", province="浙江省", city="杭州市", address="文一西路 1 号",
        contact_name="仓管", contact_phone="0571-88888888",
    )  # fmt: skip
    placed = place_order()  # to 浙江省 杭州市; TEA-001 x 2, CUP-002 x 1; ¥365.90
    SkuProfile.objects.create(product=Product.objects.get(sku="TEA-001"), weight_grams=300)
    SkuProfile.objects.create(product=Product.objects.get(sku="CUP-002"), weight_grams=200)
    Order.objects.filter(pk=placed.pk).update(state=OrderState.ALLOCATED)
    return Order.objects.get(pk=placed.pk)


def test_it_ranks_the_demo_carriers_for_an_order_being_packed(order, django_assert_max_num_queries):
    WarehouseSettings.current()  # its row exists in a running shop
    # The parcel, the lines' weights, the warehouse (reservation, then the only one), the
    # settings, the lane's scores, the carriers and their prices.
    with django_assert_max_num_queries(8):
        options = carrier_options(order)

    answer = present(options)
    assert (answer["origin_province"], answer["destination_province"]) == ("浙江省", "浙江省")
    assert (answer["weight_grams"], answer["weight_source"]) == (800, "expected")
    assert answer["needed_services"] == []
    # Same-province first kilogram (800 g): the Tongda carriers cheapest, SF dearest; no
    # history, so the carriers' default transit times and middling reliability.
    assert [(o["carrier"], o["quote_cents"], o["total"]) for o in answer["options"][:4]] == [
        ("zto", 320, 70.1),
        ("yto", 300, 69.59),
        ("yunda", 310, 68.24),
        ("sto", 300, 67.29),
    ]
    assert answer["chosen"] == "zto"
    zto = answer["options"][0]
    assert [
        (f["name"], f["value"], f["score"], f["points"], f["source"]) for f in zto["factors"]
    ] == [
        ("cost", 320.0, 0.9565, 38.26, "quote"),
        ("speed", 66.0, 0.5526, 19.34, "defaults"),
        ("reliability", None, 0.5, 12.5, "unmeasured"),
    ]
    assert zto["uses_history"] is False
    assert zto["history_text"] == (
        "No parcel delivered on this lane in the last year: the carrier's default transit "
        "times are used."
    )
    assert [e["carrier"] for e in answer["excluded"]] == INTERNATIONAL
    assert [r["code"] for r in answer["excluded"][0]["reasons"]] == ["no_coverage", "no_price"]
    assert answer["notes"] == [
        "Not weighed yet: priced at the products' expected weight, without volume.",
    ]


def test_a_weighed_parcel_is_priced_by_its_chargeable_weight(order):
    warehouse = Warehouse.objects.get()
    # 2.4 kg, but 400 x 300 x 200 mm is 4 kg by volume (/ 6000): SF charges 12 + 3 x 2.
    Parcel.objects.create(
        order=order, warehouse=warehouse, weight_grams=2400,
        length_mm=400, width_mm=300, height_mm=200,
    )  # fmt: skip
    Order.objects.filter(pk=order.pk).update(state=OrderState.PACKED)

    answer = present(carrier_options(Order.objects.get(pk=order.pk)))

    sf = next(o for o in answer["options"] if o["carrier"] == "sf-express")
    assert (sf["quote_cents"], sf["chargeable_grams"], sf["volumetric_grams"]) == (1800, 4000, 4000)
    assert answer["weight_source"] == "weighed"


def test_a_dear_order_needs_insurance_and_excludes_who_lacks_it(order):
    Order.objects.filter(pk=order.pk).update(total_cents=250_000)

    answer = present(carrier_options(Order.objects.get(pk=order.pk)))

    assert answer["needed_services"] == ["insurance"]
    jt = next(e for e in answer["excluded"] if e["carrier"] == "jtexpress")
    assert jt["reasons"] == [
        {
            "code": "missing_service",
            "message": "Does not offer Insurance, which this order needs.",
        }
    ]


def test_a_cash_on_delivery_order_goes_only_to_carriers_that_collect(order):
    Order.objects.filter(pk=order.pk).update(cash_on_delivery=True)

    answer = present(carrier_options(Order.objects.get(pk=order.pk)))

    assert answer["needed_services"] == ["cod"]
    zto = next(e for e in answer["excluded"] if e["carrier"] == "zto")
    assert zto["reasons"] == [
        {
            "code": "missing_service",
            "message": "Does not offer Cash on delivery, which this order needs.",
        }
    ]
    assert "zto" not in [o["carrier"] for o in answer["options"]]
    assert answer["chosen"] in {"jtexpress", "sf-express", "jd", "ems", "china-post", "deppon"}


def test_the_requested_carrier_named_any_way_comes_first(order):
    Order.objects.filter(pk=order.pk).update(requested_carrier="顺丰")

    answer = present(carrier_options(Order.objects.get(pk=order.pk)))

    assert answer["requested_carrier"] == "sf-express"
    assert answer["options"][0]["carrier"] == "sf-express"
    assert answer["options"][0]["is_requested"] is True


def test_a_requested_carrier_that_does_not_deliver_there_loses(order):
    Carrier.objects.filter(code="sf-express").update(coverage=["上海市"])
    Order.objects.filter(pk=order.pk).update(requested_carrier="SF")

    answer = present(carrier_options(Order.objects.get(pk=order.pk)))

    assert answer["chosen"] == "zto"
    assert answer["notes"][-1] == (
        "The customer asked for SF Express, but it cannot take this parcel: Does not deliver "
        "to 浙江省."
    )


def test_the_measured_history_counts_once_the_lane_has_enough(order):
    CarrierScore.objects.create(
        carrier="sf-express", origin_province="浙江", destination_province="浙江",
        shipments=60, delivered=40, transit_hours_p50=12, transit_hours_p90=20, promised=40,
        on_time_rate=0.975, damage_rate=0.0, loss_rate=0.0, case_rate=0.0,
        window_start="2025-11-25T02:00:00Z", refreshed_at="2026-11-25T02:00:00Z",
    )  # fmt: skip

    answer = present(carrier_options(order))

    sf = next(o for o in answer["options"] if o["carrier"] == "sf-express")
    assert sf["uses_history"] is True
    speed = sf["factors"][1]
    assert (speed["value"], speed["source"], speed["details"]) == (
        16.0,
        "history",
        {"p50_hours": 12.0, "p90_hours": 20.0},
    )
    assert sf["factors"][2]["value"] == 0.975
    assert sf["history_text"] == "Measured from 40 parcels delivered on this lane in the last year."


def test_the_api_answers_the_ranking_to_packers(order, staff, api):
    response = api(staff["warehouse"]).get(URL.format(order.number))

    assert response.status_code == 200
    body = response.json()
    assert body["chosen"] == "zto"
    assert body["weights"] == {"cost": 40, "speed": 35, "reliability": 25}
    assert body["options"][0]["factors"][0]["value_text"] == "¥3.20"


@pytest.mark.parametrize(
    ("role", "status"),
    [("warehouse", 200), ("analyst", 200), ("cs_agent", 403), ("order_processor", 403)],
)
def test_only_packers_and_report_readers_may_see_the_options(order, staff, api, role, status):
    assert api(staff[role]).get(URL.format(order.number)).status_code == status


def test_an_unknown_order_is_404_and_a_shipped_one_409(order, staff, api):
    client = api(staff["warehouse"])
    assert client.get(URL.format("NOPE-1")).status_code == 404
    Order.objects.filter(pk=order.pk).update(state=OrderState.SHIPPED)

    response = client.get(URL.format(order.number))

    assert response.status_code == 409
    assert response.json() == {
        "errors": [
            {
                "field": "",
                "message": "Carriers are chosen for allocated, picking or packed orders; "
                "this one is Shipped.",
            }
        ]
    }


def test_the_page_shows_the_ranking(order, staff):
    client = Client()
    client.force_login(staff["warehouse"])

    response = client.get(f"/warehouse/carriers/options/{order.number}/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Carrier options for" in page
    assert "ZTO Express" in page
    assert "4 carriers excluded" in page


def test_the_page_says_why_when_the_order_is_not_choosable(order, staff):
    Order.objects.filter(pk=order.pk).update(state=OrderState.APPROVED)
    client = Client()
    client.force_login(staff["warehouse"])

    response = client.get(f"/warehouse/carriers/options/{order.number}/")

    assert response.status_code == 409
    assert "this one is Approved" in response.content.decode()


def test_a_lane_with_a_few_parcels_says_how_few(order):
    CarrierScore.objects.create(
        carrier="zto", origin_province="浙江", destination_province="浙江",
        shipments=6, delivered=5, transit_hours_p50=10, transit_hours_p90=12, promised=5,
        on_time_rate=1.0, damage_rate=0.0, loss_rate=0.0, case_rate=0.0,
        window_start="2025-11-25T02:00:00Z", refreshed_at="2026-11-25T02:00:00Z",
    )  # fmt: skip

    zto = next(o for o in present(carrier_options(order))["options"] if o["carrier"] == "zto")

    assert zto["history_text"] == (
        "Only 5 parcels delivered on this lane in the last year (fewer than 30): the carrier's "
        "default transit times are used."
    )
    assert [f["value_text"] for f in zto["factors"]] == [
        "¥3.20",
        "66 h (p50 48 h, p90 84 h)",
        "not measured",
    ]
