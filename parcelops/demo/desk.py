"""The demo's exception desk: its clock over the last hours, the past cases the logistics
people closed, and what the queue holds at the end.

The demo's parcels went wrong (``parcelops.demo.mishaps``) and the real ingestion opened
their cases while the loader recorded their events. Here the desk's own sweep runs as the
worker would have run it since the desk went live a few hours before the demo's "now":
what was overdue at go-live was found then and is past its deadline by now (breached and
escalated one tier up), what came due later is warned or still fresh. The cases on
completed orders are the desk's past: their owners close them with a summary, through the
same actions staff use, so similar past cases and the summary search have something to show.
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db.models import Count

from parcelops.demo.data import CASE_SUMMARIES, CASE_SUMMARY_OTHERWISE
from parcelops.exceptions import actions as desk_actions
from parcelops.exceptions.kinds import CaseState, Severity
from parcelops.exceptions.models import Case

# How long before the demo's "now" the desk went live, and how often its clock ran since.
LIVE_FOR = timedelta(hours=3)
SWEEP_EVERY = timedelta(minutes=30)


@dataclass(frozen=True)
class DeskCounts:
    open_by_severity: dict[str, int]  # every open case in the database
    breached: int  # open cases past a deadline (breached stays breached)
    closed: int  # closed cases with a summary people wrote

    @property
    def open(self) -> int:
        return sum(self.open_by_severity.values())


def sweep_moments(moment: datetime) -> list[datetime]:
    """When the desk's clock ran: from go-live every SWEEP_EVERY, the last at `moment`."""
    runs = int(LIVE_FOR / SWEEP_EVERY)
    return [moment - SWEEP_EVERY * index for index in range(runs, -1, -1)]


def run_desk(moment: datetime, completed_orders: Iterable[int], owners: Mapping[str, User]) -> None:
    """The desk's clock up to the demo's "now" (`moment`), and its past cases closed.

    `completed_orders`: the orders this run completed (their open cases are closed);
    `owners`: the person of each owner tier who closes a case nobody owns."""
    *earlier, last = sweep_moments(moment)
    for at in earlier:
        desk_actions.sweep(at)
    close_past_cases(completed_orders, owners)
    desk_actions.sweep(last)  # the demo ends with the sweep at its "now"


def close_past_cases(order_ids: Iterable[int], owners: Mapping[str, User]) -> int:
    """The open cases of these (completed) orders, worked and closed by their owners with
    the summary of their type: the carrier contacted, the customer compensated where the
    summary says so, then closed. Returns how many were closed."""
    cases = list(
        Case.objects.filter(order_id__in=list(order_ids), state=CaseState.OPEN)
        .select_related("order", "shipment", "owner")
        .order_by("id")
    )
    for case in cases:
        person = case.owner or owners[case.owner_tier]
        resolution, cause, action_taken, lesson, paid_cents = CASE_SUMMARIES.get(
            case.type, CASE_SUMMARY_OTHERWISE
        )
        if case.shipment is not None:
            case = desk_actions.contact_carrier(case, person, channel="phone", summary=action_taken)
        if paid_cents:
            case = desk_actions.refund(
                case, person, amount_cents=paid_cents, kind="compensation", note=action_taken
            )
        desk_actions.close_case(
            case,
            person,
            resolution=resolution,
            cause=cause,
            action_taken=action_taken,
            lesson=lesson,
        )
    return len(cases)


def desk_counts() -> DeskCounts:
    """What the queue holds: open cases by severity and breached, and the closed ones with a
    summary."""
    open_cases = Case.objects.filter(state=CaseState.OPEN)
    by_severity = Counter(
        dict(open_cases.values_list("severity").annotate(n=Count("id")).order_by("severity"))
    )
    return DeskCounts(
        open_by_severity={severity.value: by_severity[severity.value] for severity in Severity},
        breached=open_cases.filter(breached_at__isnull=False).count(),
        closed=Case.objects.filter(state=CaseState.CLOSED).exclude(cause="").count(),
    )
