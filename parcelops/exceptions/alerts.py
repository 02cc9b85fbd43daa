"""What the desk tells people: its owners' alerts (console and email) when a case is
assigned, warned, breached or escalated, and customers' notices, all through the outbox
(parcelops.outbox), written in the transaction of the change that causes them."""

from datetime import datetime

from django.contrib.auth import get_user_model

from parcelops.exceptions import notices
from parcelops.exceptions.kinds import CaseType
from parcelops.exceptions.models import Case
from parcelops.outbox import actions as outbox


def case_alert(case: Case, kind: str, user_id: int | None, at: datetime) -> None:
    """Alert the case's owner, once per case, step and person (the idempotency key)."""
    if user_id is None:
        return
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    language = "zh-hans"
    text = notices.staff_alert_text(
        kind,
        language,
        {
            "case_id": str(case.pk),
            "type_label": str(CaseType(case.type).label),
            "order_number": case.order.number,
            "due_at": case.due_at.isoformat(timespec="minutes"),
        },
    )
    step = (
        case.escalation_level
        if kind != "case.warned"
        else f"{case.escalation_level}.{case.warnings_given}"
    )
    outbox.alert(
        user,
        key=f"case:{case.pk}:{kind}:{step}:{user_id}",
        kind=kind,
        text=text[:300],
        link=f"/exceptions/{case.pk}/",  # the case page (parcelops/exceptions/urls.py)
    )


def customer_email(
    case: Case, *, key: str, to_address: str, subject: str, body: str, language: str
) -> None:
    outbox.queue_email(
        key=key,
        kind=f"customer.{case.type}",
        to_address=to_address,
        subject=subject,
        body=body,
        language=language,
        ref=f"exceptions.case:{case.pk}",
    )
