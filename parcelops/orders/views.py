"""The staff console's order pages: the list, one order, the review queue, my orders, and
the forms to take in and edit an order.

Thin on purpose: a page reads a form, calls one query or one function of
parcelops.orders.actions, and renders. The buttons are in action_views, the customer's
lookup page in public_views.
"""

from dataclasses import dataclass, field, replace
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import F, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, NullIf
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from parcelops.accounts import roles
from parcelops.accounts.permissions import staff_page
from parcelops.accounts.presentation import display_name
from parcelops.carriers.names import carrier_label
from parcelops.core.errors import ActionError, InputError, NotPermittedError
from parcelops.core.money import format_cents
from parcelops.orders import actions, forms, guards, rules
from parcelops.orders.models import Order, OrderEvent
from parcelops.orders.presentation import can_see_customer_data, customer_view
from parcelops.orders.queries import (
    OrderFilters,
    count_by_state,
    filter_orders,
    get_order,
    refuse_customer_filters,
)
from parcelops.orders.states import (
    OPEN_PROCESSING_STATES,
    CustomerTier,
    OrderEventType,
    OrderState,
    ReviewState,
)

PAGE_SIZE = 25
STATE_ORDER = list(OrderState)


def order_or_404(number: str) -> Order:
    try:
        return get_order(number)
    except Order.DoesNotExist as error:
        raise Http404(_("No order with this number.")) from error


def _page(request: HttpRequest, items: QuerySet[Any]) -> Page:
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))


@dataclass
class OrderRow:
    order: Order
    customer: dict[str, Any]
    can_batch: bool = False  # the viewer may move it forward with the list's batch step


def _rows(orders: Any, viewer: Any) -> list[OrderRow]:
    full = can_see_customer_data(viewer)
    return [
        OrderRow(
            order,
            customer_view(order, full=full),
            any(guards.advance_refusal(order, step, viewer) is None for step in BATCH_STEPS),
        )
        for order in orders
    ]


# The steps the list's batch offers: the warehouse's way from approved to packed.
BATCH_STEPS = (OrderState.ALLOCATED, OrderState.PICKING, OrderState.PACKED)


@dataclass
class StateChip:
    """A quick filter above the list: a state and how many orders the other filters leave."""

    state: str
    label: str
    count: int
    is_current: bool


def _state_chips(filters: OrderFilters) -> list[StateChip]:
    counts = count_by_state(filters)
    chosen = filters.state
    chips = [StateChip("", str(_("All")), sum(counts.values()), not chosen)]
    chips += [
        StateChip(str(state), str(state.label), counts[state], chosen == state)
        for state in OrderState
        if counts.get(state)
    ]
    return chips


# --- what the viewer may do now ------------------------------------------------------------


@dataclass
class PossibleActions:
    """The buttons of the order page: the viewer's role allows them and the state does too."""

    mark_paid: bool = False
    confirm: bool = False
    submit_for_review: bool = False
    review: bool = False
    review_own_order: bool = False  # a reviewer who processed the order may not decide on it
    reassign: bool = False
    cancel: bool = False
    advance_to: list[tuple[str, str, bool]] = field(default_factory=list)  # state, label, forward
    hand_over: bool = False  # points to the Parcels card's form: the one way to ship
    confirm_delivery: bool = False  # by hand, when the carrier's feed is silent
    complete: bool = False
    edit: bool = False
    delete: bool = False

    @property
    def any(self) -> bool:
        return any(
            (
                self.mark_paid,
                self.confirm,
                self.submit_for_review,
                self.review,
                self.reassign,
                self.cancel,
                self.advance_to,
                self.hand_over,
                self.confirm_delivery,
                self.complete,
                self.edit,
                self.delete,
            )
        )


def possible_actions(order: Order, user: Any) -> PossibleActions:
    """Asks the guards the actions use, so a button shows exactly when pressing it works."""
    state = OrderState(order.state)
    # Every warehouse step the order could take, the next one forward first. Delivered by
    # hand is a correction with its own form; shipped and in transit follow the parcels.
    advance_to = [
        (str(target), str(target.label), STATE_ORDER.index(target) > STATE_ORDER.index(state))
        for target in sorted(guards.FULFILMENT_PERMISSIONS, key=STATE_ORDER.index)
        if target != OrderState.DELIVERED and guards.advance_refusal(order, target, user) is None
    ]
    advance_to.sort(key=lambda step: not step[2])
    is_reviewer = guards.review_refusal(order, user) is None
    return PossibleActions(
        mark_paid=guards.mark_paid_refusal(order, user) is None,
        confirm=guards.confirm_refusal(order, user) is None,
        submit_for_review=guards.submit_for_review_refusal(order, user) is None,
        review=is_reviewer,
        # A note, not a button: why a reviewer who processed the order sees no decision.
        review_own_order=user.has_perm(roles.REVIEW_ORDER)
        and state == OrderState.IN_REVIEW
        and guards.is_own_order(order, user),
        reassign=guards.reassign_refusal(order, user) is None,
        cancel=guards.cancel_refusal(order, user) is None,
        advance_to=advance_to,
        hand_over=guards.hand_over_refusal(order, user) is None,
        confirm_delivery=guards.advance_refusal(order, OrderState.DELIVERED, user) is None,
        complete=guards.complete_refusal(order, user) is None,
        edit=guards.edit_refusal(order, user) is None,
        delete=guards.delete_refusal(order, user) is None,
    )


# --- pages -------------------------------------------------------------------------------------


def refuse_customer_filters_page(filters: OrderFilters, viewer: Any) -> None:
    """The pages' form of queries.refuse_customer_filters: Django's 403 page."""
    try:
        refuse_customer_filters(filters, viewer)
    except NotPermittedError as refused:
        raise PermissionDenied(str(refused)) from refused


@staff_page
def order_list(request: HttpRequest) -> HttpResponse:
    filters = replace(
        OrderFilters.from_mapping(request.GET),
        customer_search=can_see_customer_data(request.user),
    )
    refuse_customer_filters_page(filters, request.user)
    page = _page(request, filter_orders(filters).select_related("assignee__staff_profile"))
    rows = _rows(page.object_list, request.user)
    return render(
        request,
        "orders/list.html",
        {
            "page": page,
            "rows": rows,
            "chips": _state_chips(filters),
            "batch_steps": [(str(s), s.label) for s in BATCH_STEPS]
            if any(r.can_batch for r in rows)
            else [],
            "filter_form": forms.OrderFilterForm(
                request.GET or None, customer_search=filters.customer_search
            ),
            "is_filtered": any(v for k, v in request.GET.items() if k != "page"),
        },
    )


def _event_details(event: OrderEvent, names: dict[int, str]) -> list[str]:
    """What an event's data says, in words (who got the order, which amounts changed)."""
    data = event.data or {}
    if event.type == OrderEventType.ASSIGNED:
        who = names.get(data.get("assignee", 0), "?")
        if data.get("automatic"):
            return [_("Assigned automatically to %(user)s") % {"user": who}]
        if data.get("from"):
            return [_("From %(old)s to %(new)s") % {"old": data["from"], "new": who}]
        return [_("Assigned to %(user)s") % {"user": who}]
    if event.type == OrderEventType.STATE_CHANGED:
        return _state_change_details(data)
    if event.type == OrderEventType.CUSTOMER_TIER_CHANGED:
        was, now_is = (CustomerTier(data[key]).label for key in ("from", "to"))
        return [_("Customer tier: %(old)s → %(new)s") % {"old": was, "new": now_is}]
    if event.type == OrderEventType.EDITED:
        details = []
        for what, (old, new) in sorted((data.get("changes") or {}).items()):
            if what.endswith("cents"):
                what, old, new = what.removesuffix("_cents"), format_cents(old), format_cents(new)
            details.append(f"{what}: {old} → {new}")
        return details
    return []


def _state_change_details(data: dict[str, Any]) -> list[str]:
    """Which parcel shipped the order, and whether the parcels or a person moved it."""
    if data.get("tracking_number"):
        name = carrier_label(data.get("carrier", ""))
        return [
            _("Parcel %(number)s, %(carrier)s")
            % {"number": data["tracking_number"], "carrier": name}
        ]
    if data.get("source") == actions.MANUAL_CORRECTION:
        return [_("Corrected by hand: the carrier has not reported this delivery.")]
    if data.get("source") == "tracking":
        return [_("Following the carrier’s events")]
    return []


@dataclass
class TimelineEntry:
    event: OrderEvent
    details: list[str]


def _timeline(order: Order) -> list[TimelineEntry]:
    events = list(order.events.select_related("actor__staff_profile"))
    assignee_ids = {
        e.data.get("assignee") for e in events if e.type == OrderEventType.ASSIGNED and e.data
    }
    people = get_user_model().objects.filter(pk__in=assignee_ids).select_related("staff_profile")
    names = {person.pk: display_name(person) for person in people}
    return [TimelineEntry(event, _event_details(event, names)) for event in events]


@staff_page
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    order = order_or_404(number)
    possible = possible_actions(order, request.user)
    timeline = _timeline(order)
    rejection = None
    if order.review_state == ReviewState.REJECTED:
        rejections = [e.event for e in timeline if e.event.type == OrderEventType.REJECTED]
        rejection = rejections[-1] if rejections else None
    return render(
        request,
        "orders/detail.html",
        {
            "order": order,
            "lines": list(order.lines.all()),
            "customer": customer_view(order, full=can_see_customer_data(request.user)),
            "can_see_customer": can_see_customer_data(request.user),
            "timeline": timeline,
            "rejection": rejection,
            "possible": possible,
            "processors": forms.order_processors() if possible.reassign else [],
        },
    )


def _with_latest_event(orders: QuerySet[Order], event_type: str, prefix: str) -> QuerySet[Order]:
    """Annotate each order with the time, actor and comment of its latest event of a type."""
    latest = OrderEvent.objects.filter(order=OuterRef("pk"), type=event_type).order_by("-at", "-id")
    return orders.annotate(
        **{
            f"{prefix}_at": Subquery(latest.values("at")[:1]),
            # Staff by the name people know them by; the username where none is set.
            f"{prefix}_by": Subquery(
                latest.annotate(
                    who=Coalesce(
                        NullIf("actor__staff_profile__display_name", Value("")), "actor__username"
                    )
                ).values("who")[:1]
            ),
            f"{prefix}_comment": Subquery(latest.values("comment")[:1]),
        }
    )


@staff_page
@permission_required(roles.REVIEW_ORDER, raise_exception=True)
def review_queue(request: HttpRequest) -> HttpResponse:
    orders = _with_latest_event(
        Order.objects.filter(state=OrderState.IN_REVIEW).select_related(
            "channel", "recipient", "assignee", "processed_by"
        ),
        OrderEventType.SUBMITTED_FOR_REVIEW,
        "submitted",
    ).order_by(
        F("submitted_at").asc(nulls_last=True), "received_at", "id"
    )  # who has waited longest comes first
    page = _page(request, orders)
    return render(
        request,
        "orders/review_queue.html",
        {"page": page, "rows": _rows(page.object_list, request.user)},
    )


@dataclass
class OrderGroup:
    key: str
    title: str
    hint: str
    rows: list[OrderRow]


@staff_page
@permission_required(roles.PROCESS_ORDER, raise_exception=True)
def my_orders(request: HttpRequest) -> HttpResponse:
    orders = _with_latest_event(
        Order.objects.filter(
            assignee_id=request.user.pk, state__in=[str(s) for s in OPEN_PROCESSING_STATES]
        ).select_related("channel", "recipient"),
        OrderEventType.REJECTED,
        "rejected",
    ).order_by("received_at", "id")
    rows = _rows(orders, request.user)
    rejected = [r for r in rows if r.order.review_state == ReviewState.REJECTED]
    others = [r for r in rows if r.order.review_state != ReviewState.REJECTED]

    def in_state(state: OrderState) -> list[OrderRow]:
        return [r for r in others if r.order.state == state]

    groups = [
        OrderGroup(
            "rejected",
            _("Rejected in review"),
            _("Correct these orders and submit them again."),
            rejected,
        ),
        OrderGroup(
            "paid",
            _("To process"),
            _("Paid: confirm the details, or submit for review."),
            in_state(OrderState.PAID),
        ),
        OrderGroup(
            "awaiting_payment",
            _("Awaiting payment"),
            _("Mark them paid when the payment arrives."),
            in_state(OrderState.AWAITING_PAYMENT),
        ),
        OrderGroup(
            "in_review",
            _("Waiting for a reviewer"),
            _("Nothing to do until a reviewer decides."),
            in_state(OrderState.IN_REVIEW),
        ),
    ]
    return render(
        request,
        "orders/mine.html",
        {"groups": groups, "open_count": len(rows), "rejected_count": len(rejected)},
    )


@staff_page
@permission_required(roles.ADD_ORDER, raise_exception=True)
def new_order(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    form = forms.NewOrderForm(data)
    line_forms = forms.OrderLineFormSet(data, prefix="lines")
    line_errors: list[str] = []
    other_errors: list[str] = []
    if data is not None and form.is_valid() & line_forms.is_valid():
        filled = [f for f in line_forms.forms if not f.is_blank()]
        try:
            result = actions.intake_order(
                form.intake_document([f.intake_line() for f in filled]), request.user
            )
        except InputError as error:
            for leftover in forms.show_field_errors(
                error.errors, form, filled, forms.NewOrderForm.FIELD_FOR_PATH
            ):
                (line_errors if leftover.field == "lines" else other_errors).append(
                    leftover.message
                )
        except NotPermittedError as error:
            raise PermissionDenied(str(error)) from error
        else:
            order = result.order
            if result.created:
                messages.success(request, _("Order %(number)s created.") % {"number": order.number})
                return redirect("orders:detail", number=order.number)
            if order.is_deleted:
                form.add_error(
                    "external_id",
                    _(
                        "Order %(number)s had this channel and external id; it was deleted as invalid."
                    )
                    % {"number": order.number},
                )
            else:
                messages.info(
                    request,
                    _("Order %(number)s already has this channel and external id: here it is.")
                    % {"number": order.number},
                )
                return redirect("orders:detail", number=order.number)
    return render(
        request,
        "orders/new.html",
        {
            "form": form,
            "line_forms": line_forms,
            "line_errors": line_errors,
            "other_errors": other_errors,
        },
    )


@staff_page
def edit_order(request: HttpRequest, number: str) -> HttpResponse:
    order = order_or_404(number)
    if not possible_actions(order, request.user).edit:
        if not (
            request.user.has_perm(roles.PROCESS_ORDER)
            or request.user.has_perm(roles.EDIT_ORDER_AMOUNTS)
        ):
            raise PermissionDenied
        messages.error(request, _("This order cannot be edited in its current state."))
        return redirect("orders:detail", number=order.number)
    data = request.POST if request.method == "POST" else None
    amounts, line_forms, lines = forms.edit_forms_for(order, data)
    other_errors: list[str] = []
    if data is not None and amounts.is_valid() & line_forms.is_valid():
        before = actions.order_snapshot(order)
        try:
            edit, errors = rules.read_order_edit(forms.edit_document(amounts, line_forms))
            if edit is None:
                raise InputError(errors)
            edited = actions.edit_order(
                order,
                request.user,
                edit.changes,
                discount_cents=edit.discount_cents,
                shipping_fee_cents=edit.shipping_fee_cents,
                comment=amounts.cleaned_data["comment"],
            )
        except InputError as error:
            other_errors = [
                e.message
                for e in forms.show_field_errors(
                    error.errors, amounts, line_forms.forms, forms.EditAmountsForm.FIELD_FOR_PATH
                )
            ]
        except (ActionError, NotPermittedError) as error:
            messages.error(request, str(error))
            return redirect("orders:detail", number=order.number)
        else:
            if actions.order_snapshot(edited) == before:
                messages.info(request, _("Nothing was changed."))
            else:
                messages.success(request, _("The order was updated."))
            return redirect("orders:detail", number=order.number)
    return render(
        request,
        "orders/edit.html",
        {
            "order": order,
            "amounts": amounts,
            "line_forms": line_forms,
            "rows": list(zip(lines, line_forms.forms, strict=False)),
            "other_errors": other_errors,
        },
    )
