"""What the desk tells people: its owners' alerts (console and email) when a case is
assigned, warned, breached or escalated, and customers' notices, all through the outbox
(parcelops.outbox), written in the transaction of the change that causes them."""

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from django.contrib.auth import get_user_model

from parcelops.exceptions import notices
from parcelops.exceptions.kinds import CaseType
from parcelops.exceptions.models import Case
from parcelops.outbox import actions as outbox


class CaseAlert(NamedTuple):
    """An alert about a case as the case stood when it was raised (its key names the step)."""

    user_id: int
    key: str
    kind: str
    text: str
    link: str


def case_alert(case: Case, kind: str, user_id: int | None, at: datetime) -> None:
    """Alert the case's owner, once per case, step and person (the idempotency key)."""
    send_case_alerts([alert_of(case, kind, user_id, case.order.number)])


def alert_of(case: Case, kind: str, user_id: int | None, order_number: str) -> CaseAlert | None:
    """The alert as of the case now (its step and deadline), to send with others later;
    None without a person. `order_number`: the case's order's (the caller has it at hand,
    which saves reading the order of each case)."""
    if user_id is None:
        return None
    language = "zh-hans"
    text = notices.staff_alert_text(
        kind,
        language,
        {
            "case_id": str(case.pk),
            "type_label": str(CaseType(case.type).label),
            "order_number": order_number,
            "due_at": case.due_at.isoformat(timespec="minutes"),
        },
    )
    step = (
        case.escalation_level
        if kind != "case.warned"
        else f"{case.escalation_level}.{case.warnings_given}"
    )
    return CaseAlert(
        user_id,
        key=f"case:{case.pk}:{kind}:{step}:{user_id}",
        kind=kind,
        text=text[:300],
        link=f"/exceptions/{case.pk}/",  # the case page (parcelops/exceptions/urls.py)
    )


def send_case_alerts(alerts: Iterable[CaseAlert | None]) -> None:
    """Write many cases' alerts at once: a sweep opens, warns and breaches thousands of
    cases, so the people are read in one query and the alerts and their emails written
    in one insert each (outbox.alert_many). Inactive people are not alerted."""
    wanted = [alert for alert in alerts if alert is not None]
    if not wanted:
        return
    users = (
        get_user_model()
        .objects.filter(pk__in={alert.user_id for alert in wanted}, is_active=True)
        .in_bulk()
    )
    outbox.alert_many(
        [
            outbox.AlertRequest(users[a.user_id], a.key, a.kind, a.text, a.link)
            for a in wanted
            if a.user_id in users
        ]
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
