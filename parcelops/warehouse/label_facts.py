"""What a label and an e-waybill order say about a parcel, read in few queries: the
recipient is decrypted here, for printing only (the print action audits who did it)."""

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Prefetch

from parcelops.carriers import registry
from parcelops.core.clock import now
from parcelops.orders.models import OrderLine
from parcelops.orders.presentation import recipient_of
from parcelops.warehouse.ewaybill import ParcelFacts, Party
from parcelops.warehouse.labels import LabelFacts, Person, print_language
from parcelops.warehouse.models import Parcel, Warehouse

ADDRESS_PARTS = ("province", "city", "district", "street")


def printed_address(address: dict[str, str]) -> str:
    """The whole address as one printed line: province, city, district, street, postcode."""
    parts = [address.get(key, "") for key in ADDRESS_PARTS]
    text = " ".join(part for part in parts if part)
    postal_code = address.get("postal_code", "")
    country = address.get("country", "CN")
    if postal_code:
        text = f"{text} {postal_code}"
    if country and country != "CN":
        text = f"{text} {country}"
    return text


def destination_of(address: dict[str, str]) -> str:
    return " ".join(part for part in (address.get("province", ""), address.get("city", "")) if part)


def warehouse_address(warehouse: Warehouse) -> str:
    return " ".join(
        part for part in (warehouse.province, warehouse.city, warehouse.address) if part
    )


def parcels_for_printing(parcel_ids: Sequence[int]) -> list[Parcel]:
    """The parcels with their orders, recipients, lines and warehouses, in the given order."""
    found = (
        Parcel.objects.filter(pk__in=parcel_ids)
        .select_related("order", "order__recipient", "order__customer", "warehouse")
        .prefetch_related(
            Prefetch(
                "order__lines", queryset=OrderLine.objects.only("order_id", "name", "quantity")
            )
        )
    )
    by_id = {parcel.pk: parcel for parcel in found}
    return [by_id[pk] for pk in parcel_ids if pk in by_id]


def _carrier_name(code: str) -> str:
    info = registry.find_carrier(code)
    return info.name(print_language()) if info is not None else code


def label_facts(parcel: Parcel) -> LabelFacts:
    """A label of a parcel that has its waybill number (from parcels_for_printing)."""
    order = parcel.order
    address: dict[str, str] = dict(order.shipping_address or {})  # type: ignore[arg-type]
    recipient = recipient_of(order)
    warehouse = parcel.warehouse
    return LabelFacts(
        waybill_number=parcel.waybill_number,
        carrier_name=_carrier_name(parcel.carrier),
        service=parcel.service,
        order_number=order.number,
        sender_company=warehouse.name,
        sender=Person(
            warehouse.contact_name, warehouse.contact_phone, warehouse_address(warehouse)
        ),
        recipient=Person(recipient.name, recipient.phone, printed_address(address)),
        destination=destination_of(address),
        lines=tuple((line.name, line.quantity) for line in order.lines.all()),
        weight_grams=parcel.weight_grams,
        printed_at=now().astimezone(ZoneInfo(settings.TIME_ZONE)),
    )


def ewaybill_facts(parcel: Parcel) -> ParcelFacts:
    """What the e-waybill provider is sent for one parcel."""
    facts = label_facts(parcels_for_printing([parcel.pk])[0])
    units = sum(quantity for _name, quantity in facts.lines)
    names = "、".join(name for name, _quantity in facts.lines)
    return ParcelFacts(
        order_number=facts.order_number,
        carrier=parcel.carrier,
        service=parcel.service,
        sender=Party(
            f"{facts.sender.name}" or facts.sender_company, facts.sender.phone, facts.sender.address
        ),
        recipient=Party(facts.recipient.name, facts.recipient.phone, facts.recipient.address),
        cargo=names or str(units),
        weight_grams=parcel.weight_grams or 0,
    )
