"""/api/v1/tracking: carrier pushes (signed), our batch format, and /api/v1/track for
customers. Thin: verify, parse with the provider module, hand the events to the actions."""

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from django.conf import settings
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Router
from ninja.errors import HttpError

from parcelops.accounts import roles
from parcelops.accounts.permissions import require_permission
from parcelops.core.clock import now
from parcelops.core.errors import errors_body
from parcelops.core.ratelimit import is_rate_limited, too_many_requests_response
from parcelops.core.zones import zone_named
from parcelops.tracking import actions
from parcelops.tracking.events import ParsedEvent, PayloadError, ProviderSummary, SignatureError
from parcelops.tracking.models import InboundPush
from parcelops.tracking.presentation import find_public_shipments, public_view_of_row
from parcelops.tracking.providers import aftership, batch, kuaidi100, seventeentrack
from parcelops.tracking.secrets import provider_secret

router = Router(tags=["tracking"])
public_router = Router(tags=["public"], auth=None)


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
) -> HttpResponse:
    """Store the push and its events in one transaction; a repeated delivery is a no-op.

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
        actions.record_tracking_events(events, summaries=summaries, then=store_push)
    except IntegrityError:
        if push_id and InboundPush.objects.filter(provider=provider, push_id=push_id).exists():
            return _json(200, ok())  # the sender retried a push we already have
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
        return _json(500, error("internal error; stored for replay"))
    return _json(200, ok())


def _refuse_signature(reply: Any) -> HttpResponse:
    return _json(401, reply)


@router.post(
    "/push/kuaidi100", auth=None, summary="Kuaidi100 subscription push (form: param, sign)"
)
def kuaidi100_push(request: HttpRequest) -> HttpResponse:
    param = request.POST.get("param")
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
    )


def _webhook_ok() -> dict[str, Any]:
    return {"ok": True}


@router.post("/push/aftership", auth=None, summary="AfterShip-style tracking webhook")
def aftership_push(request: HttpRequest) -> HttpResponse:
    secret = provider_secret("aftership")
    try:
        if secret is None:
            raise SignatureError("no secret is configured for aftership")
        aftership.verify_signature(
            request.body, request.headers.get("aftership-hmac-sha256"), secret
        )
    except SignatureError as refused:
        return _refuse_signature(errors_body(f"signature: {refused}"))
    try:
        push = aftership.parse_webhook(request.body)
    except PayloadError as bad:
        return _json(400, errors_body(str(bad)))
    events = push.events
    response = _receive(
        "aftership",
        request.body.decode(),
        push.event_id or "",
        events,
        _webhook_ok,
        errors_body,
        summary=push.summary,
    )
    if response.status_code == 200:  # edd_revise pushes carry a new estimate and no checkpoints
        actions.revise_estimated_delivery(
            push.carrier, push.tracking_number, push.expected_delivery
        )
    return response


@router.post("/push/17track", auth=None, summary="17TRACK-style push")
def seventeentrack_push(request: HttpRequest) -> HttpResponse:
    key = provider_secret("17track")
    try:
        if key is None:
            raise SignatureError("no secret is configured for 17track")
        seventeentrack.verify_signature(request.body, request.headers.get("sign"), key)
    except SignatureError as refused:
        return _refuse_signature(errors_body(f"signature: {refused}"))
    try:
        push = seventeentrack.parse_push(request.body)
    except PayloadError as bad:
        return _json(400, errors_body(str(bad)))
    return _receive(
        "17track",
        request.body.decode(),
        "",
        push.events,
        _webhook_ok,
        errors_body,
        summary=push.summary,
    )


@router.post("/events", summary="Our batch format: a list of events (token auth)")
def batch_events(request: HttpRequest) -> HttpResponse:
    require_permission(request.user, roles.SHIP_ORDER)
    try:
        body = orjson.loads(request.body or b"null")
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


@public_router.get("/{tracking_number}", summary="A parcel's tracking for customers")
def track(request: HttpRequest, tracking_number: str, carrier: str = "", tz: str = "") -> Any:
    if is_rate_limited(request, "public-track", settings.PARCELOPS_PUBLIC_RATE_LIMIT):
        return too_many_requests_response()
    zone = _viewer_zone(tz)
    number = "".join(tracking_number.split()).upper()
    found = find_public_shipments(number, carrier)
    if not found:
        raise HttpError(404, _("No parcel with this tracking number."))
    if len(found) > 1:
        raise HttpError(409, _("Several carriers use this number: add ?carrier= to choose one."))
    return _json(200, public_view_of_row(found[0], zone, get_language() or "zh-hans"))
