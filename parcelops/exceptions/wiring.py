"""How the desk plugs into the floors below it, called from ExceptionsConfig.ready():
ingestion's hooks (parcelops.tracking.transitions) and the pages' panels."""

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Count

from parcelops.orders import exception_hooks
from parcelops.tracking import transitions


def connect() -> None:
    from parcelops.exceptions import actions, detection, panels

    panels.register_panels()

    transitions.set_open_cases_reader(open_cases_of)
    transitions.set_case_counts_reader(case_counts_by_lane)
    exception_hooks.set_open_orders_query(open_case_orders)
    if settings.PARCELOPS_DETECTION:
        transitions.set_next_check(detection.next_check)
        transitions.listen("exceptions.detect", actions.detect_from_tracking)
    else:
        disconnect()


def disconnect() -> None:
    """Ingestion without the desk (the benchmark's "detection off")."""
    transitions.set_next_check(None)
    transitions.forget("exceptions.detect")


def open_case_orders() -> Any:
    """The ids of orders with an open case (the order list's filter), off the queue's
    (state, ...) index."""
    from parcelops.exceptions.kinds import CaseState
    from parcelops.exceptions.models import Case

    return Case.objects.filter(state=CaseState.OPEN).values("order_id")


def open_cases_of(shipment_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The open cases of parcels, for tracking's shipment answers."""
    from parcelops.exceptions.kinds import CaseState
    from parcelops.exceptions.models import Case

    found: dict[int, list[dict[str, Any]]] = {}
    cases = Case.objects.filter(shipment_id__in=shipment_ids, state=CaseState.OPEN).order_by("id")
    for case in cases.only(
        "id", "shipment_id", "type", "severity", "owner_tier", "due_at", "breached_at"
    ):
        found.setdefault(case.shipment_id or 0, []).append(
            {
                "id": case.pk,
                "type": case.type,
                "severity": case.severity,
                "owner_tier": case.owner_tier,
                "due_at": case.due_at,
                "breached_at": case.breached_at,
            }
        )
    return found


def case_counts_by_lane(since: datetime, until: datetime) -> dict[tuple[str, str, str], int]:
    """Per (carrier, origin, destination): the parcels handed over in [since, until) on
    which a case was opened, of any type (carrier choice's reliability)."""
    from parcelops.exceptions.models import Case

    # From the cases (thousands), not the parcels (a year of them).
    rows = (
        Case.objects.filter(shipment__created_at__gte=since, shipment__created_at__lt=until)
        .values_list(
            "shipment__carrier", "shipment__origin_province", "shipment__destination_province"
        )
        .annotate(parcels=Count("shipment_id", distinct=True))
        .order_by()
    )
    return {(carrier, origin, destination): n for carrier, origin, destination, n in rows}
