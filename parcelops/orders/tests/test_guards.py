"""The order page shows a button exactly when pressing it would succeed: for every order state,
every role and every action, possible_actions agrees with the action itself."""

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import transaction

from parcelops.accounts import roles
from parcelops.core.errors import ActionError, NotPermittedError
from parcelops.orders import actions, guards
from parcelops.orders.models import Order
from parcelops.orders.states import OrderState, ReviewState
from parcelops.orders.tests.factories import place_order, reload, ship
from parcelops.orders.views import possible_actions
from parcelops.tracking.actions import create_shipment

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "channel", "frozen_now")]

S = OrderState
R = ReviewState


class _RolledBackError(Exception):
    """Raised to undo an action that succeeded, so the next one starts from the same order."""


def _set(order: Order, **fields: Any) -> Order:
    Order.objects.filter(pk=order.pk).update(**fields)
    return reload(order)


def _with_parcel(state: OrderState) -> Callable[[dict[str, User], User], Order]:
    def make(staff: dict[str, User], viewer: User) -> Order:
        order = _set(place_order(), state=S.PACKED, review_state=R.APPROVED)
        return _set(ship(order, staff[roles.ADMIN]), state=state)

    return make


def _in(
    state: OrderState, review: ReviewState = R.APPROVED, *, processed_by_viewer: bool = False
) -> Callable[[dict[str, User], User], Order]:
    def make(staff: dict[str, User], viewer: User) -> Order:
        processor = viewer if processed_by_viewer else staff[roles.ORDER_PROCESSOR]
        return _set(place_order(), state=state, review_state=review, processed_by=processor)

    return make


# Every state an order can be in, and the variants that change what may be done.
ORDERS: dict[str, Callable[[dict[str, User], User], Order]] = {
    "awaiting_payment": _in(S.AWAITING_PAYMENT, R.NOT_REQUIRED),
    "paid": _in(S.PAID, R.NOT_REQUIRED),
    "paid_needing_review": _in(S.PAID, R.REQUIRED),
    "paid_rejected": _in(S.PAID, R.REJECTED),
    "in_review": _in(S.IN_REVIEW, R.SUBMITTED),
    "in_review_processed_by_viewer": _in(S.IN_REVIEW, R.SUBMITTED, processed_by_viewer=True),
    "approved": _in(S.APPROVED),
    "allocated": _in(S.ALLOCATED),
    "picking": _in(S.PICKING),
    "packed": _in(S.PACKED),
    "shipped_without_parcel": _in(S.SHIPPED),
    "shipped": _with_parcel(S.SHIPPED),
    "in_transit": _with_parcel(S.IN_TRANSIT),
    "delivered": _with_parcel(S.DELIVERED),
    "completed": _with_parcel(S.COMPLETED),
    "cancelled": _in(S.CANCELLED),
}

WAREHOUSE_STEPS = [s for s in guards.FULFILMENT_PERMISSIONS if s != S.DELIVERED]


def _hand_over(order: Order, user: User) -> Order:
    """The ship step: a parcel handed to a carrier moves a packed order to shipped."""
    was = order.state
    create_shipment(order, "zto", "75100000000099", user)
    if (was, reload(order).state) != (S.PACKED, S.SHIPPED):
        raise ActionError("a parcel was added, but the order did not ship by it")
    return order


def _attempts(staff: dict[str, User]) -> dict[str, Callable[[Order, User], Any]]:
    """Each button and what pressing it calls, with valid input, so only the guards decide."""
    processor = staff[roles.ORDER_PROCESSOR].get_username()
    attempts: dict[str, Callable[[Order, User], Any]] = {
        "mark_paid": actions.mark_paid,
        "confirm": actions.confirm_order,
        "submit_for_review": lambda o, u: actions.submit_for_review(o, u, "Checked."),
        "review:approve": lambda o, u: actions.approve_order(o, u, "Fine."),
        "review:reject": lambda o, u: actions.reject_order(o, u, "Wrong discount."),
        "reassign": lambda o, u: actions.reassign_order(o, processor, u),
        "cancel": lambda o, u: actions.cancel_order(o, u, "The customer called."),
        "hand_over": _hand_over,
        "confirm_delivery": lambda o, u: actions.advance_order(
            o, S.DELIVERED, u, "The customer confirmed receipt."
        ),
        "complete": actions.complete_order,
        "edit": lambda o, u: actions.edit_order(
            o, u, [], shipping_fee_cents=o.shipping_fee_cents + 100
        ),
        "delete": lambda o, u: actions.delete_invalid_order(o, u, "A test order."),
    }
    for step in WAREHOUSE_STEPS:
        attempts[f"advance:{step}"] = _advance_to(step)
    return attempts


def _advance_to(step: OrderState) -> Callable[[Order, User], Any]:
    return lambda order, user: actions.advance_order(order, step, user)


def _succeeds(action: Callable[[Order, User], Any], order: Order, user: User) -> bool:
    try:
        with transaction.atomic():
            action(reload(order), user)
            raise _RolledBackError
    except _RolledBackError:
        return True
    except (ActionError, NotPermittedError):
        return False


def _shown(possible: Any, button: str) -> bool:
    name, _sep, step = button.partition(":")
    if name == "advance":
        return step in [target for target, _label, _forward in possible.advance_to]
    return bool(getattr(possible, name))


@pytest.mark.parametrize("role", roles.ROLES)
@pytest.mark.parametrize("kind", list(ORDERS))
def test_a_button_shows_exactly_when_its_action_would_succeed(staff, role, kind):
    user = staff[role]
    order = ORDERS[kind](staff, user)
    possible = possible_actions(reload(order), user)

    disagreements = {
        button: _shown(possible, button)
        for button, action in _attempts(staff).items()
        if _shown(possible, button) != _succeeds(action, order, user)
    }

    assert disagreements == {}  # button -> shown although refused, or hidden although allowed


def test_the_warehouse_sees_only_the_next_steps_of_an_allocated_order(staff):
    order = ORDERS["allocated"](staff, staff[roles.WAREHOUSE])

    possible = possible_actions(order, staff[roles.WAREHOUSE])

    assert possible.advance_to == [("picking", "Picking", True), ("approved", "Approved", False)]


def test_a_guard_says_whether_the_role_or_the_state_refuses(staff):
    order = ORDERS["packed"](staff, staff[roles.ADMIN])

    by_role = guards.mark_paid_refusal(order, staff[roles.ANALYST])
    by_state = guards.mark_paid_refusal(order, staff[roles.ORDER_PROCESSOR])

    assert by_role == guards.Refusal("Your role does not allow this action.", is_about_role=True)
    assert by_state == guards.Refusal("Only an order awaiting payment can be marked paid.")
    assert guards.mark_paid_refusal(order, None) == by_state  # the system obeys the state too
