"""How a case is shown in the API: the queue's item (`case_summary`) and the whole case
(`case_detail`). Times are ISO 8601 with their offset (UTC, as stored).

A role that sees customers masked (parcelops.orders.presentation) sees the free texts of
a case with phone numbers and email addresses masked too: a customer's report or a
courier's scan text can carry them."""

import re
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from parcelops.exceptions.models import Case, CaseEvent, CaseEvidence
from parcelops.orders.presentation import can_see_customer_data
from parcelops.tracking.presentation import mask_phones

EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")


def mask_contacts(text: str) -> str:
    """Phone numbers and email addresses in a free text, masked as the order pages mask
    a customer's (138****5678, x***@example.com)."""
    return EMAIL.sub(r"\1***@\2", mask_phones(text))


def _masked_data(value: Any) -> Any:
    if isinstance(value, str):
        return mask_contacts(value)
    if isinstance(value, dict):
        return {key: _masked_data(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked_data(item) for item in value]
    return value


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def case_summary(case: Case) -> dict[str, Any]:
    """A case as the queue lists it (reads only queries.LIST_FIELDS)."""
    shipment = case.shipment
    return {
        "id": case.pk,
        "type": case.type,
        "severity": case.severity,
        "state": case.state,
        "owner_tier": case.owner_tier,
        "owner": case.owner.get_username() if case.owner is not None else None,
        "opened_at": iso(case.opened_at),
        "due_at": iso(case.due_at),
        "warned_at": iso(case.warned_at),
        "breached_at": iso(case.breached_at),
        "escalation_level": case.escalation_level,
        "shipment": (
            {"id": shipment.pk, "tracking_number": shipment.tracking_number}
            if shipment is not None
            else None
        ),
        "order": {"number": case.order.number},
        "carrier": case.carrier,
    }


def evidence_view(evidence: CaseEvidence, *, full: bool) -> dict[str, Any]:
    return {
        "at": iso(evidence.at),
        "kind": evidence.kind,
        "status": evidence.status,
        "substatus": evidence.substatus,
        "location": evidence.location,
        "text": evidence.text if full else mask_contacts(evidence.text),
    }


def event_view(event: CaseEvent, *, full: bool) -> dict[str, Any]:
    return {
        "kind": event.kind,
        "at": iso(event.at),
        "actor": event.actor.get_username() if event.actor is not None else None,
        "text": event.text if full else mask_contacts(event.text),
        "data": event.data if full else _masked_data(event.data),
    }


def case_detail(case: Case, viewer: Any = None) -> dict[str, Any]:
    """The whole case: the summary, its evidence and timeline, the report, the facts of
    its actions and its closing summary. Free texts are masked unless `viewer` may see
    customer data."""
    full = can_see_customer_data(viewer)

    def text(value: str) -> str:
        return value if full else mask_contacts(value)

    replacement = case.replacement
    return {
        **case_summary(case),
        "source": case.source,
        "description": text(case.description),
        "escalated_at": iso(case.escalated_at),
        "cleared_at": iso(case.cleared_at),
        "closed_at": iso(case.closed_at),
        "resolution": case.resolution,
        "cause": text(case.cause),
        "action_taken": text(case.action_taken),
        "lesson": text(case.lesson),
        "refund_cents": case.refund_cents,
        "claim_cents": case.claim_cents,
        "claim_due_at": iso(case.claim_due_at),
        "carrier_reference": case.carrier_reference,
        "replacement": (
            {
                "id": replacement.pk,
                "carrier": replacement.carrier,
                "tracking_number": replacement.tracking_number,
            }
            if replacement is not None
            else None
        ),
        "evidence": [evidence_view(item, full=full) for item in case.evidence.all()],
        "events": [event_view(event, full=full) for event in case.events.all()],
    }


def detail_queryset() -> QuerySet[Case]:
    """Cases with everything case_detail reads, in four queries however long the case."""
    return Case.objects.select_related(
        "order", "shipment", "owner", "replacement"
    ).prefetch_related("evidence", "events__actor")
