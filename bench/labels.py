"""Labels for a wave: `parcelops bench labels --orders N` (1,000 by default).

Set-up (untimed): N orders taken in through the intake action, packed, each with its
parcel for ZTO at one warehouse, and a number range. Timed: the wave's first print, one
PDF of N thermal labels through the print action (each parcel takes its waybill number
from the range, the recipients are decrypted, the PDF rendered, the print audited), then a
reprint of the same wave (numbers kept), and the A4 sheets of the same wave.

Run it on a migrated database (a fresh PARCELOPS_DATA_DIR, or DATABASE_URL).
"""

import time
from typing import Any


def set_up(orders: int) -> tuple[Any, list[str]]:
    """The packer and the order numbers of `orders` packed orders, each with its parcel for
    ZTO at one warehouse without its number yet, and a ZTO number range (also the set-up of
    the race test, parcelops/warehouse/tests/test_label_concurrent_numbers.py)."""
    from django.contrib.auth.models import User

    from conftest import VALID_ORDER
    from parcelops.accounts import roles
    from parcelops.accounts.actions import set_staff_roles
    from parcelops.core.clock import now
    from parcelops.orders import actions as order_actions
    from parcelops.orders.models import Channel, Order
    from parcelops.orders.states import OrderState
    from parcelops.warehouse.models import NumberRange, Parcel, Warehouse

    Channel.objects.get_or_create(code="web", defaults={"name": "Web shop", "kind": "web"})
    packer, _created = User.objects.get_or_create(username="bench_packer")
    set_staff_roles(packer, [roles.WAREHOUSE])
    packer = User.objects.get(pk=packer.pk)  # fresh permission cache
    warehouse, _created = Warehouse.objects.get_or_create(
        code="BENCH",
        defaults={
            "name": "杭州一号仓",
            "province": "浙江省",
            "city": "杭州市",
            "address": "余杭区文一西路 1500 号",
            "contact_name": "李仓管",
            "contact_phone": "0571-88886666",
        },
    )
    NumberRange.objects.create(
        carrier="zto", first=731_000_000_000, last=731_999_999_999, next_serial=731_000_000_000,
        digits=12, low_alert_at=0, created_at=now(),
    )  # fmt: skip
    numbers = []
    for index in range(orders):
        document = {**VALID_ORDER, "external_id": f"BENCH-{index:07d}"}
        numbers.append(order_actions.intake_order(document, None).order.number)
    ids = dict(Order.objects.filter(number__in=numbers).values_list("number", "id"))
    Order.objects.filter(pk__in=ids.values()).update(state=OrderState.PACKED)
    Parcel.objects.bulk_create(
        Parcel(order_id=ids[number], warehouse=warehouse, carrier="zto", service="标准快递",
               weight_grams=1350, packed_at=now())
        for number in numbers
    )  # fmt: skip
    return packer, numbers


def main(orders: int = 1000) -> dict[str, Any]:
    from parcelops.warehouse import labels
    from parcelops.warehouse.actions import labels as label_actions

    started = time.perf_counter()
    packer, numbers = set_up(orders)
    set_up_s = time.perf_counter() - started

    def timed(page_format: str) -> tuple[float, int]:
        begin = time.perf_counter()
        pdf = label_actions.print_labels(packer, numbers, page_format=page_format)
        return time.perf_counter() - begin, len(pdf)

    first, first_bytes = timed(labels.THERMAL)
    again, _size = timed(labels.THERMAL)
    sheets, sheet_bytes = timed(labels.A4_SHEET)
    return {
        "benchmark": "labels",
        "orders": orders,
        "set_up_s": round(set_up_s, 1),
        "first_print_s": round(first, 2),
        "first_print_pdf_bytes": first_bytes,
        "reprint_s": round(again, 2),
        "a4_sheets_s": round(sheets, 2),
        "a4_pdf_bytes": sheet_bytes,
        "target_s": 20,
        "met": first < 20,
    }
