"""Changes to shipments: creating them for packed orders, recording carrier events (through
the ingestion engine), attaching parked events, and letting orders follow their parcels."""

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date

import orjson
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from parcelops.accounts import roles
from parcelops.accounts.permissions import Actor, require_permission
from parcelops.audit.actions import record_audit
from parcelops.carriers import registry
from parcelops.carriers.detection import guess_is_valid_format, normalise_tracking_number
from parcelops.core.clock import now
from parcelops.core.errors import ActionError, FieldError, InputError
from parcelops.core.sqlsets import in_set
from parcelops.orders import actions as order_actions
from parcelops.orders.models import Order
from parcelops.orders.states import OrderState
from parcelops.tracking import ingest, rules
from parcelops.tracking.events import ParsedEvent, ProviderSummary
from parcelops.tracking.models import Shipment, UnmatchedEvent

# States in which an order can get (another) parcel.
SHIPPABLE_STATES = frozenset({OrderState.PACKED, OrderState.SHIPPED, OrderState.IN_TRANSIT})


def create_shipment(
    order: Order,
    carrier: str,
    tracking_number: str,
    actor: Actor,
    *,
    service: str = "",
    promised_delivery_date: date | None = None,
) -> Shipment:
    """Hand a packed order's parcel to a carrier: the order becomes shipped (R3.2, R4.2)."""
    require_permission(actor, roles.SHIP_ORDER)
    number = normalise_tracking_number(tracking_number)
    errors = []
    if carrier not in registry.BY_CODE:
        errors.append(FieldError("carrier", _("Unknown carrier.")))
    if not 6 <= len(number) <= 40 or not number.isalnum():
        errors.append(
            FieldError("tracking_number", _("A tracking number has 6 to 40 letters and digits."))
        )
    if errors:
        raise InputError(errors)
    try:
        with transaction.atomic():
            # Its state now, not as the caller read it: of two hand-overs at once, the second
            # adds a parcel to a shipped order.
            order = Order.objects.select_for_update().get(pk=order.pk)
            if order.state not in SHIPPABLE_STATES:
                raise ActionError(_("Only a packed or shipped order can get a parcel."))
            shipment = Shipment.objects.create(
                order=order,
                carrier=carrier,
                service=service,
                tracking_number=number,
                is_number_format_known=guess_is_valid_format(carrier, number),
                status=rules.INITIAL_STATE.status,
                substatus=rules.INITIAL_STATE.substatus,
                status_rank=rules.INITIAL_STATE.rank,
                promised_delivery_date=promised_delivery_date or order.promised_delivery_date,
                created_at=now(),
                created_by=actor if actor is not None and actor.is_authenticated else None,
            )
            record_audit(
                actor,
                "shipment.created",
                shipment,
                after={"order": order.number, "carrier": carrier, "number": number},
            )
            if order.state == OrderState.PACKED:
                order_actions.ship_order(order, actor, carrier=carrier, tracking_number=number)
    except IntegrityError as error:
        raise InputError(
            [
                FieldError(
                    "tracking_number", _("This carrier already has a shipment with this number.")
                )
            ]
        ) from error
    attach_unmatched_events(shipment)
    shipment.refresh_from_db()
    return shipment


def _parsed_from_unmatched(row: UnmatchedEvent, carrier: str) -> ParsedEvent:
    return ParsedEvent(
        provider=row.provider,
        carrier=carrier,
        tracking_number=row.tracking_number,
        occurred_at=row.occurred_at,
        local_time=row.local_time,
        offset_source=row.offset_source,
        status=row.status,
        substatus=row.substatus,
        raw_code=row.raw_code,
        raw_text=row.raw_text,
        location=row.location,
        event_id=row.event_id,
        raw=orjson.loads(row.raw or "{}"),
    )


def attach_unmatched_events(shipment: Shipment) -> int:
    """Events that arrived before the shipment existed join it now: nothing is lost."""
    parked = UnmatchedEvent.objects.filter(
        tracking_number=shipment.tracking_number, carrier__in=[shipment.carrier, ""]
    )
    rows = list(parked)
    if not rows:
        return 0
    with transaction.atomic():
        result = ingest.record_tracking_events(
            [_parsed_from_unmatched(row, shipment.carrier) for row in rows],
            received_at=min(row.received_at for row in rows),
        )
        UnmatchedEvent.objects.filter(pk__in=[row.pk for row in rows]).delete()
        follow_orders(result.changed_orders)
    return len(rows)


def record_tracking_events(
    events: Sequence[ParsedEvent],
    *,
    chunk_size: int = 5000,
    summaries: Sequence[ProviderSummary] = (),
    then: Callable[[], None] | None = None,
) -> ingest.IngestResult:
    """Store carrier events (any number, in chunks) and let the orders follow.

    `summaries`: the providers' verdicts on whole parcels sent with the events (a push's
    tag or state), applied with the last chunk. `then` is written in the same transaction
    as the events (the push they came in): events that fill more than one chunk then
    share one transaction."""
    if then is not None and len(events) <= chunk_size:
        after_store = then

        def follow_then(result: ingest.IngestResult) -> None:
            _follow(result)
            after_store()

        return ingest.record_tracking_events(events, summaries=summaries, then=follow_then)
    if then is not None:
        with transaction.atomic():
            then()
            return record_tracking_events(events, chunk_size=chunk_size, summaries=summaries)
    total = ingest.IngestResult()
    starts = range(0, len(events), chunk_size)
    for start in starts:
        # The orders follow in the chunk's own transaction, which the engine opens only
        # once the chunk is read and folded (SQLite's write lock is not held meanwhile).
        chunk = events[start : start + chunk_size]
        last = start == starts[-1]
        total.add(
            ingest.record_tracking_events(chunk, summaries=summaries if last else (), then=_follow)
        )
    if summaries and not starts:  # a push with a verdict and no checkpoints
        total.add(ingest.record_tracking_events((), summaries=summaries, then=_follow))
    return total


def _follow(result: ingest.IngestResult) -> None:
    follow_orders(result.changed_orders)


def follow_orders(order_ids: set[int]) -> int:
    """These orders follow all their parcels' statuses (the engine names the orders a
    parcel's new status can move)."""
    if not order_ids:
        return 0
    statuses: dict[int, list[str]] = defaultdict(list)
    # Raw, like the engine: on every push that moves an order, building the ORM's query
    # cost more than running it (decision 0016).
    orders_match, parameter = in_set("order_id", list(order_ids), "bigint")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT order_id, status FROM tracking_shipment WHERE {orders_match}",  # noqa: S608 (no user input in the SQL)
            [parameter],
        )
        for order_id, status in cursor.fetchall():
            statuses[order_id].append(status)
    targets = {}
    for order_id, order_statuses in statuses.items():
        target = rules.order_state_for(order_statuses)
        if target is not None:
            targets[order_id] = target
    return order_actions.follow_tracking(targets)


def revise_estimated_delivery(carrier: str, tracking_number: str, estimated: date | None) -> int:
    """A provider's new delivery estimate (AfterShip edd_revise) even without new events."""
    if estimated is None or not carrier:
        return 0
    return Shipment.objects.filter(carrier=carrier, tracking_number=tracking_number).update(
        estimated_delivery_date=estimated, version=F("version") + 1
    )
