"""What people do with a case (R5.2.2-R5.2.4): report one, note, change its severity,
assign it, contact the carrier, notify the customer, reship, refund or compensate, claim
from the carrier, and close it with a summary. Each is one transaction, a CaseEvent and an
audit record; bad input is refused whole (InputError) and a closed case refuses every
step but reading (ActionError)."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from parcelops.accounts import roles
from parcelops.accounts.permissions import Actor, require_permission
from parcelops.audit.actions import record_audit
from parcelops.carriers.names import carrier_label
from parcelops.core.clock import now
from parcelops.core.errors import ActionError, FieldError, InputError
from parcelops.exceptions import alerts, detection, notices, sla
from parcelops.exceptions.actions._common import (
    Owners,
    case_event,
    staff_user,
    sync_open_flags,
    user_of,
)
from parcelops.exceptions.actions.opening import Target, open_or_update
from parcelops.exceptions.kinds import (
    TIER_OF_SEVERITY,
    CaseEventKind,
    CaseSource,
    CaseState,
    CaseType,
    Resolution,
    Severity,
)
from parcelops.exceptions.models import Case
from parcelops.orders.models import Order
from parcelops.orders.presentation import recipient_of
from parcelops.tracking import actions as tracking_actions
from parcelops.tracking.models import Shipment
from parcelops.tracking.presentation import status_label

TEXT_LIMIT = 4000
CONTACT_CHANNELS = ("phone", "email", "portal", "api", "other")
CASE_FIELDS_AUDITED = ("state", "severity", "owner_tier", "owner_id", "due_at", "resolution")


def _snapshot(case: Case) -> dict[str, Any]:
    return {f: str(getattr(case, f)) for f in CASE_FIELDS_AUDITED}


def _locked(case: Case) -> Case:
    # Only the case's row: PostgreSQL locks no row on the nullable side of a join.
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("order", "shipment")
        .get(pk=case.pk)
    )


def _open(case: Case) -> Case:
    case = _locked(case)
    if case.state != CaseState.OPEN:
        raise ActionError(_("This case is closed."))
    return case


def _text(field: str, value: str, errors: list[FieldError], *, required: bool = True) -> str:
    """The text stripped; what is wrong with it goes into `errors` (the action refuses
    every bad field in one answer)."""
    value = (value or "").strip()
    if required and not value:
        errors.append(FieldError(field, _("This field is required.")))
    elif len(value) > TEXT_LIMIT:
        errors.append(FieldError(field, _("At most %(n)d characters.") % {"n": TEXT_LIMIT}))
    return value


def _amount(field: str, cents: Any, errors: list[FieldError]) -> int:
    """A positive amount in cents, at most 10^11; what is wrong goes into `errors`."""
    if isinstance(cents, bool) or not isinstance(cents, int) or cents <= 0:
        errors.append(FieldError(field, _("Give a positive amount in cents.")))
        return 0
    if cents > 10**11:
        errors.append(FieldError(field, _("This amount is too large.")))
    return cents


def _refuse(errors: list[FieldError]) -> None:
    """Refuse the action whole, nothing written, when any field was bad."""
    if errors:
        raise InputError(errors)


def _saved(case: Case, actor: Actor, action: str, before: dict[str, Any], **detail: Any) -> Case:
    case.save()
    record_audit(actor, action, case, before=before, after=_snapshot(case), detail=detail or None)
    return case


def report_case(
    actor: Actor,
    *,
    order: Order,
    shipment: Shipment | None = None,
    case_type: str,
    description: str,
    severity: str | None = None,
    source: str = CaseSource.STAFF,
) -> Case:
    """A case reported by hand (R5.2.1): by staff, or by customer service from a
    customer's report. An open case of the same order, parcel and type gets the report as
    evidence instead, and is the one returned."""
    require_permission(actor, roles.REPORT_CASE)
    errors: list[FieldError] = []
    if case_type not in CaseType.values:
        errors.append(FieldError("type", _("Unknown exception type.")))
    if severity not in (None, "") and severity not in Severity.values:
        errors.append(FieldError("severity", _("Choose minor, moderate or major.")))
    if source not in (CaseSource.STAFF, CaseSource.CUSTOMER):
        errors.append(FieldError("source", _("A case is reported by staff or a customer.")))
    if shipment is not None and shipment.order_id != order.pk:
        errors.append(FieldError("tracking_number", _("This parcel belongs to another order.")))
    text = _text("description", description, errors)
    _refuse(errors)
    moment = now()
    target = Target(
        order.pk,
        shipment.pk if shipment else None,
        shipment.carrier if shipment else "",
        detection.Signal(case_type, note=text[:200]),
        report=text,
    )
    with transaction.atomic():
        open_or_update(
            [target],
            source=source,
            at=moment,
            actor=actor,
            severity=severity or None,
            description=text,
        )
        return Case.objects.get(
            order=order, shipment=shipment, type=case_type, state=CaseState.OPEN
        )


@transaction.atomic
def add_note(case: Case, actor: Actor, text: str) -> Case:
    require_permission(actor, roles.HANDLE_CASE)
    errors: list[FieldError] = []
    text = _text("text", text, errors)
    _refuse(errors)
    case = _open(case)
    case_event(case, CaseEventKind.NOTE, actor, now(), text).save()
    return _saved(case, actor, "case.note", _snapshot(case))


@transaction.atomic
def change_severity(case: Case, actor: Actor, severity: str, reason: str) -> Case:
    """A person's judgement of the case's weight; the deadline is worked out again from
    the original discovery, and the case moves to that severity's tier. A breach stays."""
    require_permission(actor, roles.HANDLE_CASE)
    errors: list[FieldError] = []
    if severity not in Severity.values:
        errors.append(FieldError("severity", _("Choose minor, moderate or major.")))
    reason = _text("reason", reason, errors)
    _refuse(errors)
    case = _open(case)
    if severity == case.severity:
        raise InputError([FieldError("severity", _("The case already has this severity."))])
    before = _snapshot(case)
    moment = now()
    previous = case.severity
    case.severity = severity
    tier = TIER_OF_SEVERITY[Severity(severity)]
    case.due_at = sla.due_at(case.type, severity, case.opened_at)
    case.escalated_at = None
    case.escalation_level = 0
    warnings = sla.warning_moments(case.opened_at, case.due_at)
    case.warnings_given = sum(1 for w in warnings if w <= moment)
    upcoming = [w for w in warnings if w > moment]
    case.sla_check_at = min(upcoming[0], case.due_at) if upcoming else case.due_at
    events = [
        case_event(
            case, CaseEventKind.SEVERITY_CHANGED, actor, moment, reason,
            severity=severity, previous=previous, due_at=case.due_at.isoformat(),
        )
    ]  # fmt: skip
    if tier != case.owner_tier:
        case.owner_tier = tier
        case.owner_id = Owners(moment).choose(tier)
        events.append(case_event(case, CaseEventKind.ASSIGNED, None, moment, owner=case.owner_id))
        alerts.case_alert(case, "case.assigned", case.owner_id, moment)
    for event in events:
        event.save()
    return _saved(case, actor, "case.severity_changed", before, reason=reason)


@transaction.atomic
def assign_case(case: Case, actor: Actor, username: str) -> Case:
    require_permission(actor, roles.HANDLE_CASE)
    user = staff_user((username or "").strip())
    if user is None or not user.has_perm(roles.HANDLE_CASE):
        raise InputError(
            [
                FieldError(
                    "assignee", _("No active staff member who handles cases has this username.")
                )
            ]
        )
    case = _open(case)
    if case.owner_id == user.pk:
        raise InputError([FieldError("assignee", _("The case already has this owner."))])
    before = _snapshot(case)
    moment = now()
    case.owner = user
    case_event(case, CaseEventKind.ASSIGNED, actor, moment, owner=user.pk).save()
    alerts.case_alert(case, "case.assigned", user.pk, moment)
    return _saved(case, actor, "case.assigned", before)


@transaction.atomic
def contact_carrier(
    case: Case, actor: Actor, *, channel: str, summary: str, reference: str = ""
) -> Case:
    require_permission(actor, roles.HANDLE_CASE)
    errors: list[FieldError] = []
    if channel not in CONTACT_CHANNELS:
        errors.append(FieldError("channel", _("Choose phone, email, portal, api or other.")))
    summary = _text("summary", summary, errors)
    reference = (reference or "").strip()
    if len(reference) > 100:
        errors.append(FieldError("reference", _("At most %(n)d characters.") % {"n": 100}))
    _refuse(errors)
    case = _open(case)
    before = _snapshot(case)
    if reference:
        case.carrier_reference = reference
    case_event(
        case, CaseEventKind.CARRIER_CONTACTED, actor, now(), summary,
        channel=channel, reference=reference,
    ).save()  # fmt: skip
    return _saved(case, actor, "case.carrier_contacted", before, channel=channel)


def notice_facts(case: Case, language: str) -> dict[str, str]:
    """What a customer's notice says about their order and parcel."""
    order = case.order
    shipment = case.replacement or case.shipment
    with translation.override(language):
        status = status_label(shipment.status) if shipment else order.get_state_display()
    return {
        "order_number": order.number,
        "tracking_number": shipment.tracking_number if shipment else "",
        "carrier_name": carrier_label(shipment.carrier, language) if shipment else "",
        "customer_name": recipient_of(order).name,
        "status_label": str(status),
        "expected_date": str(
            (shipment.estimated_delivery_date or shipment.promised_delivery_date or "")
            if shipment
            else order.promised_delivery_date or ""
        ),
        "shop_name": settings.PARCELOPS_SHOP_NAME,
    }


@transaction.atomic
def notify_customer(
    case: Case, actor: Actor, *, language: str | None = None, extra: str = ""
) -> Case:
    """Tell the customer (R5.2.4, R5.3): a notice from the type's template in their
    language, through the outbox (sent by the worker, once)."""
    require_permission(actor, roles.HANDLE_CASE)
    language = language or "zh-hans"
    if language not in ("zh-hans", "en"):
        raise InputError([FieldError("language", _("Choose zh-hans or en."))])
    errors: list[FieldError] = []
    extra = _text("extra", extra, errors, required=False)
    _refuse(errors)
    case = _open(case)
    address = recipient_of(case.order).email or ""
    if not address:
        raise InputError(
            [FieldError("email", _("The customer left no email address; call them instead."))]
        )
    facts = notice_facts(case, language) | {"extra": extra}
    subject, body = notices.customer_notice(case.type, language, facts)
    sent_before = case.events.filter(kind=CaseEventKind.CUSTOMER_NOTIFIED).count()
    before = _snapshot(case)
    moment = now()
    alerts.customer_email(
        case, key=f"case:{case.pk}:notice:{sent_before + 1}", to_address=address,
        subject=subject, body=body, language=language,
    )  # fmt: skip
    case_event(
        case, CaseEventKind.CUSTOMER_NOTIFIED, actor, moment, subject, language=language
    ).save()
    return _saved(case, actor, "case.customer_notified", before, language=language)


@transaction.atomic
def reship(
    case: Case, actor: Actor, *, carrier: str, tracking_number: str, service: str = ""
) -> Case:
    """Send a replacement parcel: the replaced one no longer counts toward the order's
    delivered state (a delivered order is shipped again)."""
    require_permission(actor, roles.SETTLE_CASE)
    case = _open(case)
    if case.shipment is None:
        raise ActionError(
            _("This case is on the order, not on a parcel: hand the order over instead.")
        )
    if case.replacement_id is not None:
        raise ActionError(_("This case's parcel has already been replaced."))
    before = _snapshot(case)
    replacement = tracking_actions.create_shipment(
        case.order, carrier, tracking_number, actor, service=service, replacing=case.shipment
    )
    case.replacement = replacement
    case_event(
        case, CaseEventKind.RESHIPPED, actor, now(), "",
        carrier=replacement.carrier, tracking_number=replacement.tracking_number,
    ).save()  # fmt: skip
    return _saved(case, actor, "case.reshipped", before, replacement=replacement.pk)


@transaction.atomic
def refund(
    case: Case, actor: Actor, *, amount_cents: int, kind: str = "refund", note: str = ""
) -> Case:
    require_permission(actor, roles.SETTLE_CASE)
    errors: list[FieldError] = []
    amount_cents = _amount("amount_cents", amount_cents, errors)
    if kind not in ("refund", "compensation"):
        errors.append(FieldError("kind", _("Choose refund or compensation.")))
    note = _text("note", note, errors, required=False)
    _refuse(errors)
    case = _open(case)
    before = _snapshot(case)
    case.refund_cents += amount_cents
    case_event(
        case, CaseEventKind.REFUNDED, actor, now(), note,
        amount_cents=amount_cents, payment=kind, currency=case.order.currency,
    ).save()  # fmt: skip
    return _saved(case, actor, f"case.{kind}", before, amount_cents=amount_cents)


@transaction.atomic
def file_claim(
    case: Case, actor: Actor, *, amount_cents: int, evidence: str, window_days: int = 30
) -> Case:
    """A claim on the carrier for a lost or damaged parcel: the amount, the evidence,
    and the deadline of the claim window."""
    require_permission(actor, roles.SETTLE_CASE)
    errors: list[FieldError] = []
    amount_cents = _amount("amount_cents", amount_cents, errors)
    evidence = _text("evidence", evidence, errors)
    if (
        isinstance(window_days, bool)
        or not isinstance(window_days, int)
        or not 1 <= window_days <= 365
    ):
        errors.append(FieldError("window_days", _("Give a claim window of 1 to 365 days.")))
    _refuse(errors)
    case = _open(case)
    if case.shipment is None:
        raise ActionError(_("A carrier claim needs a parcel."))
    before = _snapshot(case)
    moment = now()
    case.claim_cents = amount_cents
    case.claim_due_at = moment + timedelta(days=window_days)
    case_event(
        case, CaseEventKind.CLAIM_FILED, actor, moment, evidence,
        amount_cents=amount_cents, claim_due_at=case.claim_due_at.isoformat(),
    ).save()  # fmt: skip
    return _saved(case, actor, "case.claim_filed", before, amount_cents=amount_cents)


@transaction.atomic
def close_case(
    case: Case, actor: Actor, *, resolution: str, cause: str, action_taken: str, lesson: str
) -> Case:
    """Close with a resolution and the summary later cases search (R5.2.4)."""
    require_permission(actor, roles.HANDLE_CASE)
    errors: list[FieldError] = []
    if resolution not in Resolution.values or resolution == Resolution.CLEARED:
        errors.append(FieldError("resolution", _("Choose how the case was resolved.")))
    texts = {}
    for field, value in (("cause", cause), ("action_taken", action_taken), ("lesson", lesson)):
        texts[field] = _text(field, value, errors)
    _refuse(errors)
    case = _open(case)
    before = _snapshot(case)
    moment = now()
    case.state = CaseState.CLOSED
    case.closed_at = moment
    case.closed_by = user_of(actor)
    case.resolution = resolution
    case.cause, case.action_taken, case.lesson = (
        texts["cause"],
        texts["action_taken"],
        texts["lesson"],
    )
    case.sla_check_at = None
    case_event(case, CaseEventKind.CLOSED, actor, moment, "", resolution=resolution).save()
    _saved(case, actor, "case.closed", before, resolution=resolution)
    sync_open_flags({case.order_id}, {case.shipment_id} if case.shipment_id else set())
    return case


def search_summaries(text: str, limit: int = 50) -> QuerySet[Case]:
    """Closed cases whose summary (cause, action, lesson) holds every word as a substring;
    on PostgreSQL also those its full-text search finds (word forms). Chinese has no
    spaces, so full text alone would find "易碎品" only as a whole run of characters,
    never inside "礼盒和易碎商品": the substrings count on both databases."""
    words = [w for w in (text or "").split() if w][:10]
    closed = Case.objects.filter(state=CaseState.CLOSED).select_related("order", "shipment")
    if not words:
        return closed.none()
    condition = Q()
    for word in words:
        condition &= (
            Q(cause__icontains=word) | Q(action_taken__icontains=word) | Q(lesson__icontains=word)
        )
    if connection.vendor == "postgresql":
        vector = SearchVector("cause", "action_taken", "lesson", config="simple")
        query = SearchQuery(" ".join(words), config="simple", search_type="plain")
        closed = closed.annotate(search=vector)
        condition |= Q(search=query)
    return closed.filter(condition).order_by("-closed_at")[:limit]


def similar_summaries(case: Case, limit: int = 5) -> list[Case]:
    """Past closed cases most like this one: the same type on the same carrier and lane
    first, then the same type, then the same carrier (R5.2.4)."""
    closed = Case.objects.filter(state=CaseState.CLOSED).exclude(pk=case.pk).exclude(cause="")
    found: list[Case] = []
    destination = case.shipment.destination_province if case.shipment else ""
    tiers = [
        closed.filter(
            type=case.type, carrier=case.carrier, shipment__destination_province=destination
        )
        if case.carrier and destination
        else closed.none(),
        closed.filter(type=case.type),
        closed.filter(carrier=case.carrier) if case.carrier else closed.none(),
    ]
    for queryset in tiers:
        for past in queryset.order_by("-closed_at")[: limit * 2]:
            if past.pk not in {f.pk for f in found}:
                found.append(past)
            if len(found) >= limit:
                return found
    return found
