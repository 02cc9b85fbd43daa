"""The staff's new-order form: it takes in orders through the intake action and shows each
error at its field without writing anything."""

import pytest

from parcelops.orders.models import Channel, Order, OrderEvent
from parcelops.orders.states import OrderState
from parcelops.orders.tests.pages import error_after, messages_of, page_for, text

# --- new order -------------------------------------------------------------------------------------------


def new_order_form(**changes: str) -> dict[str, str]:
    data = {
        "channel": "web",
        "external_id": "TEL-1",
        "placed_at": "2026-11-25T09:30",
        "is_paid": "on",
        "currency": "CNY",
        "customer_name": "李雷",
        "customer_phone": "13900001111",
        "customer_email": "",
        "customer_tier": "regular",
        "province": "上海市",
        "city": "上海市",
        "district": "徐汇区",
        "street": "漕溪北路 1 号",
        "postal_code": "200030",
        "country": "CN",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-0-sku": "TEA-001",
        "lines-0-name": "西湖龙井 250g",
        "lines-0-quantity": "1",
        "lines-0-unit_price": "168.00",
        "lines-1-sku": "",
        "lines-1-name": "",
        "lines-1-quantity": "",
        "lines-1-unit_price": "",
        "lines-2-sku": "CUP-002",
        "lines-2-name": "玻璃茶杯",
        "lines-2-quantity": "2",
        "lines-2-unit_price": "39.90",
        "discount": "",
        "shipping_fee": "8.00",
        "total": "255.80",
        "requested_carrier": "",
        "promised_delivery_date": "",
    }
    data.update(changes)
    return data


@pytest.mark.django_db
def test_the_new_order_form_starts_at_the_current_local_time(people, channel):
    html = text(page_for(people["order_processor"]).get("/orders/new/"))

    assert 'name="placed_at" value="2026-11-25T10:00"' in html
    assert '<option value="web" selected>Web shop</option>' in html
    assert 'name="lines-TOTAL_FORMS" value="1"' in html


@pytest.mark.django_db
def test_the_new_order_form_creates_the_order_and_opens_it(people, channel):
    response = page_for(people["order_processor"]).post(
        "/orders/new/", new_order_form(), follow=True
    )

    order = Order.objects.get()
    assert response.redirect_chain == [(f"/orders/{order.number}/", 302)]
    assert messages_of(response) == [f"Order {order.number} created."]
    assert order.external_id == "TEL-1"
    assert order.placed_at.isoformat() == "2026-11-25T01:30:00+00:00"
    assert order.total_cents == 25580
    assert [(line.sku, line.quantity) for line in order.lines.all()] == [
        ("TEA-001", 1),
        ("CUP-002", 2),
    ]
    assert order.customer.phone == "13900001111"
    assert order.state == OrderState.PAID
    assert OrderEvent.objects.get(order=order, type="placed").actor == people["order_processor"]


@pytest.mark.django_db
def test_an_unpaid_order_from_the_form_awaits_payment(people, channel):
    data = new_order_form()
    del data["is_paid"]

    page_for(people["order_processor"]).post("/orders/new/", data)

    assert Order.objects.get().state == OrderState.AWAITING_PAYMENT


@pytest.mark.django_db
def test_bad_input_shows_each_error_at_its_field_and_writes_nothing(people, channel):
    response = page_for(people["order_processor"]).post(
        "/orders/new/",
        new_order_form(
            customer_name="",
            customer_phone="12",
            street="",
            **{"lines-2-quantity": "0", "lines-0-unit_price": "abc"},
        ),
    )

    html = text(response)
    assert response.status_code == 200
    assert "The order was not created. Please correct the marked fields." in html
    assert error_after(html, "customer_name") == ["This field is required."]
    assert error_after(html, "customer_phone") == ["Not a valid phone number."]
    assert error_after(html, "street") == ["This field is required."]
    assert error_after(html, "lines-2-quantity") == ["Must be at least 1."]
    assert error_after(html, "lines-0-unit_price") == [
        "Must be a decimal string with at most two decimal places, such as &quot;12.50&quot;."
    ]
    assert error_after(html, "total") == []
    assert Order.all_objects.count() == 0
    assert 'name="lines-2-sku" value="CUP-002"' in html


@pytest.mark.django_db
def test_a_total_that_does_not_add_up_is_shown_at_the_total(people, channel):
    html = text(
        page_for(people["order_processor"]).post("/orders/new/", new_order_form(total="250.00"))
    )

    assert error_after(html, "total") == [
        "The total does not add up: lines - discount + shipping = 255.80, not 250.00."
    ]
    assert Order.all_objects.count() == 0


@pytest.mark.django_db
def test_an_order_without_lines_says_lines_are_needed(people, channel):
    data = new_order_form(
        **{f"lines-{i}-{f}": "" for i in (0, 2) for f in ("sku", "name", "quantity", "unit_price")}
    )

    html = text(page_for(people["order_processor"]).post("/orders/new/", data))

    assert '<p class="errorlist-text">At least one order line is required.</p>' in html
    assert Order.all_objects.count() == 0


@pytest.mark.django_db
def test_an_order_placed_in_the_future_is_refused_at_the_time_field(people, channel):
    html = text(
        page_for(people["order_processor"]).post(
            "/orders/new/", new_order_form(placed_at="2026-11-25T11:00")
        )
    )

    assert error_after(html, "placed_at") == ["Lies in the future."]
    assert Order.all_objects.count() == 0


@pytest.mark.django_db
def test_a_duplicate_order_opens_the_existing_one(people, channel):
    client = page_for(people["order_processor"])
    client.post("/orders/new/", new_order_form(), follow=True)
    existing = Order.objects.get()

    response = client.post("/orders/new/", new_order_form(total="255.80"), follow=True)

    assert Order.all_objects.count() == 1
    assert response.redirect_chain == [(f"/orders/{existing.number}/", 302)]
    assert messages_of(response) == [
        f"Order {existing.number} already has this channel and external id: here it is."
    ]


@pytest.mark.django_db
def test_an_inactive_channel_is_not_offered(people, channel):
    Channel.objects.create(code="old", name="Old shop", is_active=False)

    html = text(
        page_for(people["order_processor"]).post("/orders/new/", new_order_form(channel="old"))
    )

    assert error_after(html, "channel") == [
        "Select a valid choice. old is not one of the available choices."
    ]
    assert Order.all_objects.count() == 0
