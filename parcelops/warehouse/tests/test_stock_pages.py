"""The stock pages: who sees them, the forms a scanner fills, the lists of backorders,
limits and turnover."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from parcelops.accounts import roles
from parcelops.core.clock import now
from parcelops.orders.models import Order, Product
from parcelops.orders.states import OrderState
from parcelops.orders.tests.pages import error_after, messages_of, page_for, text
from parcelops.warehouse import stock_queries
from parcelops.warehouse.actions import stock
from parcelops.warehouse.models import SkuProfile, StockLevel, StockMove, StockMoveKind
from parcelops.warehouse.tests.stock_fixtures import level, place, warehouse

__all__ = ["warehouse"]  # the fixture


@pytest.fixture
def people(staff, english, frozen_now, warehouse):
    Product.objects.create(sku="TEA-001", name="西湖龙井", category="茶叶")
    Product.objects.create(sku="CUP-002", name="玻璃茶杯", category="茶具")
    return staff


PAGES = [
    "/warehouse/stock/",
    "/warehouse/stock/sku/TEA-001/",
    "/warehouse/stock/backorders/",
    "/warehouse/stock/alerts/",
    "/warehouse/stock/turnover/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES)
def test_the_floor_and_the_report_readers_see_the_stock_pages_others_do_not(people, path):
    for role in (roles.WAREHOUSE, roles.ANALYST, roles.LOGISTICS_HEAD, roles.ADMIN):
        assert page_for(people[role]).get(path).status_code == 200, role
    assert page_for(people[roles.CS_AGENT]).get(path).status_code == 403
    assert page_for(None).get(path).status_code == 302


@pytest.mark.django_db
def test_only_the_floor_opens_the_forms(people):
    assert page_for(people[roles.WAREHOUSE]).get("/warehouse/stock/receive/").status_code == 200
    assert page_for(people[roles.ANALYST]).get("/warehouse/stock/receive/").status_code == 403
    assert page_for(people[roles.WAREHOUSE]).get("/warehouse/stock/fly/").status_code == 404


@pytest.mark.django_db
def test_a_scanner_fills_the_receive_form_and_comes_back_for_the_next_scan(people):
    client = page_for(people[roles.WAREHOUSE])
    form = text(client.get("/warehouse/stock/receive/"))
    assert "data-scan-form" in form
    sku_field = re.search(r'<input [^>]*name="sku"[^>]*>', form)
    assert sku_field is not None
    assert "autofocus" in sku_field.group(0)
    assert "data-scan" in sku_field.group(0)

    response = client.post(
        "/warehouse/stock/receive/",
        {"sku": "tea-001\n", "bin": "A-01", "quantity": "6", "reference": "PO-9", "reason": ""},
        follow=True,
    )

    assert response.redirect_chain == [("/warehouse/stock/receive/", 302)]
    assert messages_of(response) == ["Received 6 × tea-001 into A-01."]
    assert level("TEA-001", "A-01") == (6, 0)


@pytest.mark.django_db
def test_a_refused_move_shows_why_on_its_field_and_changes_nothing(people):
    stock.receive_stock(None, sku="TEA-001", bin_code="A-01", quantity=2)
    client = page_for(people[roles.WAREHOUSE])

    response = client.post(
        "/warehouse/stock/move/",
        {"sku": "TEA-001", "from_bin": "A-01", "to_bin": "Q-9", "quantity": "3"},
    )

    assert response.status_code == 422
    html = text(response)
    assert "Nothing was changed." in html
    assert error_after(html, "to_bin") == ["No bin in use has the code Q-9."]
    assert StockMove.objects.count() == 1


@pytest.mark.django_db
def test_adjust_and_return_forms_call_their_actions(people, channel, order_payload):
    stock.receive_stock(None, sku="TEA-001", bin_code="A-01", quantity=2)
    order = place(order_payload, "W-9", [("TEA-001", 1)])
    Order.objects.filter(pk=order.pk).update(state=OrderState.DELIVERED)
    client = page_for(people[roles.WAREHOUSE])

    adjusted = client.post(
        "/warehouse/stock/adjust/",
        {"sku": "TEA-001", "bin": "A-01", "quantity": "-1", "reason": "broken"},
        follow=True,
    )
    returned = client.post(
        "/warehouse/stock/return/",
        {"order": order.number, "sku": "TEA-001", "bin": "A-02", "quantity": "1", "reason": "r"},
        follow=True,
    )

    assert messages_of(adjusted) == ["Adjusted TEA-001 in A-01 by -1."]
    assert messages_of(returned) == [f"Returned 1 × TEA-001 of order {order.number} into A-02."]
    assert (level("TEA-001", "A-01"), level("TEA-001", "A-02")) == ((1, 0), (1, 0))


@pytest.mark.django_db
def test_the_stock_list_filters_and_counts_its_queries(people):
    stock.receive_stock(None, sku="TEA-001", bin_code="A-01", quantity=2)
    stock.receive_stock(None, sku="CUP-002", bin_code="B-01", quantity=3)
    client = page_for(people[roles.WAREHOUSE])

    with CaptureQueriesContext(connection) as queries:
        html = text(client.get("/warehouse/stock/?zone=B"))
    assert "CUP-002" in html
    assert "TEA-001" not in html
    assert len(queries) <= 12
    assert "TEA-001" in text(client.get("/warehouse/stock/?q=龙井"))
    assert "CUP-002" not in text(client.get("/warehouse/stock/?category=茶叶"))


@pytest.mark.django_db
def test_the_sku_page_shows_levels_moves_and_limits(people):
    SkuProfile.objects.create(product=Product.objects.get(sku="TEA-001"), min_stock=3, max_stock=9)
    stock.receive_stock(people[roles.WAREHOUSE], sku="TEA-001", bin_code="A-01", quantity=2)

    html = text(page_for(people[roles.WAREHOUSE]).get("/warehouse/stock/sku/TEA-001/"))

    assert "SH1/A-01" in html
    assert "Received" in html
    assert "3 / 9" in html
    assert page_for(people[roles.WAREHOUSE]).get("/warehouse/stock/sku/NOPE/").status_code == 404


@pytest.mark.django_db
def test_the_limits_page_lists_skus_below_their_minimum_and_above_their_maximum(people):
    SkuProfile.objects.create(product=Product.objects.get(sku="TEA-001"), min_stock=3)
    SkuProfile.objects.create(product=Product.objects.get(sku="CUP-002"), max_stock=2)
    stock.receive_stock(None, sku="TEA-001", bin_code="A-01", quantity=2)
    stock.receive_stock(None, sku="CUP-002", bin_code="A-01", quantity=3)

    assert [t.product.sku for t in stock_queries.below_minimum()] == ["TEA-001"]
    assert [t.product.sku for t in stock_queries.above_maximum()] == ["CUP-002"]
    html = text(page_for(people[roles.ANALYST]).get("/warehouse/stock/alerts/"))
    assert html.index("TEA-001") < html.index("Above maximum") < html.index("CUP-002")


@pytest.mark.django_db
def test_turnover_is_units_picked_over_the_average_on_hand(people, frozen_now):
    stock.receive_stock(None, sku="TEA-001", bin_code="A-01", quantity=10)
    frozen_now.shift(timedelta(days=10))
    start = now()
    tea = StockLevel.objects.get(product__sku="TEA-001")
    stock.write_move(tea, StockMoveKind.PICK, -6, None)
    stock.receive_stock(None, sku="TEA-001", bin_code="A-01", quantity=2)
    frozen_now.shift(timedelta(days=1))

    per_sku, per_category = stock_queries.turnover(start, now())

    assert [(t.key, t.picked, t.opening, t.closing, t.turns) for t in per_sku] == [
        ("TEA-001", 6, 10, 6, 0.75)
    ]
    assert [(t.key, t.picked, t.turns) for t in per_category] == [("茶叶", 6, 0.75)]
    html = text(page_for(people[roles.ANALYST]).get("/warehouse/stock/turnover/?days=7"))
    assert "0.75" in html


@pytest.mark.django_db
def test_the_order_page_shows_its_reservation_or_that_it_waits_for_stock(
    people, channel, order_payload
):
    from parcelops.core.errors import ActionError
    from parcelops.orders import actions as order_actions

    order = place(order_payload, "W-5", [("TEA-001", 2)])
    with pytest.raises(ActionError):
        order_actions.advance_order(order, OrderState.ALLOCATED, people[roles.WAREHOUSE])
    client = page_for(people[roles.WAREHOUSE])

    assert "Backordered: its stock could not be reserved." in text(
        client.get(f"/orders/{order.number}/")
    )
    stock.receive_stock(None, sku="TEA-001", bin_code="A-02", quantity=2)  # allocates it
    html = text(client.get(f"/orders/{order.number}/"))
    assert "Backordered" not in html
    assert "SH1/A-02" in html
    assert "SH1/A-02" not in text(page_for(people[roles.CS_AGENT]).get(f"/orders/{order.number}/"))


@pytest.mark.django_db
def test_the_api_lists_stock_to_those_who_read_it(people, api):
    stock.receive_stock(None, sku="TEA-001", bin_code="A-01", quantity=2)
    stock.receive_stock(None, sku="CUP-002", bin_code="B-01", quantity=3)

    answer = api(people[roles.ANALYST]).get("/api/v1/stock?zone=B")

    assert answer.status_code == 200
    assert answer.json() == {
        "count": 1,
        "results": [
            {
                "sku": "CUP-002",
                "name": "玻璃茶杯",
                "category": "茶具",
                "warehouse": "SH1",
                "zone": "B",
                "bin": "B-01",
                "on_hand": 3,
                "reserved": 0,
                "available": 3,
            }
        ],
    }
    assert api(people[roles.CS_AGENT]).get("/api/v1/stock").status_code == 403
    assert api(None).get("/api/v1/stock").status_code == 401
