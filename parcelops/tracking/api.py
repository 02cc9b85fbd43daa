"""/api/v1/tracking: carrier pushes (signed), our batch format; /api/v1/track for
customers; an order's parcels (/api/v1/orders/{number}/shipments) and /api/v1/shipments.
Thin: verify or validate, parse with the provider module, call an action, shape the answer."""

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import ConfigDict

from parcelops.accounts import roles
from parcelops.accounts.permissions import require_permission
from parcelops.carriers import registry
from parcelops.carriers.detection import normalise_tracking_number, tracking_number_error
from parcelops.core import metrics
from parcelops.core.api_schemas import (
    CHANGES_ONE,
    MAX_ID,
    READS_BODY,
    SIGNED_IN,
    FieldErrorOut,
    error_responses,
    request_body,
)
from parcelops.core.errors import FieldError, InputError, errors_body
from parcelops.core.handlers import BodyTooLargeError, read_body
from parcelops.core.ratelimit import is_rate_limited, too_many_requests_response
from parcelops.core.zones import zone_named
from parcelops.orders.models import Order
from parcelops.tracking import actions, transitions
from parcelops.tracking.events import ParsedEvent, PayloadError, ProviderSummary, SignatureError
from parcelops.tracking.models import Shipment
from parcelops.tracking.presentation import (
    find_public_shipments,
    public_view_of_row,
    staff_event_view,
    status_label,
)
from parcelops.tracking.providers import aftership, batch, kuaidi100, seventeentrack
from parcelops.tracking.queries import ShipmentFilters, filter_shipments
from parcelops.tracking.secrets import provider_secret
from parcelops.tracking.status import TrackingStatus

router = Router(tags=["tracking"])
public_router = Router(tags=["public"], auth=None)
# /api/v1/orders/{number}/shipments: an order's parcels, mounted beside the orders router so
# the paths stay under the order while orders never imports tracking.
order_shipments_router = Router(tags=["shipments"])
shipments_router = Router(tags=["shipments"])


# What the push and batch endpoints take and answer, for the OpenAPI document: their handlers
# read request.body themselves (a signature covers the raw bytes; the provider modules name
# every bad field), so these models only document.
class Kuaidi100Form(Schema):
    param: str = Field(description="The push document, JSON text")
    sign: str = Field(description="Upper-case hex MD5 of param + the subscription's salt")


class Kuaidi100Reply(Schema):
    """Kuaidi100's own reply format, for success and failure alike."""

    result: bool
    returnCode: str  # noqa: N815 (Kuaidi100's spelling)
    message: str


class AfterShipPushIn(Schema):
    """An AfterShip-style webhook, signed by the aftership-hmac-sha256 header."""

    model_config = ConfigDict(extra="allow")
    event: str = ""
    event_id: str = ""
    msg: dict[str, Any] = Field(default_factory=dict, description="The tracking")


class SeventeenTrackPushIn(Schema):
    """A 17TRACK-style push, signed by the sign header."""

    model_config = ConfigDict(extra="allow")
    event: str = ""
    data: dict[str, Any] = Field(default_factory=dict, description="The tracking")


class WebhookOk(Schema):
    ok: bool


class BatchEventIn(Schema):
    model_config = ConfigDict(extra="allow")
    carrier: str = Field(description="Any of the carrier's names or codes")
    tracking_number: str | int
    occurred_at: str = Field(examples=["2026-11-25T10:00:00+08:00"])
    status: str = ""
    substatus: str = ""
    raw_code: str | int = ""
    text: str = ""
    location: str = ""
    event_id: str | int = ""


class BatchIn(Schema):
    events: list[BatchEventIn]


class BatchResultOut(Schema):
    stored: int
    duplicates: int
    unmatched: int
    regressions: int
    future: int
    unmapped: int
    rejected: int
    outcomes: list[str] = Field(description="One per event sent, in the sender's order")
    errors: list[FieldErrorOut]


def _signature_header(name: str) -> dict[str, Any]:
    return {"in": "header", "name": name, "required": True, "schema": {"type": "string"}}


# A push: refused unsigned (401), unusable (400), over the size limit (413), failed while
# storing (500: kept for replay, the sender retries).
PUSH_REFUSALS = (400, 401, 413, 500)


def _json(status: int, body: Any) -> HttpResponse:
    return HttpResponse(orjson.dumps(body), status=status, content_type="application/json")


def _receive(
    provider: str,
    body: str,
    push_id: str,
    events: list[ParsedEvent],
    ok: Callable[[], Any],
    error: Callable[[str], Any],
    summary: ProviderSummary | None = None,
    rejected: list[str] | None = None,
) -> HttpResponse:
    """Hand the verified push to the action, and answer in the provider's words: a
    repeated delivery is as welcome as the first; a failure asks the sender to retry.
    `rejected`: the parts of the push the parser refused alone (kept in the stored body
    with their reasons; a retry would not change them, so the push is acknowledged)."""
    receipt = actions.receive_push(provider, body, push_id, events, summary, rejected or ())
    if receipt is actions.PushReceipt.FAILED:
        return _json(500, error("internal error; stored for replay"))
    return _json(200, ok())


def _refuse_signature(reply: Any) -> HttpResponse:
    return _json(401, reply)


def _too_large_message(limit: int, setting: str) -> str:
    """The 413's message, naming the limit (Django logs the 413 in one warning line)."""
    return _("The body is over the limit of %(limit)d bytes (%(setting)s).") % {
        "limit": limit,
        "setting": setting,
    }


def _push_body(request: HttpRequest) -> bytes:
    return read_body(request, settings.PARCELOPS_PUSH_MAX_BYTES)


def _push_too_large(reply: Callable[[str], Any]) -> HttpResponse:
    message = _too_large_message(settings.PARCELOPS_PUSH_MAX_BYTES, "PARCELOPS_PUSH_MAX_BYTES")
    return _json(413, reply(message))


def _kuaidi100_too_large(message: str) -> dict[str, Any]:
    return {**kuaidi100.reply_error(message), "returnCode": "413"}


@router.post(
    "/push/kuaidi100",
    auth=None,
    response=dict.fromkeys((200, *PUSH_REFUSALS), Kuaidi100Reply),
    summary="Kuaidi100 subscription push (form: param, sign)",
    openapi_extra=request_body(Kuaidi100Form, "application/x-www-form-urlencoded"),
)
def kuaidi100_push(request: HttpRequest) -> HttpResponse:
    try:
        _push_body(request)  # request.POST then parses what was read
        param = request.POST.get("param")
    except BodyTooLargeError:
        return _push_too_large(_kuaidi100_too_large)
    except RequestDataTooBig:  # a multipart form's fields are held to Django's own limit
        message = _too_large_message(
            settings.DATA_UPLOAD_MAX_MEMORY_SIZE, "PARCELOPS_BODY_MAX_BYTES"
        )
        return _json(413, _kuaidi100_too_large(message))
    salt = provider_secret("kuaidi100")
    try:
        if salt is None:
            raise SignatureError("no secret is configured for kuaidi100")
        kuaidi100.verify_signature(param or "", request.POST.get("sign") or "", salt)
    except SignatureError as refused:
        return _refuse_signature(kuaidi100.reply_error(f"signature: {refused}"))
    try:
        push = kuaidi100.parse_push(param or "")
    except PayloadError as bad:
        return _json(400, kuaidi100.reply_error(str(bad)))
    return _receive(
        "kuaidi100",
        param or "",
        "",
        push.events,
        kuaidi100.reply_ok,
        kuaidi100.reply_error,
        summary=push.summary,
        rejected=push.rejected,
    )


def _webhook_ok() -> dict[str, Any]:
    return {"ok": True}


@router.post(
    "/push/aftership",
    auth=None,
    response={200: WebhookOk, **error_responses(*PUSH_REFUSALS)},
    summary="AfterShip-style tracking webhook",
    openapi_extra={
        **request_body(AfterShipPushIn),
        "parameters": [_signature_header("aftership-hmac-sha256")],
    },
)
def aftership_push(request: HttpRequest) -> HttpResponse:
    try:
        body = _push_body(request)
    except BodyTooLargeError:
        return _push_too_large(errors_body)
    secret = provider_secret("aftership")
    try:
        if secret is None:
            raise SignatureError("no secret is configured for aftership")
        aftership.verify_signature(body, request.headers.get("aftership-hmac-sha256"), secret)
    except SignatureError as refused:
        return _refuse_signature(errors_body(f"signature: {refused}"))
    try:
        push = aftership.parse_webhook(body)
    except PayloadError as bad:
        return _json(400, errors_body(str(bad)))
    events = push.events
    response = _receive(
        "aftership",
        body.decode(),
        push.event_id or "",
        events,
        _webhook_ok,
        errors_body,
        summary=push.summary,
        rejected=push.rejected,
    )
    if response.status_code == 200:  # edd_revise pushes carry a new estimate and no checkpoints
        actions.revise_estimated_delivery(
            push.carrier, push.tracking_number, push.expected_delivery
        )
    return response


@router.post(
    "/push/17track",
    auth=None,
    response={200: WebhookOk, **error_responses(*PUSH_REFUSALS)},
    summary="17TRACK-style push",
    openapi_extra={**request_body(SeventeenTrackPushIn), "parameters": [_signature_header("sign")]},
)
def seventeentrack_push(request: HttpRequest) -> HttpResponse:
    try:
        body = _push_body(request)
    except BodyTooLargeError:
        return _push_too_large(errors_body)
    key = provider_secret("17track")
    try:
        if key is None:
            raise SignatureError("no secret is configured for 17track")
        seventeentrack.verify_signature(body, request.headers.get("sign"), key)
    except SignatureError as refused:
        return _refuse_signature(errors_body(f"signature: {refused}"))
    try:
        push = seventeentrack.parse_push(body)
    except PayloadError as bad:
        return _json(400, errors_body(str(bad)))
    return _receive(
        "17track",
        body.decode(),
        "",
        push.events,
        _webhook_ok,
        errors_body,
        summary=push.summary,
        rejected=push.rejected,
    )


@router.post(
    "/events",
    response={
        200: BatchResultOut,
        207: BatchResultOut,
        **error_responses(*SIGNED_IN, 400, 403, 413),
    },
    summary="Our batch format: a list of events (token auth)",
    description="200 when every event was taken; 207 when some were rejected (see errors).",
    openapi_extra=request_body(BatchIn),
)
def batch_events(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, roles.SHIP_ORDER)
    try:
        raw = read_body(request, settings.PARCELOPS_BATCH_MAX_BYTES)
    except BodyTooLargeError:
        message = _too_large_message(
            settings.PARCELOPS_BATCH_MAX_BYTES, "PARCELOPS_BATCH_MAX_BYTES"
        )
        return _json(413, errors_body(message))
    try:
        body = orjson.loads(raw or b"null")
    except orjson.JSONDecodeError as error:
        raise HttpError(
            400, _("The body is not valid JSON: %(reason)s") % {"reason": str(error)}
        ) from error
    try:
        events, errors = batch.parse_batch(body)
    except PayloadError as bad:
        raise HttpError(400, str(bad)) from bad
    result = actions.record_tracking_events(events)
    rejected = [
        {
            "field": f"events[{e.index}].{e.field}" if e.field else f"events[{e.index}]",
            "message": e.message,
        }
        for e in errors
    ]
    # One outcome per event sent, in the sender's order: the parsed ones interleave with the rejected.
    rejected_indexes = {e.index for e in errors}
    metrics.count("parcelops_tracking_events_total", len(rejected_indexes), outcome="rejected")
    parsed_outcomes = iter(result.outcomes)
    outcomes = [
        "rejected" if index in rejected_indexes else next(parsed_outcomes)
        for index in range(len(events) + len(rejected_indexes))
    ]
    return _json(
        200 if not rejected else 207,
        {
            **result.as_dict(),
            "rejected": len(rejected_indexes),
            "outcomes": outcomes,
            "errors": rejected,
        },
    )


def _viewer_zone(tz: str) -> ZoneInfo:
    zone = zone_named(tz or settings.TIME_ZONE)
    if zone is None:
        raise HttpError(422, _("Unknown time zone."))
    return zone


def _carrier_code(name: str) -> str:
    """?carrier= by any of the carrier's names; "" when not given."""
    if not name.strip():
        return ""
    try:
        return registry.resolve_carrier(name)
    except registry.UnknownCarrierError as unknown:
        raise InputError([FieldError("carrier", unknown.message)]) from unknown


@public_router.get(
    "/{path:tracking_number}",
    response={200: dict, **error_responses(404, 409, 422, 429)},
    summary="A parcel's tracking for customers",
)
def track(request: HttpRequest, tracking_number: str, carrier: str = "", tz: str = "") -> Any:
    if is_rate_limited(request, "public-track", settings.PARCELOPS_PUBLIC_RATE_LIMIT):
        return too_many_requests_response()
    zone = _viewer_zone(tz)
    number = normalise_tracking_number(tracking_number)
    error = tracking_number_error(number)
    if error is not None:
        raise InputError([FieldError("tracking_number", error)])
    found = find_public_shipments(number, _carrier_code(carrier))
    if not found:
        raise HttpError(404, _("No parcel with this tracking number."))
    if len(found) > 1:
        raise HttpError(409, _("Several carriers use this number: add ?carrier= to choose one."))
    return _json(200, public_view_of_row(found[0], zone, get_language() or "zh-hans"))


class ShipmentIn(Schema):
    carrier: str
    tracking_number: str
    service: str = ""
    promised_delivery_date: date | None = None
    shipped_at: datetime | None = Field(
        None, description="When the carrier took the parcel (default: now; never ahead)"
    )
    label_created_at: datetime | None = Field(None, description="When its label was printed")


class OpenCaseOut(Schema):
    id: int
    type: str
    severity: str
    owner_tier: str
    due_at: datetime
    breached_at: datetime | None


class ShipmentOut(Schema):
    id: int
    order: str = Field(description="The order's number")
    carrier: str
    tracking_number: str
    service: str
    status: str
    substatus: str
    shipped_at: datetime
    label_created_at: datetime | None
    promised_delivery_date: date | None
    estimated_delivery_date: date | None
    last_event_at: datetime | None
    delivered_at: datetime | None
    open_cases: list[OpenCaseOut] = Field(
        default_factory=list, description="The exception desk's open cases on this parcel"
    )


class ShipmentListOut(Schema):
    count: int
    results: list[ShipmentOut]


def _shipments_out(shipments: list[Shipment]) -> list[dict[str, Any]]:
    """Shipments as the API answers them, with the desk's open cases of those that have
    one (one query for the page, none when no parcel has a case)."""
    cases = transitions.open_cases_of([s.pk for s in shipments if s.has_open_case])
    return [_shipment_out(s) | {"open_cases": cases.get(s.pk, [])} for s in shipments]


def _shipment_out(shipment: Shipment) -> dict[str, Any]:
    """One shipment as the API answers it (its order's number read by select_related)."""
    return {
        "id": shipment.pk,
        "order": shipment.order.number,
        "carrier": shipment.carrier,
        "tracking_number": shipment.tracking_number,
        "service": shipment.service,
        "status": shipment.status,
        "substatus": shipment.substatus,
        "shipped_at": shipment.created_at,
        "label_created_at": shipment.label_created_at,
        "promised_delivery_date": shipment.promised_delivery_date,
        "estimated_delivery_date": shipment.estimated_delivery_date,
        "last_event_at": shipment.last_event_at,
        "delivered_at": shipment.delivered_at,
    }


def _order(number: str) -> Order:
    return get_object_or_404(Order.objects.all(), number=number)


def _order_parcels(order: Order) -> list[dict[str, Any]]:
    """An order's parcels for staff, each with its events and their raw codes."""
    zone = ZoneInfo(settings.TIME_ZONE)
    return [
        {
            "carrier": s.carrier,
            "tracking_number": s.tracking_number,
            "service": s.service,
            "status": s.status,
            "status_label": status_label(s.status),
            "substatus": s.substatus,
            "is_number_format_known": s.is_number_format_known,
            "last_event_at": s.last_event_at.isoformat() if s.last_event_at else None,
            "delivered_at": s.delivered_at.isoformat() if s.delivered_at else None,
            "estimated_delivery_date": s.estimated_delivery_date.isoformat()
            if s.estimated_delivery_date
            else None,
            "events": [staff_event_view(e, zone) for e in s.events.order_by("-occurred_at", "-id")],
        }
        for s in order.shipments.order_by("id")
    ]


@order_shipments_router.post(
    "/{number}/shipments",
    response={201: ShipmentOut, **error_responses(*CHANGES_ONE, *READS_BODY)},
    summary="Hand a packed order's parcel to a carrier",
    description=(
        "The order becomes shipped. shipped_at (the hand-over, default now) may lie in the "
        "past, never in the future; both times need a UTC offset."
    ),
)
def create_shipment(request: HttpRequest, number: str, payload: ShipmentIn) -> Status:
    shipment = actions.create_shipment(
        _order(number),
        payload.carrier,
        payload.tracking_number,
        request.user,
        service=payload.service,
        promised_delivery_date=payload.promised_delivery_date,
        shipped_at=payload.shipped_at,
        label_created_at=payload.label_created_at,
    )
    return Status(201, _shipment_out(shipment))


@order_shipments_router.get(
    "/{number}/shipments",
    response={200: list[dict], **error_responses(*SIGNED_IN, 403, 404)},
    summary="An order's parcels with their tracking events (raw codes)",
)
def order_shipments(request: HttpRequest, number: str) -> list[dict[str, Any]]:
    require_permission(request.user, roles.VIEW_ORDER)
    return _order_parcels(_order(number))


@shipments_router.get(
    "",
    response={200: ShipmentListOut, **error_responses(*SIGNED_IN, 403, 422)},
    summary="List and filter shipments",
)
def list_shipments(
    request: HttpRequest,
    tracking_number: str = "",
    order: str = Query("", description="The order's number"),
    carrier: str = Query("", description="Our carrier code"),
    status: str = "",
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=MAX_ID),
) -> dict[str, Any]:
    require_permission(request.user, roles.VIEW_ORDER)
    if status and status not in TrackingStatus.values:
        raise InputError(
            [
                FieldError(
                    "status",
                    _("Unknown status: choose one of %(statuses)s.")
                    % {"statuses": ", ".join(TrackingStatus.values)},
                )
            ]
        )
    shipments = filter_shipments(ShipmentFilters(tracking_number, order, carrier, status))
    page = list(shipments[offset : offset + limit])
    return {"count": shipments.count(), "results": _shipments_out(page)}
