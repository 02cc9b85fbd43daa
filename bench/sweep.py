"""The desk's clock at scale: `parcelops bench sweep --shipments N`.

Creates N parcels in transit (raw inserts in big batches, their orders too), 99 % of them
with their next check in the future and 1 % due now: half of those silent for 50 hours
(the stall threshold is 48, so the sweep opens a `stalled` case on each), the other half
scanned 20 hours ago and only due for a re-check (nothing fires; the sweep raises their
next check). One logistics person per tier is on shift, so new cases are assigned and
their owners alerted as in production. A warm-up sweep over one more parcel, earlier,
stands for the worker's earlier runs. Then ONE `sweep(moment)` is timed, and a second one
at the same moment, which must find nothing (decision 0028).

Run it on an empty migrated database (a fresh PARCELOPS_DATA_DIR, or DATABASE_URL).
"""

import time
from datetime import UTC, datetime, timedelta
from typing import Any

CARRIERS = ["zto", "yto", "sto", "yunda", "sf-express", "jtexpress"]
# (province, city) of the recipients, in clear as hand-over stores them (decision 0028).
DESTINATIONS = [
    ("上海", "上海"), ("广东", "广州"), ("广东", "深圳"), ("北京", "北京"), ("四川", "成都"),
    ("湖北", "武汉"), ("陕西", "西安"), ("江苏", "南京"), ("重庆", "重庆"), ("浙江", "杭州"),
]  # fmt: skip
BATCH = 50_000  # rows a statement
DUE_EVERY = 100  # 1 % of the parcels are due
STALLED_SILENCE = timedelta(hours=50)  # past the 48 h stall threshold: a case
RECHECK_SILENCE = timedelta(hours=20)  # within it: only a re-check
WARM_UP = timedelta(days=15)  # the warm-up sweep runs this long before the timed one


def staff() -> None:
    """One person per tier of the desk, on shift (no windows: whenever available)."""
    from django.contrib.auth.models import User

    from parcelops.accounts import roles
    from parcelops.accounts.actions import set_staff_roles

    for role in (roles.LOGISTICS_STAFF, roles.LOGISTICS_HEAD, roles.LEADERSHIP):
        user = User.objects.create_user(username=f"bench_{role}", email=f"{role}@example.com")
        set_staff_roles(user, [role])


def _adapters() -> tuple[Any, Any]:
    """How a time and a date go into a raw statement: as they are for PostgreSQL's COPY,
    as Django's text for SQLite."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return (lambda value: value), (lambda value: value)
    return connection.ops.adapt_datetimefield_value, connection.ops.adapt_datefield_value


ORDER_COLUMNS = (
    "id", "number", "external_id", "customer_tier", "shipping_address", "placed_at",
    "received_at", "currency", "subtotal_cents", "discount_cents", "shipping_fee_cents",
    "total_cents", "requested_carrier", "classification_reasons", "state", "review_state",
    "has_open_exception", "is_deleted", "deletion_reason", "updated_at", "channel_id",
    "customer_id", "order_type",
)  # fmt: skip
SHIPMENT_COLUMNS = (
    "id", "order_id", "carrier", "service", "tracking_number", "is_number_format_known",
    "status", "substatus", "status_rank", "status_source", "summary_provider",
    "carrier_correction", "last_event_at", "estimated_delivery_date", "version", "created_at",
    "label_created_at", "origin_province", "destination_province", "destination_city",
    "status_changed_at", "next_check_at", "has_open_case",
)  # fmt: skip


def create_parcels(
    count: int, moment: datetime, *, due_every: int = DUE_EVERY, warm_up: bool = True
) -> int:
    """Set-up, not timed: `count` in-transit parcels and their orders; how many are due
    at `moment` (every `due_every`-th, half of those stalled). Ids are given (the tables
    are empty), and the sequences set after.

    With `warm_up`, one more parcel, the last, is for the warm-up: silent for a month,
    due at WARM_UP before `moment` and before every other one."""
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from parcelops.core import crypto
    from parcelops.core.sqlsets import insert_rows
    from parcelops.orders.models import Channel, Customer, Order
    from parcelops.orders.states import CustomerTier, OrderState, OrderType, ReviewState
    from parcelops.tracking.models import Shipment

    at, day = _adapters()
    channel, _ = Channel.objects.get_or_create(code="bench", defaults={"name": "Bench"})
    customer = Customer.objects.create(
        name="压测", phone="13900000000", phone_index=crypto.phone_index("13900000000")
    )
    # One encrypted address for every order: encrypting a million would be the set-up.
    address = Order._meta.get_field("shipping_address").get_db_prep_value(
        {"province": "浙江省", "city": "杭州市", "street": "文三路 1 号"}, connection
    )
    handed_over = moment - timedelta(days=3)
    estimate = day((moment + timedelta(days=2)).date())  # nobody is late by the dates
    due = 0
    parcels = count + 1 if warm_up else count
    for start in range(0, parcels, BATCH):
        orders, shipments = [], []
        for i in range(start, min(start + BATCH, parcels)):
            tier = CustomerTier.VIP if i % 20 == 0 else CustomerTier.REGULAR
            cents = 680_000 if i % 50 == 7 else 16_800  # a few large orders
            orders.append(
                (i + 1, f"BS{i:012d}", f"S{i}", tier, address, at(handed_over), at(handed_over),
                 "CNY", cents, 0, 0, cents, "", "[]", OrderState.IN_TRANSIT,
                 ReviewState.NOT_REQUIRED, False, False, "", at(handed_over), channel.pk,
                 customer.pk, OrderType.NORMAL)
            )  # fmt: skip
            if i == count:
                last = moment - 2 * WARM_UP
                check = moment - WARM_UP - timedelta(days=1)
            elif i % due_every == 0:
                due += 1
                stalled = i % (2 * due_every) == 0
                last = moment - (STALLED_SILENCE if stalled else RECHECK_SILENCE)
                # The stalled ones came due at their threshold; the others carry a lower
                # bound ingestion wrote (decision 0028) that has just passed.
                check = last + timedelta(hours=48) if stalled else moment - timedelta(minutes=1)
            else:
                last = moment - timedelta(hours=i % 40, minutes=i % 60)
                check = last + timedelta(hours=48)  # 9 to 48 hours ahead
            province, city = DESTINATIONS[i % len(DESTINATIONS)]
            shipments.append(
                (i + 1, i + 1, CARRIERS[i % len(CARRIERS)], "standard", f"BS{i:012d}", True,
                 "in_transit", "arrived_facility", 3, "events", "", "", at(last), estimate, 3,
                 at(handed_over), at(handed_over), "浙江", province, city, at(last), at(check),
                 False)
            )  # fmt: skip
        with transaction.atomic():
            insert_rows("orders_order", ORDER_COLUMNS, orders)
            insert_rows("tracking_shipment", SHIPMENT_COLUMNS, shipments)
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [Order, Shipment]):
            cursor.execute(statement)
        if connection.vendor == "postgresql":
            # What autovacuum would have done to tables this size by the time a sweep runs,
            # and the checkpointer: the set-up's million rows and their indexes written
            # out, not left dirty in shared buffers for the timed sweep to write (in
            # production a sweep runs each minute; a load of a million rows is not the
            # second before it).
            cursor.execute("ANALYZE orders_order, tracking_shipment")
            cursor.execute("CHECKPOINT")
        else:
            # The set-up's write-ahead log into the database file now, not at the sweep's
            # first commit (the backend checkpoints every so many changes).
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return due


def prepare(shipments: int) -> dict[str, Any]:
    """The parcels, the staff and a warm-up sweep: everything before the timed sweep."""
    from parcelops.exceptions import sla, thresholds
    from parcelops.exceptions.actions import sweep
    from parcelops.exceptions.kinds import CaseState
    from parcelops.exceptions.models import Case
    from parcelops.tracking.models import Shipment

    moment = datetime.now(UTC).replace(microsecond=0)
    started = time.perf_counter()
    staff()
    due = create_parcels(shipments, moment)
    setup = round(time.perf_counter() - started, 1)
    # The worker sweeps every minute, so its process has swept before: its per-process
    # copies are loaded and everything compiled on first use (the email validator's
    # pattern alone is 0.1 s). One sweep over the warm-up parcel, untimed; its cases are
    # then closed and the parcel left alone, so the figures are the N parcels' only.
    thresholds.lowest_limits("")
    sla.desk_settings()
    warm_up = sweep(moment - WARM_UP)
    warm_parcel = shipments + 1
    Case.objects.filter(shipment_id=warm_parcel).update(state=CaseState.CLOSED, sla_check_at=None)
    Shipment.objects.filter(pk=warm_parcel).update(next_check_at=None, has_open_case=False)
    return {
        "moment": moment,
        "due": due,
        "setup_seconds": setup,
        "created": Shipment.objects.count(),  # the parcels, the warm-up's included
        "warm_up": warm_up.as_dict(),
    }


def main(shipments: int = 1_000_000) -> dict[str, Any]:
    from django.db import connection

    from parcelops.core.runtime import settle_after_startup
    from parcelops.exceptions.actions import sweep
    from parcelops.exceptions.kinds import CaseState
    from parcelops.exceptions.models import Case
    from parcelops.tracking.models import Shipment

    prepared = prepare(shipments)
    moment = prepared["moment"]
    settle_after_startup()  # as the worker does after its start (parcelops.core.runtime)

    started, cpu_started = time.perf_counter(), time.process_time()
    report = sweep(moment)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    again_started = time.perf_counter()
    again = sweep(moment)
    again_elapsed = time.perf_counter() - again_started

    return {
        "database": connection.vendor,
        "shipments": shipments,
        "created": prepared["created"],
        "due": prepared["due"],
        "setup_seconds": prepared["setup_seconds"],
        "warm_up_sweep": prepared["warm_up"],
        "sweep_seconds": round(elapsed, 3),
        # A machine shared with other work slows the wall clock, not this figure (the
        # database server's CPU not included on PostgreSQL).
        "sweep_process_cpu_seconds": round(cpu, 3),
        "checked": report.checked,
        "opened": len(report.opened),
        "sweep": report.as_dict(),
        "open_cases": Case.objects.filter(state=CaseState.OPEN).count(),  # all the sweep's
        "parcels_flagged": Shipment.objects.filter(has_open_case=True).count(),  # as many
        "still_due": Shipment.objects.filter(next_check_at__lte=moment).count(),
        "second_sweep_seconds": round(again_elapsed, 3),
        "second_sweep": again.as_dict(),
    }
