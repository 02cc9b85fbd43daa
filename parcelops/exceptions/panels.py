"""The desk's panels on the pages of the floors below it (parcelops.core.panels): the
order page lists the order's cases, open ones first, with a link to report one."""

from typing import Any

from django.http import HttpRequest

from parcelops.accounts import roles
from parcelops.core import panels
from parcelops.exceptions.kinds import CaseState
from parcelops.exceptions.models import Case
from parcelops.orders.models import Order
from parcelops.orders.slots import ORDER_PAGE


def order_cases(order: Order) -> list[Case]:
    """The order's cases: open ones first (by deadline), then the closed (newest first)."""
    cases = list(
        Case.objects.filter(order=order).select_related("shipment", "owner__staff_profile")
    )
    still_open = sorted((c for c in cases if c.state == CaseState.OPEN), key=lambda c: c.due_at)
    closed = sorted(
        (c for c in cases if c.state != CaseState.OPEN),
        key=lambda c: (c.closed_at or c.opened_at, c.pk),
        reverse=True,
    )
    return still_open + closed


def order_cases_panel(request: HttpRequest, order: Order) -> dict[str, Any] | None:
    """Shown to those who may see cases; with no case, only to those who may report one."""
    user = request.user
    if not user.has_perm(roles.VIEW_CASE):
        return None
    cases = order_cases(order)
    can_report = user.has_perm(roles.REPORT_CASE)
    if not cases and not can_report:
        return None
    return {"order": order, "cases": cases, "can_report": can_report}


def register_panels() -> None:
    panels.register(
        ORDER_PAGE,
        "exceptions.cases",
        template="exceptions/_order_cases.html",
        context=order_cases_panel,
        order=20,
    )
