"""The buttons of the order pages: each is a POST that calls exactly one function of
parcelops.orders.actions. What the action refuses is shown as a message, never a 500.
"""

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from parcelops.accounts.permissions import ViewFunction, staff_page
from parcelops.core.errors import ActionError, FieldError, InputError, NotPermittedError
from parcelops.orders import actions
from parcelops.orders.models import Order
from parcelops.orders.states import OrderState
from parcelops.orders.views import order_or_404

FIELD_LABELS = {
    "comment": gettext_lazy("Comment"),
    "reason": gettext_lazy("Reason"),
    "assignee": gettext_lazy("Assignee"),
}


def _field_message(error: FieldError) -> str:
    label = FIELD_LABELS.get(error.field)
    return f"{label}: {error.message}" if label else error.message


def _next_page(request: HttpRequest) -> str:
    """The page the form came from, when it is one of ours."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _back(request: HttpRequest, order: Order) -> HttpResponse:
    if target := _next_page(request):
        return redirect(target)
    if order.is_deleted:
        return redirect("orders:list")
    return redirect("orders:detail", number=order.number)


def _perform(
    request: HttpRequest,
    number: str,
    action: Callable[[Order], Order],
    success: str,
) -> HttpResponse:
    order = order_or_404(number)
    try:
        order = action(order)
    except InputError as error:
        for field_error in error.errors:
            messages.error(request, _field_message(field_error))
    except (ActionError, NotPermittedError) as error:
        messages.error(request, str(error))
    else:
        label = OrderState(order.state).label
        messages.success(request, success % {"number": order.number, "state": label})
    return _back(request, order)


def _text(request: HttpRequest, name: str) -> str:
    return request.POST.get(name, "")


def _action_view(view: ViewFunction) -> ViewFunction:
    return require_POST(staff_page(view))


@_action_view
def mark_paid(request: HttpRequest, number: str) -> HttpResponse:
    return _perform(
        request,
        number,
        lambda order: actions.mark_paid(order, request.user),
        _("Order %(number)s is marked as paid."),
    )


@_action_view
def confirm(request: HttpRequest, number: str) -> HttpResponse:
    return _perform(
        request,
        number,
        lambda order: actions.confirm_order(order, request.user),
        _("Order %(number)s confirmed: it goes on to the warehouse."),
    )


@_action_view
def submit_for_review(request: HttpRequest, number: str) -> HttpResponse:
    return _perform(
        request,
        number,
        lambda order: actions.submit_for_review(order, request.user, _text(request, "comment")),
        _("Order %(number)s was submitted for review."),
    )


@_action_view
def approve(request: HttpRequest, number: str) -> HttpResponse:
    return _perform(
        request,
        number,
        lambda order: actions.approve_order(order, request.user, _text(request, "comment")),
        _("Order %(number)s approved."),
    )


@_action_view
def reject(request: HttpRequest, number: str) -> HttpResponse:
    return _perform(
        request,
        number,
        lambda order: actions.reject_order(order, request.user, _text(request, "comment")),
        _("Order %(number)s rejected and sent back to its processor."),
    )


@_action_view
def reassign(request: HttpRequest, number: str) -> HttpResponse:
    return _perform(
        request,
        number,
        lambda order: actions.reassign_order(order, _text(request, "assignee"), request.user),
        _("Order %(number)s was reassigned."),
    )


@_action_view
def cancel(request: HttpRequest, number: str) -> HttpResponse:
    return _perform(
        request,
        number,
        lambda order: actions.cancel_order(order, request.user, _text(request, "reason")),
        _("Order %(number)s was cancelled."),
    )


@_action_view
def advance(request: HttpRequest, number: str) -> HttpResponse:
    try:
        to_state = OrderState(_text(request, "to_state"))
    except ValueError:
        messages.error(request, _("Choose the step the order moves to."))
        return redirect("orders:detail", number=number)
    return _perform(
        request,
        number,
        lambda order: actions.advance_order(
            order, to_state, request.user, _text(request, "comment")
        ),
        _("Order %(number)s is now “%(state)s”."),
    )


@_action_view
def complete(request: HttpRequest, number: str) -> HttpResponse:
    return _perform(
        request,
        number,
        lambda order: actions.complete_order(order, request.user),
        _("Order %(number)s completed: the after-sales period has started."),
    )


@_action_view
def delete_invalid(request: HttpRequest, number: str) -> HttpResponse:
    return _perform(
        request,
        number,
        lambda order: actions.delete_invalid_order(order, request.user, _text(request, "reason")),
        _("Order %(number)s was deleted as invalid."),
    )


@_action_view
def batch_advance(request: HttpRequest) -> HttpResponse:
    """The warehouse's batch: several orders of the list to one step in one POST, each
    through the same actions as its own buttons, with a line per order on what happened."""
    numbers = request.POST.getlist("orders")
    try:
        to_state = OrderState(_text(request, "to_state"))
    except ValueError:
        to_state = None
    if not numbers or to_state is None:
        messages.error(request, _("Choose the orders and the step they move to."))
        return _back_to_list(request)
    try:
        outcomes = actions.advance_orders(numbers, to_state, request.user)
    except ActionError as error:
        messages.error(request, str(error))
        return _back_to_list(request)
    moved = [o.number for o in outcomes if o.moved and not o.refusal]
    if moved:
        messages.success(
            request,
            ngettext(
                "%(count)d order is now “%(state)s”: %(numbers)s",
                "%(count)d orders are now “%(state)s”: %(numbers)s",
                len(moved),
            )
            % {"count": len(moved), "state": to_state.label, "numbers": ", ".join(moved)},
        )
    for outcome in outcomes:
        if not outcome.moved and not outcome.refusal:
            messages.info(
                request,
                _("%(number)s was already “%(state)s”.")
                % {"number": outcome.number, "state": to_state.label},
            )
        if outcome.refusal:
            messages.error(
                request,
                _("%(number)s stays “%(state)s”: %(reason)s")
                % {
                    "number": outcome.number,
                    "state": OrderState(outcome.state).label,
                    "reason": outcome.refusal,
                },
            )
    return _back_to_list(request)


def _back_to_list(request: HttpRequest) -> HttpResponse:
    return redirect(_next_page(request) or "orders:list")
