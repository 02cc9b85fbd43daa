"""/api/v1/cases: the exception desk's queue, one case, a case reported by hand, and one
POST per action on a case. Thin: check the role, read the body, call one action of
parcelops.exceptions.actions, answer the whole case."""

from typing import Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Query, Router, Schema, Status

from parcelops.accounts import roles
from parcelops.accounts.permissions import require_permission
from parcelops.core.api_schemas import (
    CHANGES_ONE,
    MAX_ID,
    READS_BODY,
    SIGNED_IN,
    error_responses,
)
from parcelops.exceptions import actions
from parcelops.exceptions.kinds import CaseType, Resolution, Severity
from parcelops.exceptions.models import Case
from parcelops.exceptions.presentation import case_detail, case_summary, detail_queryset
from parcelops.exceptions.queries import (
    CaseFilters,
    count_cases,
    filter_cases,
    has_open_case,
    reported_target,
)

router = Router(tags=["cases"])

MAX_CENTS = 10**12  # ten billion in money: more is a typing mistake


class ShipmentRefOut(Schema):
    id: int
    tracking_number: str


class OrderRefOut(Schema):
    number: str


class CaseSummaryOut(Schema):
    id: int
    type: str
    severity: str
    state: str
    owner_tier: str
    owner: str | None = Field(description="The owner's username; null while unassigned")
    opened_at: str = Field(description="Discovery, ISO 8601 with offset")
    due_at: str = Field(description="The handling deadline, ISO 8601 with offset")
    warned_at: str | None
    breached_at: str | None
    escalation_level: int
    shipment: ShipmentRefOut | None
    order: OrderRefOut
    carrier: str = Field(description="Our carrier code; empty for a case on the order")


class EvidenceOut(Schema):
    at: str | None
    kind: str = Field(description="event | report | clock")
    status: str
    substatus: str
    location: str
    text: str


class CaseEventOut(Schema):
    kind: str
    at: str | None
    actor: str | None = Field(description="Who did it; null for the system")
    text: str
    data: dict[str, Any]


class ReplacementOut(Schema):
    id: int
    carrier: str
    tracking_number: str


class CaseDetailOut(CaseSummaryOut):
    source: str
    description: str
    escalated_at: str | None
    cleared_at: str | None
    closed_at: str | None
    resolution: str
    cause: str
    action_taken: str
    lesson: str
    refund_cents: int
    claim_cents: int
    claim_due_at: str | None
    carrier_reference: str
    replacement: ReplacementOut | None
    evidence: list[EvidenceOut]
    events: list[CaseEventOut]


class CaseListOut(Schema):
    count: int
    results: list[CaseSummaryOut]


class ReportIn(Schema):
    order: str = Field(description="The order's number")
    tracking_number: str = Field("", description="One of the order's parcels; empty: the order")
    type: CaseType
    description: str
    severity: Severity | None = Field(None, description="Default: the desk's rules decide")


class NoteIn(Schema):
    text: str


class SeverityIn(Schema):
    severity: Severity
    reason: str


class AssignIn(Schema):
    username: str


class ContactCarrierIn(Schema):
    channel: str = Field(description="How the carrier was reached (phone, email, portal, ...)")
    summary: str
    reference: str = Field("", description="The carrier's own reference for the matter")


class NotifyCustomerIn(Schema):
    language: Literal["zh-hans", "en"] | None = Field(
        None, description="Default: the customer's language"
    )
    extra: str = Field("", description="A sentence added to the template's text")


class ReshipIn(Schema):
    carrier: str = Field(description="Any of the carrier's names or codes")
    tracking_number: str
    service: str = ""


class RefundIn(Schema):
    amount_cents: int = Field(ge=1, le=MAX_CENTS)
    kind: Literal["refund", "compensation"] = "refund"
    note: str = ""


class ClaimIn(Schema):
    amount_cents: int = Field(ge=1, le=MAX_CENTS)
    evidence: str = Field(description="What the claim rests on")
    window_days: int = Field(30, ge=1, le=3650, description="The carrier's claim window")


class CloseIn(Schema):
    resolution: Resolution
    cause: str
    action_taken: str
    lesson: str


# One case changed by an action: a body that is not JSON (400), a bad field (422), the role
# may not (403), no such case (404), the case's state forbids it (409).
STEP = {200: CaseDetailOut, **error_responses(*CHANGES_ONE, *READS_BODY)}
CaseId = Path(..., ge=1, le=MAX_ID, description="The case's id")


def _answer(request: HttpRequest, case: Case, status: int = 200) -> Status:
    return Status(status, case_detail(detail_queryset().get(pk=case.pk), request.user))


def _case(request: HttpRequest, case_id: int) -> Case:
    require_permission(request.user, roles.VIEW_CASE)
    return get_object_or_404(Case.objects.select_related("order", "shipment"), pk=case_id)


@router.get(
    "",
    response={200: CaseListOut, **error_responses(*SIGNED_IN, 403, 422)},
    summary="The exception queue: list and filter cases",
    description=(
        "Breached first, then by deadline. owner is a username, me, or none (unassigned); "
        "carrier any of the carrier's names; q words of a closed case's summary."
    ),
)
def list_cases(
    request: HttpRequest,
    state: str = Query("", description="open | closed"),
    type: str = Query("", description="A case type, such as stalled"),
    severity: str = Query("", description="minor | moderate | major"),
    owner_tier: str = Query("", description="staff | head | leadership"),
    owner: str = Query("", description="A username, me, or none"),
    carrier: str = "",
    tracking_number: str = "",
    order: str = Query("", description="The order's number"),
    breached: str = Query("", description="true | false"),
    q: str = Query("", description="Words of a closed case's summary"),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=MAX_ID),
) -> dict[str, Any]:
    require_permission(request.user, roles.VIEW_CASE)
    filters = CaseFilters.from_params(request.GET, viewer=request.user)
    page = filter_cases(filters)[offset : offset + limit]
    return {"count": count_cases(filters), "results": [case_summary(c) for c in page]}


@router.get(
    "/{id}",
    response={200: CaseDetailOut, **error_responses(*SIGNED_IN, 403, 404, 422)},
    summary="One case with its evidence and timeline",
)
def get_case(request: HttpRequest, id: int = CaseId) -> dict[str, Any]:
    require_permission(request.user, roles.VIEW_CASE)
    return case_detail(get_object_or_404(detail_queryset(), pk=id), request.user)


@router.post(
    "",
    response={
        200: CaseDetailOut,
        201: CaseDetailOut,
        **error_responses(*SIGNED_IN, *READS_BODY, 403, 409),
    },
    summary="Report a case by hand",
    description=(
        "201 with the new case; 200 with the open case of the same order, parcel and type, "
        "which takes the report as evidence."
    ),
)
def report_case(request: HttpRequest, payload: ReportIn) -> Status:
    require_permission(request.user, roles.REPORT_CASE)
    order, shipment = reported_target(payload.order, payload.tracking_number)
    already_open = has_open_case(order, shipment, payload.type)
    case = actions.report_case(
        request.user,
        order=order,
        shipment=shipment,
        case_type=payload.type,
        description=payload.description,
        severity=payload.severity,
    )
    return _answer(request, case, 200 if already_open else 201)


@router.post("/{id}/note", response=STEP, summary="Add a note to a case")
def note(request: HttpRequest, payload: NoteIn, id: int = CaseId) -> Status:
    return _answer(request, actions.add_note(_case(request, id), request.user, payload.text))


@router.post("/{id}/severity", response=STEP, summary="Change a case's severity (with a reason)")
def severity(request: HttpRequest, payload: SeverityIn, id: int = CaseId) -> Status:
    case = actions.change_severity(
        _case(request, id), request.user, payload.severity, payload.reason
    )
    return _answer(request, case)


@router.post("/{id}/assign", response=STEP, summary="Give a case to a person of its tier")
def assign(request: HttpRequest, payload: AssignIn, id: int = CaseId) -> Status:
    return _answer(request, actions.assign_case(_case(request, id), request.user, payload.username))


@router.post("/{id}/contact-carrier", response=STEP, summary="Record a contact with the carrier")
def contact_carrier(
    request: HttpRequest,
    payload: ContactCarrierIn,
    id: int = CaseId,
) -> Status:
    case = actions.contact_carrier(
        _case(request, id),
        request.user,
        channel=payload.channel,
        summary=payload.summary,
        reference=payload.reference,
    )
    return _answer(request, case)


@router.post(
    "/{id}/notify-customer",
    response=STEP,
    summary="Notify the customer from the case type's template",
)
def notify_customer(
    request: HttpRequest,
    payload: NotifyCustomerIn | None = None,
    id: int = CaseId,
) -> Status:
    case = actions.notify_customer(
        _case(request, id),
        request.user,
        language=payload.language if payload else None,
        extra=payload.extra if payload else "",
    )
    return _answer(request, case)


@router.post("/{id}/reship", response=STEP, summary="Send a replacement parcel")
def reship(request: HttpRequest, payload: ReshipIn, id: int = CaseId) -> Status:
    case = actions.reship(
        _case(request, id),
        request.user,
        carrier=payload.carrier,
        tracking_number=payload.tracking_number,
        service=payload.service,
    )
    return _answer(request, case)


@router.post("/{id}/refund", response=STEP, summary="Record a refund or a compensation")
def refund(request: HttpRequest, payload: RefundIn, id: int = CaseId) -> Status:
    case = actions.refund(
        _case(request, id),
        request.user,
        amount_cents=payload.amount_cents,
        kind=payload.kind,
        note=payload.note,
    )
    return _answer(request, case)


@router.post("/{id}/claim", response=STEP, summary="File a claim with the carrier")
def claim(request: HttpRequest, payload: ClaimIn, id: int = CaseId) -> Status:
    case = actions.file_claim(
        _case(request, id),
        request.user,
        amount_cents=payload.amount_cents,
        evidence=payload.evidence,
        window_days=payload.window_days,
    )
    return _answer(request, case)


@router.post("/{id}/close", response=STEP, summary="Close a case with its resolution and summary")
def close(request: HttpRequest, payload: CloseIn, id: int = CaseId) -> Status:
    case = actions.close_case(
        _case(request, id),
        request.user,
        resolution=payload.resolution,
        cause=payload.cause,
        action_taken=payload.action_taken,
        lesson=payload.lesson,
    )
    return _answer(request, case)
