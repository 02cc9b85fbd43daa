"""The buttons of the order page and the edit form: each changes the order as its action
says, and a refused or invalid one changes nothing and says why."""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from parcelops.orders import actions
from parcelops.orders.models import Order, OrderEvent
from parcelops.orders.states import OrderState
from parcelops.orders.tests.factories import carrier_reports, ship
from parcelops.orders.tests.pages import error_after, messages_of, page_for, place, reload, text

# --- actions ----------------------------------------------------------------------------------------


def post(client: Client, order: Order, action: str, **data: str) -> Any:
    return client.post(f"/orders/{order.number}/{action}/", data, follow=True)


@pytest.mark.django_db
def test_mark_paid_records_the_payment(people, channel, order_payload):
    order = place(order_payload, is_paid=False)

    response = post(page_for(people["order_processor"]), order, "mark-paid")

    assert reload(order).state == OrderState.PAID
    assert messages_of(response) == [f"Order {order.number} is marked as paid."]


@pytest.mark.django_db
def test_confirm_sends_a_normal_order_to_the_warehouse(normal_order, people):
    response = post(page_for(people["order_processor"]), normal_order, "confirm")

    assert reload(normal_order).state == OrderState.APPROVED
    assert response.redirect_chain == [(f"/orders/{normal_order.number}/", 302)]
    assert messages_of(response) == [
        f"Order {normal_order.number} confirmed: it goes on to the warehouse."
    ]


@pytest.mark.django_db
def test_confirm_refuses_an_order_that_needs_review_and_changes_nothing(vip_order, people):
    response = post(page_for(people["order_processor"]), vip_order, "confirm")

    assert reload(vip_order).state == OrderState.PAID
    assert messages_of(response) == [
        "This order needs a reviewer's approval: submit it for review."
    ]


@pytest.mark.django_db
def test_submit_for_review_locks_the_order_with_the_processors_note(vip_order, people):
    response = post(
        page_for(people["order_processor"]), vip_order, "submit-review", comment="VIP, checked."
    )

    order = reload(vip_order)
    assert order.state == OrderState.IN_REVIEW
    assert order.review_state == "submitted"
    assert (
        OrderEvent.objects.get(order=order, type="submitted_for_review").comment == "VIP, checked."
    )
    assert messages_of(response) == [f"Order {order.number} was submitted for review."]


@pytest.mark.django_db
def test_a_reviewer_approves_an_order_in_review(order_in_review, people):
    response = post(page_for(people["order_reviewer"]), order_in_review, "approve", comment="ok")

    order = reload(order_in_review)
    assert order.state == OrderState.APPROVED
    assert order.review_state == "approved"
    assert messages_of(response) == [f"Order {order.number} approved."]
    assert '<span class="badge badge-teal">Approved</span>' in text(response)


@pytest.mark.django_db
def test_a_processor_cannot_approve_and_nothing_changes(order_in_review, people):
    response = post(page_for(people["order_processor"]), order_in_review, "approve")

    assert reload(order_in_review).state == OrderState.IN_REVIEW
    assert messages_of(response) == ["Your role does not allow this action."]


@pytest.mark.django_db
def test_the_reviewer_who_processed_an_order_cannot_approve_it(vip_order, people):
    admin = people["admin"]
    actions.submit_for_review(vip_order, admin)

    response = post(page_for(admin), vip_order, "approve")

    assert reload(vip_order).state == OrderState.IN_REVIEW
    assert messages_of(response) == [
        "You processed this order: another reviewer must decide on it."
    ]


@pytest.mark.django_db
def test_a_reviewer_rejects_with_a_comment_and_the_order_goes_back(order_in_review, people):
    response = post(
        page_for(people["order_reviewer"]), order_in_review, "reject", comment="Wrong discount."
    )

    order = reload(order_in_review)
    assert order.state == OrderState.PAID
    assert order.review_state == "rejected"
    assert messages_of(response) == [
        f"Order {order.number} rejected and sent back to its processor."
    ]


@pytest.mark.django_db
def test_a_rejection_without_a_comment_is_refused_and_names_the_field(order_in_review, people):
    response = post(page_for(people["order_reviewer"]), order_in_review, "reject", comment="  ")

    assert reload(order_in_review).state == OrderState.IN_REVIEW
    assert messages_of(response) == [
        "Comment: Say why the order is rejected, so the processor can correct it."
    ]


@pytest.mark.django_db
def test_approving_from_the_queue_returns_to_the_queue(order_in_review, people):
    response = post(
        page_for(people["order_reviewer"]), order_in_review, "approve", next="/orders/review/"
    )

    assert response.redirect_chain == [("/orders/review/", 302)]
    assert "The review queue is empty" in text(response)


@pytest.mark.django_db
def test_a_next_address_on_another_site_is_ignored(order_in_review, people):
    response = post(
        page_for(people["order_reviewer"]), order_in_review, "approve", next="https://evil.test/"
    )

    assert response.redirect_chain == [(f"/orders/{order_in_review.number}/", 302)]


@pytest.mark.django_db
def test_a_reviewer_reassigns_an_order(normal_order, people, make_staff):
    zhao = make_staff("zhao", "order_processor")

    response = post(page_for(people["order_reviewer"]), normal_order, "reassign", assignee="zhao")

    assert reload(normal_order).assignee_id == zhao.pk
    assert messages_of(response) == [f"Order {normal_order.number} was reassigned."]


@pytest.mark.django_db
def test_reassigning_to_someone_who_does_not_process_orders_is_refused(normal_order, people):
    response = post(
        page_for(people["order_reviewer"]), normal_order, "reassign", assignee="analyst"
    )

    assert reload(normal_order).assignee_id == people["order_processor"].pk
    assert messages_of(response) == ["Assignee: No active order processor with this username."]


@pytest.mark.django_db
def test_cancel_needs_a_reason(normal_order, people):
    client = page_for(people["cs_agent"])

    refused = post(client, normal_order, "cancel", reason="")
    assert reload(normal_order).state == OrderState.PAID
    assert messages_of(refused) == ["Reason: Say why the order is cancelled."]

    done = post(client, normal_order, "cancel", reason="Customer changed their mind.")
    assert reload(normal_order).state == OrderState.CANCELLED
    assert messages_of(done) == [f"Order {normal_order.number} was cancelled."]


@pytest.mark.django_db
def test_the_warehouse_advances_an_approved_order(normal_order, people):
    actions.confirm_order(normal_order, people["order_processor"])

    response = post(page_for(people["warehouse"]), normal_order, "advance", to_state="allocated")

    assert reload(normal_order).state == OrderState.ALLOCATED
    assert messages_of(response) == [f"Order {normal_order.number} is now “Stock allocated”."]


@pytest.mark.django_db
def test_advancing_without_the_permission_or_to_a_wrong_step_changes_nothing(normal_order, people):
    actions.confirm_order(normal_order, people["order_processor"])

    refused = post(
        page_for(people["order_processor"]), normal_order, "advance", to_state="allocated"
    )
    skipped = post(page_for(people["warehouse"]), normal_order, "advance", to_state="packed")
    unknown = post(page_for(people["warehouse"]), normal_order, "advance", to_state="flying")

    assert reload(normal_order).state == OrderState.APPROVED
    assert messages_of(refused) == ["Your role does not allow this action."]
    assert messages_of(skipped) == ["An order in state “Approved” cannot move to “Packed”."]
    assert messages_of(unknown) == ["Choose the step the order moves to."]


def packed(order: Order, admin: Any) -> Order:
    order = actions.confirm_order(order, admin)
    for step in ("allocated", "picking", "packed"):
        order = actions.advance_order(order, OrderState(step), admin)
    return order


@pytest.mark.django_db
@pytest.mark.parametrize("to_state", ["shipped", "in_transit"])
def test_a_step_of_the_parcels_is_refused_on_the_page_and_changes_nothing(
    normal_order, people, to_state
):
    order = packed(normal_order, people["admin"])
    events = OrderEvent.objects.filter(order=order).count()

    response = post(page_for(people["warehouse"]), order, "advance", to_state=to_state)

    assert reload(order).state == OrderState.PACKED
    assert OrderEvent.objects.filter(order=order).count() == events
    assert messages_of(response) == [
        "An order is shipped only by handing its parcel to a carrier: create a shipment with "
        "the carrier and the tracking number."
        if to_state == "shipped"
        else "An order goes in transit when the carrier scans its parcel: record the carrier’s "
        "events or a scan of the parcel instead."
    ]


@pytest.mark.django_db
def test_logistics_staff_confirm_a_delivery_by_hand_with_a_reason(normal_order, people):
    order = ship(packed(normal_order, people["admin"]), people["warehouse"])
    client = page_for(people["logistics_staff"])

    refused = post(client, order, "advance", to_state="delivered", comment="")
    assert reload(order).state == OrderState.SHIPPED
    assert messages_of(refused) == [
        "Comment: Say how the delivery was confirmed, e.g. the customer confirmed receipt."
    ]

    done = post(
        client, order, "advance", to_state="delivered", comment="Customer confirmed by phone."
    )
    assert reload(order).state == OrderState.DELIVERED
    assert messages_of(done) == [f"Order {order.number} is now “Delivered”."]
    html = text(done)
    assert "Customer confirmed by phone." in html
    assert "Corrected by hand: the carrier has not reported this delivery." in html


@pytest.mark.django_db
def test_completing_a_delivered_order_starts_the_after_sales_period(normal_order, people):
    admin = people["admin"]
    ship(packed(normal_order, admin), admin)
    carrier_reports("delivered", "signed_by_recipient")

    response = post(page_for(people["logistics_staff"]), normal_order, "complete")

    order = reload(normal_order)
    assert order.state == OrderState.COMPLETED
    assert order.after_sales_until == timezone.now() + timedelta(days=15)
    assert messages_of(response) == [
        f"Order {order.number} completed: the after-sales period has started."
    ]


@pytest.mark.django_db
def test_an_administrator_deletes_an_invalid_order_with_a_reason(normal_order, people):
    client = page_for(people["admin"])

    refused = post(client, normal_order, "delete", reason="")
    assert reload(normal_order).is_deleted is False
    assert messages_of(refused) == ["Reason: Say why the order is invalid."]

    done = post(client, normal_order, "delete", reason="Test order.")
    assert reload(normal_order).is_deleted is True
    assert done.redirect_chain == [("/orders/", 302)]
    assert messages_of(done) == [f"Order {normal_order.number} was deleted as invalid."]


@pytest.mark.django_db
def test_a_processor_cannot_delete_orders(normal_order, people):
    response = post(page_for(people["order_processor"]), normal_order, "delete", reason="x")

    assert reload(normal_order).is_deleted is False
    assert messages_of(response) == ["Your role does not allow this action."]


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["confirm", "approve", "cancel", "advance", "delete"])
def test_action_addresses_take_only_posts(normal_order, people, action):
    response = page_for(people["admin"]).get(f"/orders/{normal_order.number}/{action}/")

    assert response.status_code == 405


@pytest.mark.django_db
def test_a_person_without_a_role_cannot_post_actions(normal_order, make_staff, english):
    response = page_for(make_staff("nobody")).post(f"/orders/{normal_order.number}/cancel/")

    assert response.status_code == 403
    assert reload(normal_order).state == OrderState.PAID


# --- editing ----------------------------------------------------------------------------------------


def edit_form(order: Order, **changes: str) -> dict[str, str]:
    lines = list(order.lines.all())
    data = {
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": str(len(lines)),
        "discount": f"{order.discount_cents / 100:.2f}",
        "shipping_fee": f"{order.shipping_fee_cents / 100:.2f}",
        "comment": "",
    }
    for index, line in enumerate(lines):
        data[f"lines-{index}-line_id"] = str(line.pk)
        data[f"lines-{index}-quantity"] = str(line.quantity)
        data[f"lines-{index}-unit_price"] = f"{line.unit_price_cents / 100:.2f}"
    data.update(changes)
    return data


@pytest.mark.django_db
def test_the_edit_page_shows_the_current_values(normal_order, people):
    html = text(page_for(people["order_processor"]).get(f"/orders/{normal_order.number}/edit/"))

    assert 'name="lines-0-quantity" value="2"' in html
    assert 'name="lines-0-unit_price" value="168.00"' in html
    assert 'name="discount" value="20.00"' in html
    assert "The total is now ¥365.90." in html


@pytest.mark.django_db
def test_a_processor_edits_a_quantity_and_the_total_follows(normal_order, people):
    client = page_for(people["order_processor"])

    response = client.post(
        f"/orders/{normal_order.number}/edit/",
        edit_form(normal_order, **{"lines-0-quantity": "3", "comment": "Customer called."}),
        follow=True,
    )

    order = reload(normal_order)
    assert order.lines.get(sku="TEA-001").quantity == 3
    assert order.total_cents == 53390
    assert messages_of(response) == ["The order was updated."]
    assert "line TEA-001 quantity: 2 → 3" in text(response)


@pytest.mark.django_db
def test_an_edit_without_changes_says_so(normal_order, people):
    response = page_for(people["order_processor"]).post(
        f"/orders/{normal_order.number}/edit/", edit_form(normal_order), follow=True
    )

    assert messages_of(response) == ["Nothing was changed."]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"lines-0-quantity": "two"}, "lines-0-quantity", "Must be a whole number."),
        ({"lines-1-quantity": "0"}, "lines-1-quantity", "Must be at least 1."),
        (
            {"lines-0-unit_price": "1.999"},
            "lines-0-unit_price",
            "Must be a decimal string with at most two decimal places, such as &quot;12.50&quot;.",
        ),
        ({"discount": "900.00"}, "discount", "The discount is larger than the order."),
    ],
)
def test_a_bad_edit_shows_the_error_at_the_field_and_changes_nothing(
    normal_order, people, changes, field, message
):
    response = page_for(people["order_processor"]).post(
        f"/orders/{normal_order.number}/edit/", edit_form(normal_order, **changes)
    )

    html = text(response)
    assert response.status_code == 200
    assert "Nothing was changed. Please correct the marked fields." in html
    assert error_after(html, field) == [message]
    order = reload(normal_order)
    assert order.total_cents == 36590
    assert [line.quantity for line in order.lines.all()] == [2, 1]


@pytest.mark.django_db
def test_an_order_in_review_cannot_be_edited(order_in_review, people):
    response = page_for(people["order_processor"]).get(
        f"/orders/{order_in_review.number}/edit/", follow=True
    )

    assert response.redirect_chain == [(f"/orders/{order_in_review.number}/", 302)]
    assert messages_of(response) == ["This order cannot be edited in its current state."]


@pytest.mark.django_db
def test_roles_that_never_edit_get_403_on_the_edit_page(normal_order, people):
    response = page_for(people["analyst"]).get(f"/orders/{normal_order.number}/edit/")

    assert response.status_code == 403


@pytest.mark.django_db
def test_an_administrator_edits_a_shipped_order(normal_order, people):
    admin = people["admin"]
    ship(packed(normal_order, admin), admin)

    page_for(admin).post(
        f"/orders/{normal_order.number}/edit/", edit_form(normal_order, shipping_fee="0.00")
    )

    assert reload(normal_order).total_cents == 35590
