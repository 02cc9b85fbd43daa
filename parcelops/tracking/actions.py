"""Changes to shipments: creating them for packed orders, recording carrier events (through
the ingestion engine), attaching parked events, and letting orders follow their parcels."""

import dataclasses
import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

import orjson
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from parcelops.accounts import roles
from parcelops.accounts.permissions import Actor, require_permission
from parcelops.audit.actions import record_audit
from parcelops.carriers import actions as carrier_actions
from parcelops.carriers import registry
from parcelops.carriers.detection import (
    guess_is_valid_format,
    normalise_tracking_number,
    tracking_number_error,
)
from parcelops.core import crypto, metrics
from parcelops.core.clock import now
from parcelops.core.errors import ActionError, FieldError, InputError
from parcelops.core.sqlsets import in_set, values_in
from parcelops.orders import actions as order_actions
from parcelops.orders.models import Order
from parcelops.orders.states import OrderState
from parcelops.tracking import code_mappings, ingest, rules, transitions
from parcelops.tracking.events import ParsedEvent, ProviderSummary
from parcelops.tracking.events import as_utc_text as ingest_time_text
from parcelops.tracking.models import (
    CodeMapping,
    InboundPush,
    ProviderAccount,
    Shipment,
    TrackingEvent,
    UnmatchedEvent,
)
from parcelops.tracking.providers.common import EARLIEST_EVENT_TIME
from parcelops.tracking.secrets import MIN_SECRET_LENGTH, PUSH_PROVIDERS
from parcelops.tracking.status import SUBSTATUSES, TrackingStatus

logger = logging.getLogger(__name__)

# States in which an order can get (another) parcel.
SHIPPABLE_STATES = frozenset({OrderState.PACKED, OrderState.SHIPPED, OrderState.IN_TRANSIT})
# States in which a parcel can be replaced by another (a reship).
RESHIPPABLE_STATES = order_actions.RESHIPPABLE_STATES


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
    replacing: Shipment | None = None,
) -> Shipment:
    """Hand a packed order's parcel to a carrier: the order becomes shipped (R3.2, R4.2).

    `shipped_at` is when the carrier took the parcel (now unless told; a hand-over may be
    recorded late, never ahead), `label_created_at` when its label was printed.
    `replacing`: the parcel this one replaces (an exception case's reship), which then no
    longer counts toward the order's state; a delivered order can get one."""
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
            if replacing is not None:
                if replacing.order_id != order.pk or order.state not in RESHIPPABLE_STATES:
                    raise ActionError(
                        _("Only a shipped, in-transit or delivered order's parcel can be replaced.")
                    )
            elif order.state not in SHIPPABLE_STATES:
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
                **lane_of(order),
            )
            _set_first_check(shipment)
            record_audit(
                actor,
                "shipment.created",
                shipment,
                after={"order": order.number, "carrier": carrier, "number": number},
            )
            if replacing is not None:
                Shipment.objects.filter(pk=replacing.pk).update(
                    replaced_by=shipment, version=F("version") + 1
                )
                order_actions.reship_order(order, actor, carrier=carrier, tracking_number=number)
            elif order.state == OrderState.PACKED:
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


def lane_of(order: Order) -> dict[str, str]:
    """The parcel's lane in clear, city level only (decision 0028): the shop's province
    and the recipient's province and city. The street stays encrypted on the order."""
    address: dict[str, Any] = order.shipping_address or {}  # type: ignore[assignment]
    return {
        "origin_province": settings.PARCELOPS_ORIGIN_PROVINCE[:40],
        "destination_province": str(address.get("province", ""))[:40],
        "destination_city": str(address.get("city", ""))[:60],
    }


def _set_first_check(shipment: Shipment) -> None:
    """Handing over sets the first-scan deadline: the desk's next check of a parcel no
    carrier has scanned yet, from its label (or the hand-over when none was printed)."""
    next_check = transitions.next_check_function()
    if next_check is None:
        return
    since = ingest_time_text(shipment.label_created_at or shipment.created_at)
    moment = next_check(
        transitions.Transition(
            shipment_id=shipment.pk,
            order_id=shipment.order_id,
            order_state=OrderState.SHIPPED,
            carrier=shipment.carrier,
            old_status="",
            old_substatus="",
            status=shipment.status,
            substatus=shipment.substatus,
            status_since=since,
            last_event_at=None,
            estimated_delivery_date=shipment.estimated_delivery_date,
            old_estimated_delivery_date=None,
            notable=(),
        )
    )
    if moment is not None:
        Shipment.objects.filter(pk=shipment.pk).update(next_check_at=moment)
        shipment.next_check_at = moment


def _past_time_error(field: str, value: datetime | None, moment: datetime) -> FieldError | None:
    """A time the hand-over reports must carry its offset and not lie ahead of the clock
    (beyond the skew carriers' own times are allowed)."""
    if value is None:
        return None
    if timezone.is_naive(value):
        return FieldError(field, _("Must carry a UTC offset, such as +08:00."))
    if value > rules.future_cutoff(moment):
        return FieldError(field, _("Lies in the future."))
    if value < EARLIEST_EVENT_TIME:  # 0001-01-01: a placeholder; shown in a zone west of UTC
        # it would lie before year 1, which no page could write (decision 0024)
        return FieldError(
            field,
            _("Lies before %(earliest)s, so it is a placeholder rather than a real time.")
            % {"earliest": EARLIEST_EVENT_TIME.date().isoformat()},
        )
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
    events = code_mappings.with_staff_mappings(events)
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


def push_digest(body: str) -> str:
    """The key a push body is recognised by: an HMAC of the plaintext under the blind-index
    key, so equal bodies match and the digest tells nothing of what they say."""
    return crypto.blind_index("push", body)


def receive_push(
    provider: str,
    body: str,
    push_id: str,
    events: Sequence[ParsedEvent],
    summary: ProviderSummary | None = None,
    rejected: Sequence[str] = (),
) -> PushReceipt:
    """Store a verified push and its events in one transaction; a repeated delivery (same
    provider and push id, or the same body) changes nothing but the push's delivery count.

    The push row is written with the events, once the engine has read and folded them
    (SQLite's write lock is not held meanwhile; decision 0015). The body is encrypted once
    and its digest computed once; a body seen before is one row, whose deliveries count
    up (decision 0025). A body that failed before is tried again and its row is kept.
    `rejected`: the parser's reasons for the parts of the push it could not read (an
    event whose time is out of range); they stay in the stored body, and the reasons go
    in the row's error (decision 0024)."""
    receipt = _store_push(provider, body, push_id, events, summary, rejected)
    metrics.count("parcelops_tracking_pushes_total", provider=provider, outcome=receipt.value)
    if receipt is PushReceipt.STORED:  # a repeated delivery's refusals were counted once
        metrics.count("parcelops_tracking_events_total", len(rejected), outcome="rejected")
    return receipt


def _store_push(
    provider: str,
    body: str,
    push_id: str,
    events: Sequence[ParsedEvent],
    summary: ProviderSummary | None,
    rejected: Sequence[str],
) -> PushReceipt:
    """receive_push's work; the caller counts its outcome for /metrics."""
    digest = push_digest(body)
    arrived = now()
    same_body = InboundPush.objects.filter(provider=provider, body_digest=digest)
    known = same_body.values_list("pk", "outcome").first()

    def count_delivery(pushes: "QuerySet[InboundPush]", **changes: Any) -> int:
        return int(
            pushes.update(deliveries=F("deliveries") + 1, last_delivered_at=arrived, **changes)
        )

    if known is not None and known[1] == InboundPush.Outcome.PROCESSED:
        count_delivery(InboundPush.objects.filter(pk=known[0]))
        return PushReceipt.ALREADY_STORED

    def store_push() -> None:
        if known is not None:  # failed before: now processed
            count_delivery(
                InboundPush.objects.filter(pk=known[0]),
                outcome=InboundPush.Outcome.PROCESSED,
                push_id=push_id,
                error="\n".join(rejected),
            )
            return
        InboundPush.objects.create(
            provider=provider,
            push_id=push_id,
            body=body,
            body_digest=digest,
            received_at=arrived,
            last_delivered_at=arrived,
            outcome=InboundPush.Outcome.PROCESSED,
            error="\n".join(rejected),
        )
        if rejected:
            logger.warning(
                "a %s push kept %d events and refused %d parts: %s",
                provider,
                len(events),
                len(rejected),
                "; ".join(rejected)[:2000],
            )

    try:
        summaries = [summary] if summary is not None else []
        record_tracking_events(events, summaries=summaries, then=store_push)
    except IntegrityError:
        # Stored meanwhile by a delivery running beside this one.
        same_delivery = Q(provider=provider, body_digest=digest)
        if push_id:
            same_delivery |= Q(provider=provider, push_id=push_id)
        if count_delivery(InboundPush.objects.filter(same_delivery)):
            return PushReceipt.ALREADY_STORED
        raise
    except Exception as failure:
        # Keep what arrived so it can be replayed once the fault is fixed; the sender retries.
        error = "\n".join([repr(failure)[:2000], *rejected])
        if known is not None:
            count_delivery(InboundPush.objects.filter(pk=known[0]), error=error)
        else:
            InboundPush.objects.create(
                provider=provider,
                push_id="",
                body=body,
                body_digest=digest,
                received_at=arrived,
                last_delivered_at=arrived,
                outcome=InboundPush.Outcome.FAILED,
                error=error,
            )
        return PushReceipt.FAILED
    return PushReceipt.STORED


def prune_inbound_pushes(batch_size: int = 1000) -> int:
    """Delete the pushes (processed or failed) that arrived more than
    PARCELOPS_PUSH_RETENTION_DAYS ago, a bounded batch per statement; returns how many."""
    cutoff = now() - timedelta(days=settings.PARCELOPS_PUSH_RETENTION_DAYS)
    deleted = 0
    while True:
        batch = list(
            InboundPush.objects.filter(received_at__lt=cutoff)
            .order_by("received_at", "pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if batch:
            deleted += InboundPush.objects.filter(pk__in=batch).delete()[0]
        if len(batch) < batch_size:
            return deleted


def _follow(result: ingest.IngestResult) -> None:
    follow_orders(result.changed_orders)
    tell_listeners(result.transitions)


def tell_listeners(changes: Sequence[transitions.Transition]) -> None:
    """The floors above hear what moved (the exception desk detects from it), in the
    transaction of the change."""
    if changes:
        for listener in transitions.listeners():
            listener(changes)


def mark_open_cases(open_ids: set[int], closed_ids: set[int]) -> None:
    """Parcels with an exception case open, and parcels with none any more
    (Shipment.has_open_case; ingestion hands it up so clearing a case needs no query)."""
    if open_ids:
        # The ids bound as one parameter: a sweep opens thousands of cases at once.
        Shipment.objects.filter(pk__in=values_in(open_ids, "bigint"), has_open_case=False).update(
            has_open_case=True
        )
    if closed_ids:
        Shipment.objects.filter(pk__in=values_in(closed_ids, "bigint"), has_open_case=True).update(
            has_open_case=False
        )


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
            # A replaced parcel no longer counts (an exception case's reship).
            f"SELECT order_id, status FROM tracking_shipment WHERE {orders_match} "  # noqa: S608 (no user input in the SQL)
            "AND replaced_by_id IS NULL",
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
    with transaction.atomic():
        shipments = list(
            Shipment.objects.select_for_update()
            .filter(carrier=carrier, tracking_number=tracking_number)
            .select_related("order")
        )
        changed = Shipment.objects.filter(pk__in=[s.pk for s in shipments]).update(
            estimated_delivery_date=estimated, version=F("version") + 1
        )
        # A slipped estimate is a delay the desk may open a case for.
        tell_listeners(
            [
                transitions.Transition(
                    shipment_id=s.pk,
                    order_id=s.order_id,
                    order_state=s.order.state,
                    carrier=s.carrier,
                    old_status=s.status,
                    old_substatus=s.substatus,
                    status=s.status,
                    substatus=s.substatus,
                    status_since=None,
                    last_event_at=None,
                    estimated_delivery_date=estimated,
                    old_estimated_delivery_date=s.estimated_delivery_date,
                    notable=(),
                    has_open_case=s.has_open_case,
                )
                for s in shipments
                if s.estimated_delivery_date != estimated
            ]
        )
    return changed


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


# --- the inboxes: parked events attached by hand, codes mapped once -------------------------------


@dataclass(frozen=True)
class InboxOutcome:
    """What an inbox action did to the waiting events."""

    attached: int  # stored on a parcel (or found there already)
    waiting: int  # still parked: no parcel has their number and carrier yet
    refolded: int = 0  # parcels whose status was worked out again from their events


def _reingest_parked(
    rows: list[UnmatchedEvent], carrier: str, tracking_number: str = ""
) -> ingest.IngestResult:
    """Parked events go through ingestion again under this carrier (and number): those a
    parcel now takes are stored and fold, the others are parked again. In the caller's
    transaction; their first arrival stays their received time, as in
    attach_unmatched_events."""
    UnmatchedEvent.objects.filter(pk__in=[row.pk for row in rows]).delete()
    parsed = code_mappings.with_staff_mappings(
        [
            dataclasses.replace(
                _parsed_from_unmatched(row, carrier),
                tracking_number=tracking_number or row.tracking_number,
                provider_carrier=row.provider_carrier,
            )
            for row in rows
        ]
    )
    return ingest.record_tracking_events(
        parsed, received_at=min(row.received_at for row in rows), then=_follow
    )


def _attach_target(
    shipment_id: int | None, order_number: str, carrier: str
) -> tuple[Shipment | None, list[FieldError]]:
    """The parcel chosen on the attach form: one of the candidates, or the order's parcel
    with this carrier."""
    if shipment_id is not None:
        shipment = Shipment.objects.filter(pk=shipment_id).first()
        if shipment is None:
            return None, [FieldError("shipment", _("No such parcel."))]
        return shipment, []
    number, carrier = order_number.strip(), carrier.strip()
    if not number or not carrier:
        message = _("Choose a parcel, or enter an order number and its parcel's carrier.")
        return None, [FieldError("shipment", message)]
    try:
        carrier = registry.resolve_carrier(carrier)
    except registry.UnknownCarrierError as unknown:
        return None, [FieldError("carrier", unknown.message)]
    if not Order.objects.filter(number=number).exists():
        return None, [FieldError("order", _("No order with this number."))]
    found = list(Shipment.objects.filter(order__number=number, carrier=carrier)[:2])
    if not found:
        return None, [FieldError("carrier", _("This order has no parcel with this carrier."))]
    if len(found) > 1:
        message = _("This order has several parcels with this carrier: choose one of them.")
        return None, [FieldError("shipment", message)]
    return found[0], []


def attach_parked_events(
    event_ids: Sequence[int],
    actor: Actor,
    *,
    shipment_id: int | None = None,
    order_number: str = "",
    carrier: str = "",
) -> tuple[Shipment, InboxOutcome]:
    """Staff attach parked events to a parcel they chose (from the unmatched inbox): the
    events take the parcel's carrier and number and fold into its status."""
    require_permission(actor, roles.RESOLVE_TRACKING_INBOX)
    wanted = sorted(set(event_ids))
    errors = [] if wanted else [FieldError("events", _("Choose at least one event."))]
    shipment, target_errors = _attach_target(shipment_id, order_number, carrier)
    errors += target_errors
    if errors or shipment is None:
        raise InputError(errors)
    with transaction.atomic():
        rows = list(UnmatchedEvent.objects.select_for_update().filter(pk__in=wanted))
        if len(rows) != len(wanted):
            raise ActionError(
                _("Some of these events are no longer waiting: reload the page and try again.")
            )
        result = _reingest_parked(rows, shipment.carrier, shipment.tracking_number)
        record_audit(
            actor,
            "tracking.events_attached",
            shipment,
            after={
                "events": len(rows),
                "stored": result.stored,
                "numbers": sorted({row.tracking_number for row in rows}),
            },
        )
    shipment.refresh_from_db()
    return shipment, InboxOutcome(attached=result.stored + result.duplicates, waiting=0)


def _validate_mapping(provider: str, raw_code: str, status: str, substatus: str) -> None:
    errors = []
    if not provider.strip():
        errors.append(FieldError("provider", _("Name the provider.")))
    if not raw_code.strip():
        errors.append(
            FieldError("raw_code", _("An event without a code cannot be mapped by its code."))
        )
    if status not in TrackingStatus.values:
        errors.append(FieldError("status", _("Choose a status.")))
    elif substatus and substatus not in SUBSTATUSES.get(status, ()):
        errors.append(FieldError("substatus", _("This substatus does not belong to the status.")))
    if errors:
        raise InputError(errors)


def _refold_shipments(shipment_ids: set[int]) -> int:
    """Work these parcels' statuses out again from all their events (stored ones changed
    status), as ingestion does when an event arrives out of order; the orders follow."""
    if not shipment_ids:
        return 0
    shipments = {
        s.pk: s
        for s in Shipment.objects.select_for_update()
        .filter(pk__in=shipment_ids)
        .select_related("order")
        .order_by("pk")
    }
    events: dict[int, list[tuple[rules.EventFacts, bool]]] = defaultdict(list)
    stored = TrackingEvent.objects.filter(shipment_id__in=shipment_ids).values_list(
        "shipment_id", "dedupe_key", "occurred_at", "status", "substatus", "is_future",
        "is_regression",
    )  # fmt: skip
    for sid, key, occurred_at, status, substatus, is_future, was_regression in stored:
        events[sid].append(
            (rules.EventFacts(key, occurred_at, status, substatus, is_future), was_regression)
        )
    changed_orders = set()
    moved: list[transitions.Transition] = []
    for sid, shipment in shipments.items():
        state, regressions = rules.fold_events(facts for facts, _ in events[sid])
        moved.append(_refolded(shipment, state, regressions, events[sid]))
        for facts, was_regression in events[sid]:
            if (facts.key in regressions) != was_regression:
                TrackingEvent.objects.filter(shipment_id=sid, dedupe_key=facts.key).update(
                    is_regression=not was_regression
                )
        if state.status != shipment.status and rules.may_move_order(
            shipment.order.state, state.status
        ):
            changed_orders.add(shipment.order_id)
        Shipment.objects.filter(pk=sid).update(
            status=state.status,
            substatus=state.substatus,
            status_rank=state.rank,
            last_event_at=state.last_event_at,
            delivered_at=state.delivered_at,
            version=F("version") + 1,
        )
    follow_orders(changed_orders)
    tell_listeners(moved)
    return len(shipments)


def _refolded(
    shipment: Shipment,
    state: rules.ShipmentState,
    regressions: set[str],
    events: list[tuple[rules.EventFacts, bool]],
) -> transitions.Transition:
    """A parcel worked out again, as ingestion would hand it up: its events that are now
    notable (a code mapped to "damaged" shows the damage)."""
    notable = tuple(
        transitions.NotableEvent(
            facts.key,
            ingest_time_text(facts.occurred_at),
            facts.status,
            facts.substatus,
            "",
            facts.key in regressions,
            facts.is_future,
        )
        for facts, _was in events
        if facts.status in transitions.NOTABLE_STATUSES
        or facts.key in regressions
        or facts.is_future
    )
    moved = state.status != shipment.status and state.last_event_at is not None
    since = ingest_time_text(state.last_event_at) if moved else None  # type: ignore[arg-type]
    return transitions.Transition(
        shipment_id=shipment.pk,
        order_id=shipment.order_id,
        order_state=shipment.order.state,
        carrier=shipment.carrier,
        old_status=shipment.status,
        old_substatus=shipment.substatus,
        status=state.status,
        substatus=state.substatus,
        status_since=since,
        last_event_at=(
            None if state.last_event_at is None else ingest_time_text(state.last_event_at)
        ),
        estimated_delivery_date=shipment.estimated_delivery_date,
        old_estimated_delivery_date=shipment.estimated_delivery_date,
        notable=notable,
        has_open_case=shipment.has_open_case,
    )


def map_provider_code(
    provider: str, raw_code: str, status: str, substatus: str, actor: Actor
) -> InboxOutcome:
    """Staff map a provider's raw code that no table knew to a status, once: the stored
    events with it fold into their parcels, the parked ones carry it, and every later
    event with it arrives mapped."""
    require_permission(actor, roles.RESOLVE_TRACKING_INBOX)
    provider, raw_code, substatus = provider.strip(), raw_code.strip(), substatus.strip()
    _validate_mapping(provider, raw_code, status, substatus)
    existing = CodeMapping.objects.filter(provider=provider, raw_code=raw_code).first()
    # The same mapping again folds events stored unmapped while other processes had not
    # yet read it (a push between the commit and their reload); another is refused.
    if existing is not None and (existing.status, existing.substatus) != (status, substatus):
        raise ActionError(
            _("This code is mapped already, to %(status)s.") % {"status": existing.status}
        )
    try:
        with transaction.atomic():
            mapping = existing or CodeMapping.objects.create(
                provider=provider,
                raw_code=raw_code,
                status=status,
                substatus=substatus,
                created_by=actor if actor is not None and actor.is_authenticated else None,
                created_at=now(),
            )
            unmapped = TrackingEvent.objects.filter(status="", provider=provider, raw_code=raw_code)
            shipment_ids = set(unmapped.values_list("shipment_id", flat=True))
            unmapped.update(status=status, substatus=substatus)
            refolded = _refold_shipments(shipment_ids)
            waiting = UnmatchedEvent.objects.filter(
                status="", provider=provider, raw_code=raw_code
            ).update(status=status, substatus=substatus)
            record_audit(
                actor,
                "tracking.code_mapped" if existing is None else "tracking.code_mapping_reapplied",
                mapping,
                after={"provider": provider, "code": raw_code, "status": status,
                       "substatus": substatus, "parcels": refolded, "waiting": waiting},
            )  # fmt: skip
            code_mappings.mappings_changed()
    except IntegrityError as error:  # mapped by someone else a moment ago
        raise ActionError(_("This code was mapped meanwhile: reload the page.")) from error
    return InboxOutcome(attached=0, waiting=waiting, refolded=refolded)


def map_carrier_code(provider: str, provider_code: str, carrier: str, actor: Actor) -> InboxOutcome:
    """Staff say which of our carriers a provider's unknown carrier code names, once: the
    events parked for it attach to their parcels (or wait for them under that carrier)."""
    require_permission(actor, roles.RESOLVE_TRACKING_INBOX)
    provider, provider_code, carrier = provider.strip(), provider_code.strip(), carrier.strip()
    errors = []
    if not provider or not provider_code:
        errors.append(FieldError("provider_code", _("Name the provider and its carrier code.")))
    if not carrier:
        errors.append(FieldError("carrier", _("Choose a carrier.")))
    else:
        try:
            carrier = registry.resolve_carrier(carrier)
        except registry.UnknownCarrierError as unknown:
            errors.append(FieldError("carrier", unknown.message))
    if errors:
        raise InputError(errors)
    known = registry.from_provider_code(provider, provider_code)
    if known is not None and known != carrier:
        raise ActionError(
            _("This code names %(carrier)s already.") % {"carrier": registry.carrier(known).name()}
        )
    with transaction.atomic():
        if known is None:
            carrier_actions.add_provider_code(carrier, provider, provider_code, actor)
        rows = list(
            UnmatchedEvent.objects.select_for_update().filter(
                carrier="", provider=provider, provider_carrier=provider_code
            )
        )
        result = _reingest_parked(rows, carrier) if rows else ingest.IngestResult()
        record_audit(
            actor,
            "tracking.carrier_code_mapped",
            ("carriers.carrier", carrier),
            after={"provider": provider, "code": provider_code, "carrier": carrier,
                   "events": len(rows), "attached": result.stored + result.duplicates},
        )  # fmt: skip
    return InboxOutcome(attached=result.stored + result.duplicates, waiting=result.unmatched)
