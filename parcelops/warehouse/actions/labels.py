"""Printing labels (R3.3): one PDF for one order or a whole wave. A packed parcel without
its waybill number gets one first; the recipient is decrypted for the PDF only; each print
counts on its parcels and writes one audit record naming who printed which orders."""

from collections.abc import Sequence

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from parcelops.accounts import roles
from parcelops.accounts.permissions import Actor, require_permission
from parcelops.audit.actions import record_audit
from parcelops.core.clock import now
from parcelops.core.errors import ActionError, FieldError, InputError
from parcelops.orders.models import Order
from parcelops.orders.states import OrderState
from parcelops.warehouse import labels
from parcelops.warehouse.actions import waybills
from parcelops.warehouse.label_facts import label_facts, parcels_for_printing
from parcelops.warehouse.models import Parcel, PickLine

PRINTABLE_STATES = (OrderState.PACKED, OrderState.SHIPPED)
MAX_BATCH = 5000  # a wave's labels in one PDF; more is a mistake, not a wave
NAMED_IN_MESSAGE = 10


def orders_of_pick_list(pick_list_number: str) -> list[str]:
    """The order numbers of a pick list, in the order its walk first meets them."""
    numbers: list[str] = []
    for number in (
        PickLine.objects.filter(pick_list__number=pick_list_number)
        .order_by("sequence", "id")
        .values_list("order__number", flat=True)
    ):
        if number not in numbers:
            numbers.append(number)
    return numbers


def _named(numbers: Sequence[str]) -> str:
    shown = ", ".join(numbers[:NAMED_IN_MESSAGE])
    return shown + (
        f" (+{len(numbers) - NAMED_IN_MESSAGE})" if len(numbers) > NAMED_IN_MESSAGE else ""
    )


def print_labels(
    actor: Actor, order_numbers: Sequence[str], *, page_format: str = labels.THERMAL
) -> bytes:
    """The labels of these orders (each packed or shipped, with its parcel) in one PDF.
    Refused, printing nothing, when any order cannot have its label yet."""
    require_permission(actor, roles.PACK_ORDERS)
    require_permission(actor, roles.VIEW_CUSTOMER_DATA)
    numbers = list(dict.fromkeys(number.strip() for number in order_numbers if number.strip()))
    if page_format not in labels.FORMATS:
        raise InputError([FieldError("format", _("Choose thermal or a4."))])
    if not numbers:
        raise InputError([FieldError("orders", _("Name at least one order."))])
    if len(numbers) > MAX_BATCH:
        raise InputError(
            [FieldError("orders", _("At most %(max)d labels in one PDF.") % {"max": MAX_BATCH})]
        )
    orders = {order.number: order for order in Order.objects.filter(number__in=numbers)}
    unknown = [number for number in numbers if number not in orders]
    if unknown:
        raise InputError(
            [FieldError("orders", _("No such order: %(numbers)s.") % {"numbers": _named(unknown)})]
        )
    not_ready = [number for number in numbers if orders[number].state not in PRINTABLE_STATES]
    if not_ready:
        raise ActionError(
            _("Only a packed or shipped order has a label; not yet: %(numbers)s.")
            % {"numbers": _named(not_ready)}
        )
    parcels = {
        parcel.order_id: parcel
        for parcel in Parcel.objects.filter(order_id__in=[order.pk for order in orders.values()])
    }
    without = [number for number in numbers if orders[number].pk not in parcels]
    if without:
        raise ActionError(
            _("These orders have no parcel from the packing station: %(numbers)s.")
            % {"numbers": _named(without)}
        )
    ordered = [parcels[orders[number].pk] for number in numbers]
    if any(not parcel.waybill_number for parcel in ordered):
        ordered = waybills.assign_waybills(ordered, actor)
    unnumbered = [parcel.order.number for parcel in ordered if not parcel.waybill_number]
    if unnumbered:  # a shipped order's parcel handed over without its number
        raise ActionError(
            _("No waybill number yet: %(numbers)s.") % {"numbers": _named(unnumbered)}
        )
    printable = parcels_for_printing([parcel.pk for parcel in ordered])
    pdf = labels.render_labels([label_facts(parcel) for parcel in printable], page_format)
    _record_print(actor, printable, page_format)
    return pdf


def _record_print(actor: Actor, parcels: Sequence[Parcel], page_format: str) -> None:
    moment = now()
    ids = [parcel.pk for parcel in parcels]
    with transaction.atomic():
        Parcel.objects.filter(pk__in=ids, label_printed_at__isnull=True).update(
            label_printed_at=moment
        )
        Parcel.objects.filter(pk__in=ids).update(label_print_count=F("label_print_count") + 1)
        record_audit(
            actor,
            "labels.printed",
            ("warehouse.parcel", str(ids[0]) + (f"+{len(ids) - 1}" if len(ids) > 1 else "")),
            detail={
                "orders": [parcel.order.number for parcel in parcels],
                "format": page_format,
                "count": len(parcels),
            },
        )
