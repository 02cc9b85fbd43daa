"""What the label tests share: a warehouse, packed orders with their parcels (made here
directly, as the packing station would), and the people who print and hand over."""

from datetime import UTC, datetime

from django.test import Client

from parcelops.orders.models import Order
from parcelops.orders.states import OrderState
from parcelops.orders.tests.factories import place_order
from parcelops.warehouse.models import NumberRange, Parcel, Warehouse

PACKED_AT = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)


def a_warehouse(code: str = "HZ1") -> Warehouse:
    return Warehouse.objects.create(
        code=code,
        name="杭州一号仓",
        province="浙江省",
        city="杭州市",
        address="余杭区文一西路 1500 号",
        contact_name="李仓管",
        contact_phone="0571-88886666",
    )


def a_packed_parcel(
    warehouse: Warehouse,
    external_id: str = "W-1001",
    *,
    carrier: str = "zto",
    waybill_number: str = "",
    state: str = OrderState.PACKED,
    printed: bool = False,
    weight_grams: int = 1350,
) -> Parcel:
    order = place_order(external_id=external_id)
    Order.objects.filter(pk=order.pk).update(state=state)
    return Parcel.objects.create(
        order=order,
        warehouse=warehouse,
        packed_at=PACKED_AT,
        weight_grams=weight_grams,
        carrier=carrier,
        service="标准快递",
        waybill_number=waybill_number,
        waybill_source="range" if waybill_number else "",
        label_printed_at=PACKED_AT if printed else None,
        label_print_count=1 if printed else 0,
    )


def a_range(carrier: str = "zto", **fields) -> NumberRange:
    values = {
        "prefix": "",
        "first": 731000000000,
        "last": 731000999999,
        "digits": 12,
        "check_digit": "",
        "low_alert_at": 10,
        **fields,
    }
    values.setdefault("next_serial", values["first"])
    return NumberRange.objects.create(carrier=carrier, created_at=PACKED_AT, **values)


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
