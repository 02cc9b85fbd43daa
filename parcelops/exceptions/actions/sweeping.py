"""The sweep: the desk's clock (ARCHITECTURE.md section 5; decision 0028).

Each run takes what is due by indexed columns, never a loop over all parcels:
- parcels whose `next_check_at` has come: the time-driven rules (no first scan, no scans,
  lost, customs, pickup expiring, late) open or clear cases, and the next check is
  raised to the next moment a rule could fire, or cleared for a final status;
- approved orders not handed over within their handling time (`not_shipped`);
- open cases whose `sla_check_at` has come: warnings, breach at the deadline, then
  escalation one tier up with a new deadline.

Rows are claimed inside the batch's transaction (FOR UPDATE SKIP LOCKED on PostgreSQL;
SQLite's writer lock, taken at BEGIN, serialises sweepers), so two sweepers never handle
the same row, and a second run at the same moment changes nothing.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Exists, OuterRef

from parcelops.audit.actions import record_audit
from parcelops.core.clock import now
from parcelops.core.sqlsets import array_literal, commit_without_waiting, insert_objects
from parcelops.exceptions import alerts, detection, sla, thresholds
from parcelops.exceptions.actions._common import Owners, case_event
from parcelops.exceptions.actions.detecting import is_settled
from parcelops.exceptions.actions.opening import (
    ORDER_FIELDS_UNREAD,
    Outcome,
    Target,
    clear_conditions,
    clear_order_cases,
    open_or_update,
)
from parcelops.exceptions.kinds import (
    CaseEventKind,
    CaseSource,
    CaseState,
    CaseType,
    Measure,
    tier_above,
)
from parcelops.exceptions.models import Case, CaseEvent
from parcelops.orders.models import Order, OrderEvent
from parcelops.orders.states import OrderState
from parcelops.tracking.models import Shipment

BATCH = 5000  # rows claimed per transaction

# Orders handed over or past it no longer wait to be shipped.
NOT_YET_SHIPPED = (OrderState.APPROVED, OrderState.ALLOCATED, OrderState.PICKING, OrderState.PACKED)


@dataclass
class SweepReport:
    checked: int = 0  # parcels looked at
    opened: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    cleared: list[int] = field(default_factory=list)
    warned: list[int] = field(default_factory=list)
    breached: list[int] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)

    def take(self, outcome: Outcome) -> None:
        self.opened += outcome.opened
        self.updated += outcome.updated
        self.cleared += outcome.cleared

    def as_dict(self) -> dict[str, int]:
        return {
            "checked": self.checked,
            "opened": len(self.opened),
            "updated": len(self.updated),
            "cleared": len(self.cleared),
            "warned": len(self.warned),
            "breached": len(self.breached),
            "escalated": len(self.escalated),
        }


def sweep(moment: datetime | None = None, *, batch: int = BATCH) -> SweepReport:
    """One run of the desk's clock, at `moment` (now unless told)."""
    moment = moment or now()
    report = SweepReport()
    while _sweep_parcels(moment, batch, report) == batch:
        pass
    _sweep_orders(moment, report)
    while _sweep_cases(moment, batch, report) == batch:
        pass
    return report


FACT_FIELDS = (
    "id", "order_id", "order__state", "carrier", "service", "origin_province",
    "destination_province", "status", "substatus", "created_at", "label_created_at",
    "last_event_at", "status_changed_at", "promised_delivery_date", "estimated_delivery_date",
    "has_open_case",
)  # fmt: skip


def _claim(queryset, fields: Iterable[str], batch: int) -> list[tuple]:  # type: ignore[no-untyped-def]
    """Due rows, locked for this transaction; rows another sweeper holds are skipped."""
    if connection.vendor == "postgresql":
        queryset = queryset.select_for_update(skip_locked=True, of=("self",))
    return list(queryset.values_list(*fields)[:batch])


def _sweep_parcels(moment: datetime, batch: int, report: SweepReport) -> int:
    with transaction.atomic():
        rows = _claim(
            Shipment.objects.filter(next_check_at__lte=moment).order_by("next_check_at"),
            FACT_FIELDS,
            batch,
        )
        if not rows:
            return 0
        commit_without_waiting()
        targets: list[Target] = []
        cleared: dict[int, set[str]] = {}
        next_checks: list[tuple[datetime | None, int]] = []
        for row in rows:
            (sid, order_id, order_state, carrier, service, origin, destination, status,
             substatus, handed_over, label, last_event, since, promised, estimated,
             has_open_case) = row  # fmt: skip
            if is_settled(order_state, status):
                next_checks.append((None, sid))
                continue
            facts = detection.ShipmentFacts(
                sid, order_id, carrier, service, origin, destination, status, substatus,
                handed_over, label, last_event, since, promised, estimated,
            )  # fmt: skip
            verdict = detection.check_shipment(
                facts, moment, thresholds.limits_for(carrier, service, origin, destination)
            )
            next_checks.append((verdict.next_check_at, sid))
            targets.extend(Target(order_id, sid, carrier, s) for s in verdict.signals)
            if has_open_case and verdict.cleared:
                cleared[sid] = set(verdict.cleared)
        report.checked += len(rows)
        if cleared:
            report.take(clear_conditions(cleared, at=moment, note="clock"))
        opened: set[int] = set()
        if targets:
            outcome = open_or_update(
                targets, source=CaseSource.SWEEP, at=moment, mark_parcels=False
            )
            report.take(outcome)
            opened = outcome.open_parcels
        _set_next_checks(next_checks, opened)
        return len(rows)


def _set_next_checks(rows: list[tuple[datetime | None, int]], opened: set[int]) -> None:
    """Raise each parcel's next check (or clear it), and set the open-case flag of those
    in `opened`: one statement for the batch, and one new version of each row (on
    PostgreSQL a second update of a row whose indexed column changed writes every index
    of the table again). Raw: the ORM would send one UPDATE per parcel."""
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The arrays sent as their text (array_literal): psycopg adapts a list of
            # datetimes element by element, a tenth of the sweep's time on PostgreSQL.
            times = ",".join("NULL" if at is None else at.isoformat() for at, _ in rows)
            flags = ",".join("t" if sid in opened else "f" for _, sid in rows)
            cursor.execute(
                "UPDATE tracking_shipment AS s SET next_check_at = u.at, "
                "has_open_case = s.has_open_case OR u.open "
                "FROM unnest(%s::timestamptz[], %s::bigint[], %s::boolean[]) AS u(at, id, open) "
                "WHERE s.id = u.id",
                ["{" + times + "}", array_literal([sid for _, sid in rows]), "{" + flags + "}"],
            )
        else:
            adapt = connection.ops.adapt_datetimefield_value
            cursor.executemany(
                "UPDATE tracking_shipment SET next_check_at = %s, "
                "has_open_case = has_open_case OR %s WHERE id = %s",
                [(adapt(at), sid in opened, sid) for at, sid in rows],
            )


def _sweep_orders(moment: datetime, report: SweepReport) -> None:
    """Approved orders not handed over within their handling time get a `not_shipped`
    case; those that shipped since close theirs."""
    handling = timedelta(hours=thresholds.limits_for("", "", "", "").hours(Measure.HANDLING))
    with transaction.atomic():
        # Any such case, open or closed: one a person closed while the order still waits
        # was dealt with, and is not opened again each minute.
        had_not_shipped = Case.objects.filter(order=OuterRef("pk"), type=CaseType.NOT_SHIPPED)
        # Received before the handling time: approval comes after receipt, so this
        # (indexed: state, received_at) holds every late one; approval times decide.
        candidates = list(
            Order.objects.filter(state__in=NOT_YET_SHIPPED, received_at__lte=moment - handling)
            .exclude(Exists(had_not_shipped))
            .values_list("id", flat=True)[:BATCH]
        )
        approved = dict(
            OrderEvent.objects.filter(
                order_id__in=candidates,
                to_state=OrderState.APPROVED,
            )
            .order_by("order_id", "at")
            .values_list("order_id", "at")
        )
        targets = [
            Target(
                order_id,
                None,
                "",
                detection.Signal(
                    CaseType.NOT_SHIPPED,
                    note=f"approved {approved[order_id].isoformat()}, not handed over",
                    hours_late=(moment - approved[order_id] - handling).total_seconds() / 3600,
                ),
            )
            for order_id in candidates
            if order_id in approved
            and detection.order_not_shipped(
                approved[order_id], moment, handling.total_seconds() / 3600
            )
        ]
        if targets:
            report.take(open_or_update(targets, source=CaseSource.SWEEP, at=moment))
        shipped = list(
            Case.objects.filter(
                type=CaseType.NOT_SHIPPED, state=CaseState.OPEN, cleared_at__isnull=True
            )
            .exclude(order__state__in=NOT_YET_SHIPPED)
            .values_list("id", flat=True)
        )
        if shipped:
            report.take(clear_order_cases(shipped, at=moment, note="handed over"))


def _sweep_cases(moment: datetime, batch: int, report: SweepReport) -> int:
    """Warnings, breaches and escalations of open cases whose clock is due."""
    with transaction.atomic():
        ids = [
            row[0]
            for row in _claim(
                Case.objects.filter(state=CaseState.OPEN, sla_check_at__lte=moment).order_by(
                    "sla_check_at"
                ),
                ("id",),
                batch,
            )
        ]
        if not ids:
            return 0
        commit_without_waiting()
        cases = list(
            Case.objects.filter(pk__in=ids).select_related("order").defer(*ORDER_FIELDS_UNREAD)
        )
        owners = Owners(moment)
        events: list[CaseEvent] = []
        raised: list[alerts.CaseAlert | None] = []
        for case in cases:
            _tick(case, moment, owners, events, raised, report)
        Case.objects.bulk_update(
            cases,
            [
                "warned_at", "warnings_given", "breached_at", "is_breached", "escalated_at",
                "escalation_level", "owner_tier", "owner", "due_at", "sla_check_at",
            ],
        )  # fmt: skip
        insert_objects(events)
        alerts.send_case_alerts(raised)
        touched = report.warned + report.breached + report.escalated
        if touched:
            record_audit(
                None,
                "cases.clock",
                ("exceptions.case", "bulk"),
                detail={
                    "warned": [i for i in report.warned if i in ids],
                    "breached": [i for i in report.breached if i in ids],
                    "escalated": [i for i in report.escalated if i in ids],
                },
            )
        return len(ids)


def _tick(
    case: Case,
    moment: datetime,
    owners: Owners,
    events: list[CaseEvent],
    raised: list[alerts.CaseAlert | None],
    report: SweepReport,
) -> None:
    """One case's clock at `moment`: the warnings due, then the breach and escalation
    (their timeline entries and alerts are added to `events` and `raised`)."""
    start = case.escalated_at or case.opened_at
    warnings = sla.warning_moments(start, case.due_at)
    while case.warnings_given < len(warnings) and warnings[case.warnings_given] <= moment:
        if moment < case.due_at:  # a warning after the deadline is no warning
            case.warned_at = moment
            report.warned.append(case.pk)
            events.append(
                case_event(
                    case,
                    CaseEventKind.WARNED,
                    None,
                    moment,
                    fraction=sla.desk_settings().warning_fractions[case.warnings_given]
                    if case.warnings_given < len(sla.desk_settings().warning_fractions)
                    else None,
                    due_at=case.due_at.isoformat(),
                )
            )
            raised.append(alerts.alert_of(case, "case.warned", case.owner_id, case.order.number))
        case.warnings_given += 1
    if moment >= case.due_at:
        if case.breached_at is None:  # breached stays breached, from the first deadline
            case.breached_at = case.due_at
            case.is_breached = True
            report.breached.append(case.pk)
            events.append(
                case_event(
                    case, CaseEventKind.BREACHED, None, moment, due_at=case.due_at.isoformat()
                )
            )
            raised.append(alerts.alert_of(case, "case.breached", case.owner_id, case.order.number))
        above = tier_above(case.owner_tier)
        if above is None:
            case.sla_check_at = None  # leadership holds it; nothing more by the clock
            return
        previous_owner = case.owner_id
        case.owner_tier = above
        case.escalation_level += 1
        case.escalated_at = moment
        case.due_at = sla.escalation_due_at(case.type, above, moment)
        case.owner_id = owners.choose(above)
        case.warnings_given = 0
        report.escalated.append(case.pk)
        events.append(
            case_event(
                case,
                CaseEventKind.ESCALATED,
                None,
                moment,
                tier=above,
                owner=case.owner_id,
                previous_owner=previous_owner,
                due_at=case.due_at.isoformat(),
            )
        )
        raised.append(alerts.alert_of(case, "case.escalated", case.owner_id, case.order.number))
        warnings = sla.warning_moments(moment, case.due_at)
    else:
        warnings = sla.warning_moments(start, case.due_at)
    upcoming = warnings[case.warnings_given] if case.warnings_given < len(warnings) else None
    case.sla_check_at = min(upcoming, case.due_at) if upcoming else case.due_at
