"""Reading orders: the list filters shared by the API, the pages and the export (R8.1)."""

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from parcelops.core import crypto
from parcelops.core.errors import NotPermittedError
from parcelops.orders import exception_hooks
from parcelops.orders.models import Order
from parcelops.orders.presentation import can_see_customer_data


def parse_day(text: str) -> date | None:
    """A day such as 2026-12-01; None for an empty or unreadable value."""
    try:
        return date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


@dataclass
class OrderFilters:
    state: str = ""
    order_type: str = ""
    channel: str = ""
    assignee: str = ""  # a username, or "none" for unassigned
    review_state: str = ""
    date_from: date | None = None
    date_to: date | None = None
    phone: str = ""
    email: str = ""
    name: str = ""
    q: str = ""  # order number, external id or SKU; with customer_search also phone, email, name
    has_open_exception: bool | None = None
    # Set by the caller, never read from the request: only roles that may see customer data
    # find orders by the customer's phone, email or name typed into the main search box.
    customer_search: bool = False

    @classmethod
    def from_mapping(cls, data: Any) -> "OrderFilters":
        def text(key: str) -> str:
            return str(data.get(key) or "").strip()

        def day(key: str) -> date | None:
            return parse_day(text(key))

        exception = text("has_open_exception").lower()
        return cls(
            state=text("state"),
            order_type=text("order_type"),
            channel=text("channel"),
            assignee=text("assignee"),
            review_state=text("review_state"),
            date_from=day("date_from"),
            date_to=day("date_to"),
            phone=text("phone"),
            email=text("email"),
            name=text("name"),
            q=text("q"),
            has_open_exception={"true": True, "1": True, "false": False, "0": False}.get(exception),
        )


CUSTOMER_FILTERS = ("phone", "email", "name")


def refuse_customer_filters(filters: OrderFilters, viewer: Any) -> None:
    """A role that sees customers masked may not filter by their phone, email or name:
    a match count would unmask them one guess at a time (188****8271 is 10,000 guesses).
    Refused whether or not anything matches, so the refusal itself tells nothing."""
    if can_see_customer_data(viewer):
        return
    if any(getattr(filters, key) for key in CUSTOMER_FILTERS):
        raise NotPermittedError(
            _("Your role may not search orders by the customer's phone, email or name.")
        )


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def filter_orders(
    filters: OrderFilters, queryset: QuerySet[Order] | None = None
) -> QuerySet[Order]:
    orders = queryset if queryset is not None else Order.objects.all()
    orders = orders.select_related("channel", "assignee", "recipient", "processed_by")
    if filters.state:
        orders = orders.filter(state__in=filters.state.split(","))
    if filters.order_type:
        orders = orders.filter(order_type=filters.order_type)
    if filters.channel:
        orders = orders.filter(channel__code=filters.channel)
    if filters.review_state:
        orders = orders.filter(review_state=filters.review_state)
    if filters.assignee == "none":
        orders = orders.filter(assignee__isnull=True)
    elif filters.assignee:
        orders = orders.filter(assignee__username=filters.assignee)
    if filters.date_from:
        orders = orders.filter(received_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        orders = orders.filter(received_at__lt=_day_start(filters.date_to) + timedelta(days=1))
    # Recipients are encrypted: only exact matches through the blind indexes. The order's
    # own recipient, as it was sent, not the customer record it is linked to (decision 0026).
    if filters.phone:
        orders = orders.filter(recipient__phone_index=crypto.phone_index(filters.phone))
    if filters.email:
        orders = orders.filter(recipient__email_index=crypto.email_index(filters.email))
    if filters.name:
        orders = orders.filter(recipient__name_index=crypto.name_index(filters.name))
    if filters.q:
        orders = orders.filter(
            _search(filters.q, customer_search=filters.customer_search)
        ).distinct()
    if filters.has_open_exception is not None:
        orders = orders.filter(exception_hooks.has_open_exception(filters.has_open_exception))
    return orders.order_by("-received_at", "-id")


def _search(text: str, *, customer_search: bool) -> Q:
    """The main search box: the order's own references, and where allowed the customer's
    phone, email or full name through their blind indexes (exact matches only: encrypted)."""
    found = Q(number__iexact=text) | Q(external_id__iexact=text) | Q(lines__sku__iexact=text)
    if not customer_search:
        return found
    found |= Q(recipient__name_index=crypto.name_index(text))
    if "@" in text:
        found |= Q(recipient__email_index=crypto.email_index(text))
    elif len(crypto.normalise_phone(text)) >= 5:  # digits enough to be a phone, as intake asks
        found |= Q(recipient__phone_index=crypto.phone_index(text))
    return found


def count_by_state(filters: OrderFilters) -> dict[str, int]:
    """How many orders match the other filters, per state: the list's quick filters, in one
    grouped query."""
    unstated = replace(filters, state="")
    rows = (
        filter_orders(unstated)
        .order_by()
        .values("state")
        .annotate(count=Count("id", distinct=True))
    )
    return {row["state"]: row["count"] for row in rows}


def get_order(number: str) -> Order:
    return Order.objects.select_related(
        "channel", "assignee__staff_profile", "recipient", "processed_by__staff_profile"
    ).get(number=number)
