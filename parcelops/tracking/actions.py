"""Changes to shipments: creating them for packed orders, recording carrier events (through
the ingestion engine), attaching parked events, and letting orders follow their parcels."""

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date, datetime
from enum import StrEnum

import orjson
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from parcelops.accounts import roles
from parcelops.accounts.permissions import Actor, require_permission
from parcelops.audit.actions import record_audit
from parcelops.carriers import registry
from parcelops.carriers.detection import (
    guess_is_valid_format,
    normalise_tracking_number,
    tracking_number_error,
)
from parcelops.core.clock import now
from parcelops.core.errors import ActionError, FieldError, InputError
from parcelops.core.sqlsets import in_set
from parcelops.orders import actions as order_actions
from parcelops.orders.models import Order
from parcelops.orders.states import OrderState
from parcelops.tracking import ingest, rules
from parcelops.tracking.events import ParsedEvent, ProviderSummary
from parcelops.tracking.models import InboundPush, ProviderAccount, Shipment, UnmatchedEvent
from parcelops.tracking.secrets import MIN_SECRET_LENGTH, PUSH_PROVIDERS

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
    shipped_at: datetime | None = None,
    label_created_at: datetime | None = None,
) -> Shipment:
    """Hand a packed order's parcel to a carrier: the order becomes shipped (R3.2, R4.2).

    `shipped_at` is when the carrier took the parcel (now unless told; a hand-over may be
    recorded late, never ahead), `label_created_at` when its label was printed."""
    require_permission(actor, roles.SHIP_ORDER)
    number = normalise_tracking_number(tracking_number)
    moment = now()
    errors = []
    try:
        carrier = registry.resolve_carrier(carrier)  # any of its names: "YTO", "shunfeng"
    except registry.UnknownCarrierError as unknown:
        errors.append(FieldError("carrier", unknown.message))
    else:
        if not registry.carrier(carrier).is_active:
            errors.append(FieldError("carrier", _("This carrier is no longer in use.")))
    number_error = tracking_number_error(number)
    if number_error is not None:
        errors.append(FieldError("tracking_number", number_error))
    for field, value in (("shipped_at", shipped_at), ("label_created_at", label_created_at)):
        if (error := _past_time_error(field, value, moment)) is not None:
            errors.append(error)
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
                created_at=shipped_at or moment,
                label_created_at=label_created_at,
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


def _past_time_error(field: str, value: datetime | None, moment: datetime) -> FieldError | None:
    """A time the hand-over reports must carry its offset and not lie ahead of the clock
    (beyond the skew carriers' own times are allowed)."""
    if value is None:
        return None
    if timezone.is_naive(value):
        return FieldError(field, _("Must carry a UTC offset, such as +08:00."))
    if value > rules.future_cutoff(moment):
        return FieldError(field, _("Lies in the future."))
    return None


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


class PushReceipt(StrEnum):
    """What became of a provider's push; the endpoint turns it into the provider's reply."""

    STORED = "stored"  # the push row and its events, in one transaction
    ALREADY_STORED = "already_stored"  # the provider retried a delivery we have
    FAILED = "failed"  # kept (outcome failed) for replay once the fault is fixed


def receive_push(
    provider: str,
    body: str,
    push_id: str,
    events: Sequence[ParsedEvent],
    summary: ProviderSummary | None = None,
) -> PushReceipt:
    """Store a verified push and its events in one transaction; a repeated delivery (same
    provider and push id) changes nothing.

    The push row is written with the events, once the engine has read and folded them
    (SQLite's write lock is not held meanwhile; decision 0015)."""

    def store_push() -> None:
        InboundPush.objects.create(
            provider=provider,
            push_id=push_id,
            body=body,
            received_at=now(),
            outcome=InboundPush.Outcome.PROCESSED,
        )

    try:
        summaries = [summary] if summary is not None else []
        record_tracking_events(events, summaries=summaries, then=store_push)
    except IntegrityError:
        if push_id and InboundPush.objects.filter(provider=provider, push_id=push_id).exists():
            return PushReceipt.ALREADY_STORED
        raise
    except Exception as failure:
        # Keep what arrived so it can be replayed once the fault is fixed; the sender retries.
        InboundPush.objects.create(
            provider=provider,
            push_id="",
            body=body,
            received_at=now(),
            outcome=InboundPush.Outcome.FAILED,
            error=repr(failure)[:2000],
        )
        return PushReceipt.FAILED
    return PushReceipt.STORED


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


@transaction.atomic
def set_provider_secret(provider: str, secret: str, actor: Actor = None) -> ProviderAccount:
    """Store (or replace) the secret a push provider signs with; audited, never logged."""
    errors = []
    if provider not in PUSH_PROVIDERS:
        errors.append(
            FieldError(
                "provider",
                _("Unknown provider: choose one of %(providers)s.")
                % {"providers": ", ".join(PUSH_PROVIDERS)},
            )
        )
    if len(secret) < MIN_SECRET_LENGTH:
        errors.append(
            FieldError(
                "secret",
                _("The secret must have at least %(count)d characters.")
                % {"count": MIN_SECRET_LENGTH},
            )
        )
    if errors:
        raise InputError(errors)
    account, _created = ProviderAccount.objects.update_or_create(
        provider=provider, defaults={"secret": secret}
    )
    record_audit(actor, "provider.secret_set", account)
    return account
