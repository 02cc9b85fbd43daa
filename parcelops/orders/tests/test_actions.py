"""Every change to an order goes through parcelops.orders.actions: intake, assignment,
review, edits, deletion, the state machine and completion (R1.2, R2, R8.1)."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from conftest import FIXED_NOW
from parcelops.audit.actions import verify_audit_chain
from parcelops.audit.models import AuditRecord
from parcelops.core.errors import ActionError, FieldError, InputError, NotPermittedError
from parcelops.orders import actions
from parcelops.orders.actions import LineChange
from parcelops.orders.models import Channel, Customer, Order, OrderEvent, OrderLine, Product
from parcelops.orders.states import ALLOWED_TRANSITIONS, OrderState, ReviewState
from parcelops.orders.tests.factories import (
    PARCEL_NUMBER,
    a_special_product,
    a_vip_order,
    carrier_reports,
    intake_payload,
    place_order,
    reload,
    ship,
)
from parcelops.tracking.models import Shipment

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "channel", "frozen_now")]

S = OrderState


def counts() -> dict[str, int]:
    return {
        "orders": Order.all_objects.count(),
        "lines": OrderLine.objects.count(),
        "customers": Customer.objects.count(),
        "events": OrderEvent.objects.count(),
        "audit": AuditRecord.objects.count(),
    }


def event_types(order: Order) -> list[str]:
    return list(OrderEvent.objects.filter(order=order).values_list("type", flat=True))


def audit_actions(order: Order) -> list[str]:
    return list(
        AuditRecord.objects.filter(object_type="orders.order", object_id=str(order.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def state_of(order: Order) -> tuple[Any, ...]:
    """What must stay the same when an action is refused."""
    order = reload(order)
    return (
        order.state,
        order.review_state,
        order.assignee_id,
        order.processed_by_id,
        order.total_cents,
        order.completed_at,
        order.is_deleted,
        OrderEvent.objects.filter(order=order).count(),
        AuditRecord.objects.count(),
    )


def put_in_state(order: Order, state: OrderState, review_state: ReviewState | None = None) -> Order:
    """Test set-up only: place the order straight into a state."""
    changes: dict[str, Any] = {"state": state}
    if review_state is not None:
        changes["review_state"] = review_state
    Order.all_objects.filter(pk=order.pk).update(**changes)
    return reload(order)


# --- intake -------------------------------------------------------------------------------


def test_intake_stores_the_order_its_lines_customer_placed_event_and_audit_record(staff):
    processor = staff["order_processor"]
    before = counts()

    result = actions.intake_order(intake_payload(), processor)

    order = result.order
    assert result.created is True
    assert counts() == {
        "orders": before["orders"] + 1,
        "lines": before["lines"] + 2,
        "customers": before["customers"] + 1,
        "events": before["events"] + 2,  # placed, then assigned
        "audit": before["audit"] + 1,  # one record: the placed order carries its assignee
    }
    order = reload(order)
    assert order.number.startswith("PO261125")
    assert len(order.number) == 16
    assert (order.channel.code, order.external_id) == ("web", "W-1001")
    assert order.state == S.PAID
    assert order.placed_at == datetime(2026, 11, 25, 1, 30, tzinfo=UTC)
    assert order.received_at == FIXED_NOW
    assert (order.subtotal_cents, order.discount_cents, order.shipping_fee_cents) == (
        37590,
        2000,
        1000,
    )
    assert (order.total_cents, order.currency) == (36590, "CNY")
    assert order.shipping_address == {
        "province": "浙江省",
        "city": "杭州市",
        "district": "西湖区",
        "street": "文三路 100 号 5 幢 301",
        "postal_code": "310012",
        "country": "CN",
    }
    assert [(ln.sku, ln.name, ln.quantity, ln.unit_price_cents) for ln in order.lines.all()] == [
        ("TEA-001", "西湖龙井 250g", 2, 16800),
        ("CUP-002", "玻璃茶杯", 1, 3990),
    ]
    customer = order.customer
    assert (customer.name, customer.phone, customer.email, customer.tier) == (
        "王小明",
        "13812345678",
        "xm.wang@example.com",
        "regular",
    )
    placed = OrderEvent.objects.filter(order=order).first()
    assert placed is not None
    assert (placed.type, placed.from_state, placed.to_state, placed.actor, placed.at) == (
        "placed",
        "",
        "paid",
        processor,
        FIXED_NOW,
    )
    assert placed.data == {"channel": "web", "order_type": "normal", "reasons": []}
    record = AuditRecord.objects.get(object_type="orders.order", action="order.placed")
    assert (record.object_id, record.actor_label, record.actor) == (
        str(order.pk),
        "order_processor",
        processor,
    )
    assert verify_audit_chain() is None


def test_intake_of_the_same_channel_and_external_id_returns_the_stored_order():
    first = actions.intake_order(intake_payload())
    before = counts()

    again = actions.intake_order(intake_payload({"lines[0].quantity": 5}, total="869.90"))

    assert again.created is False
    assert again.order.pk == first.order.pk
    assert again.order.number == first.order.number
    assert counts() == before
    assert reload(first.order).total_cents == 36590


def test_the_same_external_id_in_another_channel_is_another_order():
    Channel.objects.create(code="app", name="App", kind="app")
    first = place_order()
    second = place_order(channel="app")

    assert first.pk != second.pk
    assert Order.objects.count() == 2


def test_two_orders_never_share_a_number():
    # Unique by a constraint, not unique=True (decision 0016): it must hold all the same.
    first = place_order()
    second = place_order(external_id="W-OTHER")

    with pytest.raises(IntegrityError), transaction.atomic():
        Order.all_objects.filter(pk=second.pk).update(number=first.number)

    assert Order.all_objects.filter(number=first.number).count() == 1


def test_a_known_customer_is_found_by_phone_and_reused():
    first = place_order()
    second = place_order(
        {"customer.phone": "+86 138 1234 5678", "customer.email": "other@example.com"},
        external_id="W-1002",
    )

    assert second.customer_id == first.customer_id
    assert Customer.objects.count() == 1


def test_a_known_customer_is_found_by_email_when_no_phone_is_given():
    first = place_order()
    second = place_order(
        {
            "customer.phone": None,
            "customer.email": "XM.Wang@Example.com",
            "shipping_address.country": "DE",  # in China a phone is required
        },
        external_id="W-1002",
    )

    assert second.customer_id == first.customer_id


@pytest.mark.parametrize(("code", "is_active"), [("shop", True), ("web", False)])
def test_intake_from_an_unknown_or_inactive_channel_is_refused_and_writes_nothing(code, is_active):
    Channel.objects.filter(code="web").update(is_active=is_active)
    before = counts()

    with pytest.raises(InputError) as refused:
        actions.intake_order(intake_payload(channel=code))

    assert refused.value.errors == [
        FieldError(
            "channel",
            f"Unknown or inactive channel “{code}”: an administrator adds it on the admin page"
            f" (/admin/orders/channel/) or with `parcelops channels add {code} NAME`.",
        )
    ]
    assert counts() == before


def test_invalid_intake_names_every_bad_field_and_writes_nothing():
    before = counts()

    with pytest.raises(InputError) as refused:
        actions.intake_order(intake_payload({"lines[0].quantity": 0}, total="1.00"))

    # The total is only checked once every line is readable.
    assert [e.field for e in refused.value.errors] == ["lines[0].quantity"]
    assert counts() == before


def test_intake_needs_the_permission_to_add_orders(staff):
    before = counts()

    with pytest.raises(NotPermittedError):
        actions.intake_order(intake_payload(), staff["analyst"])

    assert counts() == before


def test_a_cash_on_delivery_order_is_processed_as_paid_and_says_so(staff):
    order = place_order(is_paid=False, cash_on_delivery=True)

    assert (order.state, order.cash_on_delivery) == (S.PAID, True)


def test_an_unpaid_order_awaits_payment_until_marked_paid(staff):
    order = place_order(is_paid=False)
    assert order.state == S.AWAITING_PAYMENT

    actions.mark_paid(order, staff["order_processor"])

    assert reload(order).state == S.PAID
    assert event_types(order)[-1] == "paid"
    assert audit_actions(order)[-1] == "order.paid"


# --- classification -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "order_type", "reasons", "review_state"),
    [
        ({}, "normal", [], "not_required"),
        ({"customer.tier": "gold"}, "normal", [], "not_required"),
        ({"customer.tier": "vip"}, "normal", ["tier:vip"], "required"),
        (
            {
                "lines[0].quantity": 30,
                "lines[0].unit_price": "166.00",
                "lines[1].unit_price": "29.90",
                "total": "4999.90",
            },
            "normal",
            [],
            "not_required",
        ),
        (
            {
                "lines[0].quantity": 30,
                "lines[0].unit_price": "166.00",
                "lines[1].unit_price": "30.00",
                "total": "5000.00",
            },
            "large",
            ["amount:large"],
            "required",
        ),
    ],
    ids=["normal", "gold", "vip", "just-below-large", "large"],
)
def test_intake_stores_the_classification(changes, order_type, reasons, review_state):
    order = reload(place_order(changes))

    assert (order.order_type, order.classification_reasons, order.review_state) == (
        order_type,
        reasons,
        review_state,
    )


@pytest.mark.parametrize("product_type", ["custom_made", "group_buy", "pre_sale"])
def test_an_order_with_a_special_product_is_special_and_needs_review(product_type):
    a_special_product("TEA-001", product_type)

    order = reload(place_order())

    assert order.order_type == "special"
    assert order.classification_reasons == [f"product:{product_type}"]
    assert order.review_state == "required"
    assert [line.product_type for line in order.lines.all()] == [product_type, "standard"]


def test_an_unknown_sku_is_recorded_as_a_standard_product():
    place_order()

    assert list(Product.objects.order_by("sku").values_list("sku", "product_type")) == [
        ("CUP-002", "standard"),
        ("TEA-001", "standard"),
    ]


# --- assignment ---------------------------------------------------------------------------


def give_orders(user: User, how_many: int, state: OrderState = S.PAID) -> None:
    for index in range(how_many):
        order = place_order(external_id=f"LOAD-{user.pk}-{index}-{state}")
        Order.objects.filter(pk=order.pk).update(assignee=user, state=state)


def test_intake_assigns_the_least_loaded_on_shift_processor_with_the_skill(make_staff):
    busy = make_staff("busy", "order_processor")
    make_staff("idle_but_off", "order_processor", on_shift=False)
    make_staff("unskilled", "order_processor", skills=["large"])
    full = make_staff("full", "order_processor", workload_limit=1)
    chosen = make_staff("chosen", "order_processor")
    make_staff("reviewer", "order_reviewer")  # not a processor at all
    give_orders(busy, 3)
    give_orders(chosen, 2)
    give_orders(chosen, 4, state=S.COMPLETED)  # finished work does not count
    give_orders(full, 1)
    # idle_but_off and unskilled have no work at all, yet may not take this order.

    order = reload(place_order(external_id="NEW"))

    assert order.assignee == chosen
    assigned = OrderEvent.objects.get(order=order, type="assigned")
    assert (assigned.actor, assigned.data) == (None, {"assignee": chosen.pk, "automatic": True})
    assert audit_actions(order) == ["order.placed"]


def test_ties_go_to_the_processor_with_the_lowest_id(make_staff):
    first = make_staff("first", "order_processor")
    make_staff("second", "order_processor")

    assert reload(place_order()).assignee == first


def test_an_order_stays_unassigned_when_nobody_fits(make_staff):
    make_staff("off", "order_processor", on_shift=False)
    make_staff("unskilled", "order_processor", skills=["large", "special"])
    make_staff("no-room", "order_processor", workload_limit=0)

    order = reload(place_order())

    assert order.assignee is None
    assert event_types(order) == ["placed"]


def test_waiting_orders_are_handed_out_when_someone_comes_on_shift(make_staff):
    processor = make_staff("late", "order_processor", on_shift=False)
    first = place_order(external_id="A")
    second = place_order(external_id="B")
    processor.staff_profile.is_on_shift = True
    processor.staff_profile.save()

    assert actions.assign_unassigned_orders() == 2

    assert reload(first).assignee == processor
    assert reload(second).assignee == processor


def test_a_reviewer_reassigns_an_order_by_hand(staff, make_staff):
    other = make_staff("other", "order_processor")
    order = place_order()
    assert order.assignee == staff["order_processor"]

    actions.reassign_order(order, "other", staff["order_reviewer"])

    assert reload(order).assignee == other
    event = OrderEvent.objects.filter(order=order, type="assigned").last()
    assert event is not None
    assert (event.actor, event.data) == (
        staff["order_reviewer"],
        {"assignee": other.pk, "from": "order_processor", "automatic": False},
    )
    assert audit_actions(order)[-1] == "order.reassigned"


@pytest.mark.parametrize("assignee", ["nobody", "analyst"])
def test_an_order_can_only_be_reassigned_to_an_active_processor(staff, assignee):
    order = place_order()
    before = state_of(order)

    with pytest.raises(InputError) as refused:
        actions.reassign_order(order, assignee, staff["order_reviewer"])

    assert refused.value.errors == [
        FieldError("assignee", "No active order processor with this username.")
    ]
    assert state_of(order) == before


# --- review (R2.3) ------------------------------------------------------------------------


def test_an_order_needing_review_is_submitted_and_approved(staff):
    processor, reviewer = staff["order_processor"], staff["order_reviewer"]
    order = a_vip_order()

    actions.submit_for_review(order, processor, "checked the address by phone")
    order = reload(order)
    assert (order.state, order.review_state, order.processed_by) == (
        "in_review",
        "submitted",
        processor,
    )
    assert order.is_locked_for_review

    actions.approve_order(order, reviewer, "discount matches the VIP policy")

    order = reload(order)
    assert (order.state, order.review_state) == ("approved", "approved")
    submitted, approved = OrderEvent.objects.filter(
        order=order, type__in=["submitted_for_review", "approved"]
    )
    assert (submitted.actor, submitted.comment, submitted.to_state) == (
        processor,
        "checked the address by phone",
        "in_review",
    )
    assert (approved.actor, approved.comment, approved.from_state, approved.to_state) == (
        reviewer,
        "discount matches the VIP policy",
        "in_review",
        "approved",
    )
    assert audit_actions(order)[-2:] == ["order.submitted_for_review", "order.approved"]


@pytest.mark.parametrize("comment", ["", "   "])
def test_a_rejection_needs_a_comment(staff, comment):
    order = a_vip_order()
    actions.submit_for_review(order, staff["order_processor"])
    before = state_of(order)

    with pytest.raises(InputError) as refused:
        actions.reject_order(order, staff["order_reviewer"], comment)

    assert refused.value.errors == [
        FieldError("comment", "Say why the order is rejected, so the processor can correct it.")
    ]
    assert state_of(order) == before


def test_a_rejected_order_goes_back_to_the_processor_who_corrects_and_resubmits(staff):
    processor, reviewer = staff["order_processor"], staff["order_reviewer"]
    order = a_vip_order()
    actions.submit_for_review(order, processor)

    actions.reject_order(order, reviewer, "  discount too high for this tier  ")

    order = reload(order)
    assert (order.state, order.review_state) == ("paid", "rejected")
    rejected = OrderEvent.objects.get(order=order, type="rejected")
    assert (rejected.comment, rejected.from_state, rejected.to_state) == (
        "discount too high for this tier",
        "in_review",
        "paid",
    )
    with pytest.raises(ActionError):
        actions.confirm_order(order, processor)  # still needs a reviewer

    actions.edit_order(order, processor, [], discount_cents=1000)
    actions.submit_for_review(order, processor, "discount reduced")

    order = reload(order)
    assert (order.state, order.review_state, order.total_cents) == ("in_review", "submitted", 37590)
    actions.approve_order(order, reviewer)
    assert reload(order).state == "approved"
    assert event_types(order) == [
        "placed",
        "assigned",
        "submitted_for_review",
        "rejected",
        "edited",
        "submitted_for_review",
        "approved",
    ]


def test_a_reviewer_cannot_approve_an_order_they_processed(make_staff, staff):
    both = make_staff("both", "order_processor", "order_reviewer")
    order = a_vip_order()
    actions.submit_for_review(order, both)
    before = state_of(order)

    for decide in (
        lambda: actions.approve_order(order, both),
        lambda: actions.reject_order(order, both, "looks wrong"),
    ):
        with pytest.raises(ActionError, match="another reviewer must decide"):
            decide()
        assert state_of(order) == before

    actions.approve_order(order, staff["order_reviewer"])
    assert reload(order).state == "approved"


def test_lines_and_amounts_are_locked_in_review(staff):
    order = a_vip_order()
    actions.submit_for_review(order, staff["order_processor"])
    line = order.lines.first()
    assert line is not None
    before = state_of(order)

    for editor in (staff["order_processor"], staff["admin"]):
        with pytest.raises(ActionError, match="locked while in review"):
            actions.edit_order(order, editor, [LineChange(line.pk, quantity=3)])

    assert state_of(order) == before
    assert reload(order).lines.first().quantity == 2  # type: ignore[union-attr]


@pytest.mark.parametrize("review_state", [ReviewState.REQUIRED, ReviewState.REJECTED])
def test_an_order_needing_review_cannot_be_confirmed(staff, review_state):
    order = put_in_state(place_order(), S.PAID, review_state)
    before = state_of(order)

    with pytest.raises(ActionError) as refused:
        actions.confirm_order(order, staff["order_processor"])

    assert str(refused.value) == "This order needs a reviewer's approval: submit it for review."
    assert state_of(order) == before


def test_an_order_without_review_is_confirmed_and_cannot_be_submitted(staff):
    order = place_order()
    with pytest.raises(ActionError) as refused:
        actions.submit_for_review(order, staff["order_processor"])
    assert str(refused.value) == "This order does not need review: confirm it instead."

    actions.confirm_order(order, staff["order_processor"])

    order = reload(order)
    assert (order.state, order.processed_by) == ("approved", staff["order_processor"])
    assert event_types(order)[-1] == "confirmed"


# --- the state machine --------------------------------------------------------------------

Move = Callable[[Order, User], Any]


def advance_to(target: OrderState) -> Move:
    return lambda order, user: actions.advance_order(order, target, user)


def with_parcel(order: Order) -> Order:
    """Test set-up only: a parcel row for the order (no action, no audit, no timeline)."""
    Shipment.objects.create(
        order=order, carrier="zto", tracking_number=PARCEL_NUMBER, status="info_received",
        created_at=FIXED_NOW,
    )  # fmt: skip
    return order


def ship_with_parcel(order: Order, user: User) -> Order:
    return actions.ship_order(
        with_parcel(order), user, carrier="zto", tracking_number=PARCEL_NUMBER
    )


def deliver_by_hand(order: Order, user: User) -> Order:
    return actions.advance_order(with_parcel(order), S.DELIVERED, user, "Customer confirmed.")


def follow(target: OrderState) -> Move:
    return lambda order, user: actions.follow_tracking({order.pk: target})


# Each action with the review state it needs, so that only the order's state decides.
ACTIONS: dict[str, tuple[Move, ReviewState]] = {
    "mark_paid": (lambda o, u: actions.mark_paid(o, u), ReviewState.NOT_REQUIRED),
    "confirm": (lambda o, u: actions.confirm_order(o, u), ReviewState.NOT_REQUIRED),
    "submit": (lambda o, u: actions.submit_for_review(o, u), ReviewState.REQUIRED),
    "approve": (lambda o, u: actions.approve_order(o, u), ReviewState.SUBMITTED),
    "reject": (lambda o, u: actions.reject_order(o, u, "wrong"), ReviewState.SUBMITTED),
    "cancel": (lambda o, u: actions.cancel_order(o, u, "customer asked"), ReviewState.APPROVED),
    "complete": (lambda o, u: actions.complete_order(o, u), ReviewState.APPROVED),
    "ship": (ship_with_parcel, ReviewState.APPROVED),
    **{
        f"advance:{target}": (advance_to(target), ReviewState.APPROVED)
        for target in [*actions.FULFILMENT_PERMISSIONS, *sorted(actions.PARCEL_STEPS)]
        if target != S.DELIVERED
    },
    "advance:delivered": (deliver_by_hand, ReviewState.APPROVED),
    "reship": (
        lambda o, u: actions.reship_order(
            with_parcel(o), u, carrier="zto", tracking_number=PARCEL_NUMBER
        ),
        ReviewState.APPROVED,
    ),
}
# The parcels move an order on (the system, no actor); follow_tracking never refuses, it
# leaves an order that is elsewhere alone.
FOLLOWING: dict[str, Move] = {
    "follow:in_transit": follow(S.IN_TRANSIT),
    "follow:delivered": follow(S.DELIVERED),
}

# Which action makes which move: together exactly the allowed-transition table.
MOVES: dict[tuple[OrderState, OrderState], str] = {
    (S.AWAITING_PAYMENT, S.PAID): "mark_paid",
    (S.PAID, S.APPROVED): "confirm",
    (S.PAID, S.IN_REVIEW): "submit",
    (S.IN_REVIEW, S.APPROVED): "approve",
    (S.IN_REVIEW, S.PAID): "reject",
    (S.DELIVERED, S.COMPLETED): "complete",
    **{
        (state, S.CANCELLED): "cancel"
        for state in (S.AWAITING_PAYMENT, S.PAID, S.IN_REVIEW, S.APPROVED, S.ALLOCATED)
    },
    (S.APPROVED, S.ALLOCATED): "advance:allocated",
    (S.ALLOCATED, S.PICKING): "advance:picking",
    (S.ALLOCATED, S.APPROVED): "advance:approved",
    (S.PICKING, S.PACKED): "advance:packed",
    (S.PICKING, S.ALLOCATED): "advance:allocated",
    (S.PACKED, S.SHIPPED): "ship",
    (S.SHIPPED, S.IN_TRANSIT): "follow:in_transit",
    (S.SHIPPED, S.DELIVERED): "advance:delivered",  # by hand, as a correction
    (S.IN_TRANSIT, S.DELIVERED): "advance:delivered",
    (S.DELIVERED, S.SHIPPED): "reship",  # a replacement parcel (an exception case)
}
# Moves the parcels make too, besides the action that covers them above.
ALSO_FOLLOWED = {(S.SHIPPED, S.DELIVERED), (S.IN_TRANSIT, S.DELIVERED)}


def test_the_actions_cover_exactly_the_allowed_transitions():
    table = {(src, dst) for src, targets in ALLOWED_TRANSITIONS.items() for dst in targets}

    assert set(MOVES) == table


MADE_BY = sorted(
    {(src, dst, name) for (src, dst), name in MOVES.items()}
    | {(src, dst, f"follow:{dst}") for src, dst in ALSO_FOLLOWED}
)


@pytest.mark.parametrize(("from_state", "to_state", "action_name"), MADE_BY, ids=str)
def test_every_allowed_transition_is_made_by_its_action(staff, from_state, to_state, action_name):
    is_followed = action_name in FOLLOWING
    move, review_state = (
        (FOLLOWING[action_name], ReviewState.APPROVED) if is_followed else ACTIONS[action_name]
    )
    order = put_in_state(place_order(), from_state, review_state)
    events_before = OrderEvent.objects.filter(order=order).count()

    move(order, staff["admin"])

    order = reload(order)
    assert order.state == to_state
    event = OrderEvent.objects.filter(order=order).last()
    assert event is not None
    assert (event.from_state, event.to_state, event.actor) == (
        from_state,
        to_state,
        None if is_followed else staff["admin"],
    )
    assert OrderEvent.objects.filter(order=order).count() == events_before + 1
    assert verify_audit_chain() is None


REFUSED = [
    (state, name)
    for state in S
    for name in ACTIONS
    if (state, name) not in {(src, action) for (src, _dst), action in MOVES.items()}
    # A parcel still on its way can be replaced too: the order stays where it is.
    and (state, name) not in {(S.SHIPPED, "reship"), (S.IN_TRANSIT, "reship")}
]


@pytest.mark.parametrize(("from_state", "action_name"), REFUSED, ids=lambda s: str(s))
def test_an_action_outside_the_table_is_refused_and_changes_nothing(staff, from_state, action_name):
    move, review_state = ACTIONS[action_name]
    order = put_in_state(place_order(), from_state, review_state)
    before = state_of(order)

    with pytest.raises(ActionError):
        move(order, staff["admin"])

    assert state_of(order) == before


FOLLOWED = {(src, dst) for src, dst, name in MADE_BY if name in FOLLOWING}


@pytest.mark.parametrize(
    ("from_state", "target"),
    [(state, target) for state in S for target in (S.IN_TRANSIT, S.DELIVERED)
     if (state, target) not in FOLLOWED],
    ids=str,
)  # fmt: skip
def test_the_parcels_leave_an_order_elsewhere_alone(staff, from_state, target):
    order = put_in_state(place_order(), from_state, ReviewState.APPROVED)
    before = state_of(order)

    assert FOLLOWING[f"follow:{target}"](order, staff["admin"]) == 0

    assert state_of(order) == before


def test_the_warehouse_cannot_approve_an_order_waiting_for_review(staff):
    order = a_vip_order()
    actions.submit_for_review(order, staff["order_processor"])
    before = state_of(order)

    with pytest.raises(ActionError):
        actions.advance_order(order, S.APPROVED, staff["warehouse"])

    assert state_of(order) == before


@pytest.mark.parametrize("target", [S.PAID, S.IN_REVIEW, S.COMPLETED, S.CANCELLED])
def test_advancing_refuses_the_steps_that_have_their_own_action(staff, target):
    order = put_in_state(place_order(), S.DELIVERED)

    with pytest.raises(ActionError) as refused:
        actions.advance_order(order, target, staff["admin"])

    assert str(refused.value) == "Use the dedicated action for this step."


HAND_OVER_FIRST = (
    "An order is shipped only by handing its parcel to a carrier: create a shipment with the "
    "carrier and the tracking number."
)
CARRIER_SCANS_FIRST = (
    "An order goes in transit when the carrier scans its parcel: record the carrier’s events "
    "or a scan of the parcel instead."
)


@pytest.mark.parametrize("role", ["warehouse", "logistics_staff", "admin"])
def test_nobody_ships_an_order_by_hand(staff, role):
    order = put_in_state(place_order(), S.PACKED, ReviewState.APPROVED)
    before = state_of(order)

    with pytest.raises(ActionError) as refused:
        actions.advance_order(order, S.SHIPPED, staff[role], "handed to the courier")

    assert str(refused.value) == HAND_OVER_FIRST
    assert state_of(order) == before


def test_an_order_goes_in_transit_only_when_its_carrier_scans_the_parcel(staff):
    order = ship(put_in_state(place_order(), S.PACKED, ReviewState.APPROVED), staff["warehouse"])
    before = state_of(order)

    with pytest.raises(ActionError) as refused:
        actions.advance_order(order, S.IN_TRANSIT, staff["logistics_staff"])
    assert str(refused.value) == CARRIER_SCANS_FIRST
    assert state_of(order) == before

    carrier_reports("in_transit", "picked_up")
    assert reload(order).state == S.IN_TRANSIT


def test_a_role_that_does_not_ship_is_refused_before_anything_else(staff):
    order = put_in_state(place_order(), S.PACKED, ReviewState.APPROVED)

    with pytest.raises(NotPermittedError):
        actions.advance_order(order, S.SHIPPED, staff["cs_agent"])


def test_handing_the_parcel_over_ships_the_order_and_names_the_parcel(staff):
    order = put_in_state(place_order(), S.PACKED, ReviewState.APPROVED)
    audit_before = AuditRecord.objects.count()

    order = ship(order, staff["warehouse"], "SF1234567890123", carrier="sf-express")

    assert order.state == S.SHIPPED
    event = OrderEvent.objects.filter(order=order).last()
    assert event is not None
    assert (event.to_state, event.actor, event.data) == (
        "shipped",
        staff["warehouse"],
        {"carrier": "sf-express", "tracking_number": "SF1234567890123"},
    )
    audit = list(AuditRecord.objects.order_by("id")[audit_before:])
    assert [record.action for record in audit] == ["shipment.created", "order.shipped"]
    assert audit[1].detail == {"carrier": "sf-express", "tracking_number": "SF1234567890123"}
    assert verify_audit_chain() is None


def test_shipping_needs_the_parcel_it_names(staff):
    order = put_in_state(place_order(), S.PACKED, ReviewState.APPROVED)
    before = state_of(order)

    with pytest.raises(ActionError) as refused:
        actions.ship_order(order, staff["warehouse"], carrier="zto", tracking_number=PARCEL_NUMBER)

    assert str(refused.value) == HAND_OVER_FIRST
    assert state_of(order) == before


def test_a_delivery_confirmed_by_hand_is_recorded_as_a_correction(staff):
    order = ship(put_in_state(place_order(), S.PACKED, ReviewState.APPROVED), staff["warehouse"])
    carrier_reports("in_transit", "picked_up")
    audit_before = AuditRecord.objects.count()

    actions.advance_order(
        order, S.DELIVERED, staff["logistics_staff"], "  Customer confirmed receipt by phone. "
    )

    order = reload(order)
    assert order.state == S.DELIVERED
    event = OrderEvent.objects.filter(order=order).last()
    assert event is not None
    assert (event.from_state, event.to_state, event.actor, event.comment, event.data) == (
        "in_transit",
        "delivered",
        staff["logistics_staff"],
        "Customer confirmed receipt by phone.",
        {"source": "manual_correction"},
    )
    (record,) = AuditRecord.objects.order_by("id")[audit_before:]
    assert (record.action, record.detail) == (
        "order.delivered",
        {"source": "manual_correction", "reason": "Customer confirmed receipt by phone."},
    )
    # The parcel keeps what its carrier said.
    assert list(Shipment.objects.values_list("status", flat=True)) == ["in_transit"]


def test_a_delivery_by_hand_needs_a_reason(staff):
    order = ship(put_in_state(place_order(), S.PACKED, ReviewState.APPROVED), staff["warehouse"])
    before = state_of(order)

    with pytest.raises(InputError) as refused:
        actions.advance_order(order, S.DELIVERED, staff["logistics_staff"], "  ")

    assert refused.value.errors == [
        FieldError(
            "comment", "Say how the delivery was confirmed, e.g. the customer confirmed receipt."
        )
    ]
    assert state_of(order) == before


def test_an_order_without_a_parcel_is_not_delivered_by_hand(staff):
    # Shipped by hand before hand moves were refused: it needs its parcel first.
    order = put_in_state(place_order(), S.SHIPPED, ReviewState.APPROVED)
    before = state_of(order)

    with pytest.raises(ActionError) as refused:
        actions.advance_order(order, S.DELIVERED, staff["logistics_staff"], "Customer said so.")

    assert str(refused.value) == (
        "This order has no parcel, so it cannot be marked delivered: hand its parcel over to a "
        "carrier first."
    )
    assert state_of(order) == before


# --- completion and the after-sales period (R1.2) -----------------------------------------


@pytest.mark.parametrize("after_sales_days", [15, 30])
def test_completing_starts_the_after_sales_period(staff, settings, frozen_now, after_sales_days):
    settings.PARCELOPS_AFTER_SALES_DAYS = after_sales_days
    order = put_in_state(place_order(), S.DELIVERED)
    completed_at = datetime(2026, 12, 3, 6, 30, 15, tzinfo=UTC)
    frozen_now.move_to(completed_at)

    actions.complete_order(order, staff["logistics_staff"])

    order = reload(order)
    assert order.state == "completed"
    assert order.completed_at == completed_at
    assert order.after_sales_until == completed_at + timedelta(days=after_sales_days)
    event = OrderEvent.objects.filter(order=order).last()
    assert event is not None
    assert (event.type, event.data) == (
        "completed",
        {"after_sales_until": (completed_at + timedelta(days=after_sales_days)).isoformat()},
    )


def deliver(order: Order, user: User, number: str = PARCEL_NUMBER) -> None:
    order = actions.confirm_order(order, user)
    for step in (S.ALLOCATED, S.PICKING, S.PACKED):
        order = actions.advance_order(order, step, user)
    ship(order, user, number)
    carrier_reports("delivered", "signed_by_recipient", number=number)


@pytest.mark.parametrize(
    ("after", "completed"),
    [
        (timedelta(days=7) - timedelta(seconds=1), 0),
        (timedelta(days=7), 1),
        (timedelta(days=30), 1),
    ],
    ids=["one-second-before", "exactly", "long-after"],
)
def test_the_sweep_completes_orders_delivered_long_enough_ago(
    staff, settings, frozen_now, after, completed
):
    settings.PARCELOPS_AUTO_COMPLETE_DAYS = 7
    order = place_order()
    deliver(order, staff["admin"])
    delivered_at = FIXED_NOW

    frozen_now.move_to(delivered_at + after)
    assert actions.complete_delivered_orders() == completed

    order = reload(order)
    if completed:
        assert order.state == "completed"
        assert order.completed_at == delivered_at + after
        event = OrderEvent.objects.filter(order=order).last()
        assert event is not None
        assert (event.type, event.actor) == ("completed", None)
    else:
        assert (order.state, order.completed_at) == ("delivered", None)


def test_the_sweep_skips_deleted_and_already_completed_orders(staff, frozen_now):
    deleted = place_order(external_id="DEL")
    done = place_order(external_id="DONE")
    for order, number in ((deleted, "75100000000001"), (done, "75100000000002")):
        deliver(order, staff["admin"], number)
    actions.complete_order(done, staff["admin"])
    actions.delete_invalid_order(deleted, staff["admin"], "test order")

    frozen_now.shift(timedelta(days=8))

    assert actions.complete_delivered_orders() == 0
    assert reload(deleted).state == "delivered"


# --- edits (R2.3, R8.1) -------------------------------------------------------------------


def test_an_administrator_edit_recomputes_the_totals_and_is_recorded(staff):
    order = place_order()
    deliver(order, staff["admin"])
    tea, cup = order.lines.all()
    audit_before = AuditRecord.objects.count()

    actions.edit_order(
        order,
        staff["admin"],
        [LineChange(tea.pk, quantity=3), LineChange(cup.pk, unit_price_cents=3500)],
        discount_cents=5000,
        shipping_fee_cents=0,
        comment="price match",
    )

    order = reload(order)
    assert (order.subtotal_cents, order.discount_cents, order.shipping_fee_cents) == (
        3 * 16800 + 3500,
        5000,
        0,
    )
    assert order.total_cents == 3 * 16800 + 3500 - 5000
    assert [(line.quantity, line.unit_price_cents) for line in order.lines.all()] == [
        (3, 16800),
        (1, 3500),
    ]
    edited = OrderEvent.objects.get(order=order, type="edited")
    assert (edited.actor, edited.comment) == (staff["admin"], "price match")
    assert edited.data == {
        "changes": {
            "line TEA-001 quantity": [2, 3],
            "line CUP-002 unit_price_cents": [3990, 3500],
            "discount_cents": [2000, 5000],
            "shipping_fee_cents": [1000, 0],
            "total_cents": [36590, 48900],
        },
        "by_admin": True,
    }
    assert AuditRecord.objects.count() == audit_before + 1
    record = AuditRecord.objects.last()
    assert record is not None
    assert (record.action, record.actor_label, record.object_id) == (
        "order.edited",
        "admin",
        str(order.pk),
    )
    assert record.detail == {"changes": edited.data["changes"]}
    assert verify_audit_chain() is None


def test_an_edit_before_approval_that_makes_the_order_large_requires_review(staff):
    processor = staff["order_processor"]
    order = place_order()
    tea = order.lines.first()
    assert tea is not None

    actions.edit_order(order, processor, [LineChange(tea.pk, quantity=30)])

    order = reload(order)
    assert order.total_cents == 30 * 16800 + 3990 - 2000 + 1000
    assert (order.order_type, order.classification_reasons, order.review_state) == (
        "large",
        ["amount:large"],
        "required",
    )
    edited = OrderEvent.objects.get(order=order, type="edited")
    assert edited.data["changes"]["order_type"] == ["normal", "large"]
    assert edited.data["changes"]["review_state"] == ["not_required", "required"]
    with pytest.raises(ActionError, match="needs a reviewer's approval"):
        actions.confirm_order(order, processor)


def test_an_edit_back_below_the_threshold_keeps_the_review_requirement(staff):
    processor = staff["order_processor"]
    order = place_order()
    tea = order.lines.first()
    assert tea is not None
    actions.edit_order(order, processor, [LineChange(tea.pk, quantity=30)])

    actions.edit_order(order, processor, [LineChange(tea.pk, quantity=2)])

    order = reload(order)
    assert (order.order_type, order.classification_reasons, order.review_state) == (
        "normal",
        [],
        "required",
    )


def test_an_edit_that_changes_nothing_writes_nothing(staff):
    order = place_order()
    tea = order.lines.first()
    assert tea is not None
    before = state_of(order)

    actions.edit_order(order, staff["admin"], [LineChange(tea.pk, quantity=2)], discount_cents=2000)

    assert state_of(order) == before


def test_a_processor_cannot_edit_an_order_after_it_was_approved(staff):
    order = place_order()
    actions.confirm_order(order, staff["order_processor"])
    tea = order.lines.first()
    assert tea is not None
    before = state_of(order)

    with pytest.raises(ActionError) as refused:
        actions.edit_order(order, staff["order_processor"], [LineChange(tea.pk, quantity=1)])

    assert str(refused.value) == "Only an administrator can change an order in this state."
    assert state_of(order) == before


def test_a_cancelled_order_cannot_be_edited(staff):
    order = place_order()
    actions.cancel_order(order, staff["admin"], "duplicate")

    with pytest.raises(ActionError, match="cancelled order cannot be edited"):
        actions.edit_order(order, staff["admin"], [], discount_cents=0)


@pytest.mark.parametrize(
    ("change", "discount", "fee", "errors"),
    [
        (
            {"line": "missing", "quantity": 1},
            None,
            None,
            [FieldError("lines[0].id", "No such line on this order.")],
        ),
        ({"quantity": 0}, None, None, [FieldError("lines[0].quantity", "Must be at least 1.")]),
        (
            {"unit_price_cents": -1},
            None,
            None,
            [FieldError("lines[0].unit_price", "Must not be negative.")],
        ),
        (
            {},
            -1,
            -1,
            [
                FieldError("discount", "Must not be negative."),
                FieldError("shipping_fee", "Must not be negative."),
            ],
        ),
        (
            {"quantity": 5},
            10_000_000,
            None,
            [FieldError("discount", "The discount is larger than the order.")],
        ),
    ],
    ids=[
        "no-such-line",
        "zero-quantity",
        "negative-price",
        "negative-amounts",
        "discount-too-large",
    ],
)
def test_a_bad_edit_is_refused_and_changes_nothing(staff, change, discount, fee, errors):
    order = place_order()
    tea = order.lines.first()
    assert tea is not None
    change = dict(change)
    line_id = -1 if change.pop("line", None) else tea.pk
    before = state_of(order)

    with pytest.raises(InputError) as refused:
        actions.edit_order(
            order,
            staff["admin"],
            [LineChange(line_id, **change)],
            discount_cents=discount,
            shipping_fee_cents=fee,
        )

    assert refused.value.errors == errors
    assert state_of(order) == before
    assert reload(order).lines.first().quantity == 2  # type: ignore[union-attr]


def test_a_line_quantity_edit_has_the_same_upper_limit_as_intake(staff):
    order = place_order()
    tea = order.lines.first()
    assert tea is not None

    with pytest.raises(InputError) as refused:
        actions.edit_order(order, staff["admin"], [LineChange(tea.pk, quantity=10**12)])

    assert refused.value.errors == [FieldError("lines[0].quantity", "Must be at most 1000000.")]


@pytest.mark.parametrize("role", ["analyst", "warehouse", "order_reviewer", "cs_agent"])
def test_editing_needs_the_processor_or_administrator_permission(staff, role):
    order = place_order()
    before = state_of(order)

    with pytest.raises(NotPermittedError):
        actions.edit_order(order, staff[role], [], discount_cents=0)

    assert state_of(order) == before


# --- deletion and cancellation -------------------------------------------------------------


def test_deleting_an_invalid_order_hides_it_but_keeps_it_for_the_audit_trail(staff, frozen_now):
    order = place_order()

    actions.delete_invalid_order(order, staff["admin"], "  test order from the shop's QA  ")

    assert not Order.objects.filter(pk=order.pk).exists()
    order = Order.all_objects.get(pk=order.pk)
    assert (order.is_deleted, order.deleted_at, order.deletion_reason) == (
        True,
        FIXED_NOW,
        "test order from the shop's QA",
    )
    deleted = OrderEvent.objects.filter(order=order).last()
    assert deleted is not None
    assert (deleted.type, deleted.comment) == ("deleted", "test order from the shop's QA")
    assert audit_actions(order)[-1] == "order.deleted"

    with pytest.raises(ActionError, match="already deleted"):
        actions.delete_invalid_order(order, staff["admin"], "again")


@pytest.mark.parametrize("reason", ["", "  "])
def test_deleting_needs_a_reason(staff, reason):
    order = place_order()
    before = state_of(order)

    with pytest.raises(InputError) as refused:
        actions.delete_invalid_order(order, staff["admin"], reason)

    assert refused.value.errors == [FieldError("reason", "Say why the order is invalid.")]
    assert state_of(order) == before


def test_only_an_administrator_deletes_orders(staff):
    order = place_order()
    before = state_of(order)

    with pytest.raises(NotPermittedError):
        actions.delete_invalid_order(order, staff["order_processor"], "invalid")

    assert state_of(order) == before


@pytest.mark.parametrize("reason", ["", "  "])
def test_cancelling_needs_a_reason(staff, reason):
    order = place_order()
    before = state_of(order)

    with pytest.raises(InputError) as refused:
        actions.cancel_order(order, staff["cs_agent"], reason)

    assert refused.value.errors == [FieldError("reason", "Say why the order is cancelled.")]
    assert state_of(order) == before


def test_cancelling_records_the_reason(staff):
    order = place_order()

    actions.cancel_order(order, staff["cs_agent"], " customer changed their mind ")

    assert reload(order).state == "cancelled"
    event = OrderEvent.objects.filter(order=order).last()
    assert event is not None
    assert (event.type, event.comment, event.actor) == (
        "cancelled",
        "customer changed their mind",
        staff["cs_agent"],
    )
    record = AuditRecord.objects.last()
    assert record is not None
    assert (record.action, record.detail) == (
        "order.cancelled",
        {"reason": "customer changed their mind"},
    )


# --- a customer's tier changed at intake ---------------------------------------------------


def test_a_known_customer_arriving_with_another_tier_is_recorded_on_the_order_and_audited(staff):
    first = place_order()
    audit_before = AuditRecord.objects.count()

    second = place_order({"customer.tier": "vip"}, external_id="W-1002", actor=staff["admin"])

    customer = Customer.objects.get()
    assert (first.customer_id, second.customer_id, customer.tier) == (customer.pk,) * 2 + ("vip",)
    changed = OrderEvent.objects.get(order=second, type="customer_tier_changed")
    assert changed.data == {"customer": customer.pk, "from": "regular", "to": "vip"}
    assert changed.actor == staff["admin"]
    assert event_types(second) == ["placed", "customer_tier_changed", "assigned"]
    tier_record = AuditRecord.objects.get(action="customer.tier_changed")
    assert (tier_record.object_type, tier_record.object_id) == ("orders.customer", str(customer.pk))
    assert tier_record.detail == {"order": second.number, "from": "regular", "to": "vip"}
    assert AuditRecord.objects.count() == audit_before + 2  # the tier, then the order
    assert verify_audit_chain() is None


def test_a_known_customer_with_the_same_tier_records_no_change(staff):
    place_order()

    second = place_order(external_id="W-1002")

    assert event_types(second) == ["placed", "assigned"]
    assert not AuditRecord.objects.filter(action="customer.tier_changed").exists()
