"""Opening cases and clearing them, set-based: from ingestion (one call per chunk, in
its transaction), from the sweep, and from a person's report. A repeated signal adds
evidence to the open case of its (order, parcel, type) instead of opening another; a
cleared condition is recorded, and closes the types it settles."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q

from parcelops.accounts.permissions import Actor
from parcelops.audit.actions import record_audit
from parcelops.core.sqlsets import IGNORE_CONFLICTS, insert_objects, unsaved, values_in
from parcelops.exceptions import alerts, detection, sla
from parcelops.exceptions.actions._common import (
    Owners,
    case_event,
    mark_open_flags,
    sync_open_flags,
)
from parcelops.exceptions.kinds import (
    SELF_CLEARING_TYPES,
    TIER_OF_SEVERITY,
    CaseEventKind,
    CaseState,
    Resolution,
    Severity,
)
from parcelops.exceptions.models import Case, CaseEvent, CaseEvidence
from parcelops.orders.models import Order
from parcelops.tracking.transitions import NotableEvent

Key = tuple[int, int | None, str]  # (order, parcel or None, type)


@dataclass
class Target:
    """A signal about one order or parcel: the case it opens or adds to."""

    order_id: int
    shipment_id: int | None
    carrier: str
    signal: detection.Signal
    report: str = ""  # a person's words, kept as evidence

    @property
    def key(self) -> Key:
        return (self.order_id, self.shipment_id, self.signal.type)


@dataclass
class Outcome:
    opened: list[int] = field(default_factory=list)  # case ids
    updated: list[int] = field(default_factory=list)  # open cases that got new evidence
    cleared: list[int] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)  # of those, closed by themselves
    # Parcels with a case open after open_or_update (their flag is the caller's to set
    # when it asked so: mark_parcels=False).
    open_parcels: set[int] = field(default_factory=set)

    def add(self, other: "Outcome") -> None:
        self.opened += other.opened
        self.updated += other.updated
        self.cleared += other.cleared
        self.closed += other.closed
        self.open_parcels |= other.open_parcels


def _evidence_rows(case: Case, target: Target, at: datetime) -> list[CaseEvidence]:
    rows = [
        unsaved(
            CaseEvidence,
            case_id=case.pk,
            at=detection.as_moment(event.occurred_at) or at,
            kind="event",
            event_key=event.key,
            status=event.status,
            substatus=event.substatus,
            location=event.location,
            text=target.signal.note,
        )
        for event in target.signal.evidence
    ]
    if target.report:
        rows.append(
            unsaved(CaseEvidence, case_id=case.pk, at=at, kind="report", text=target.report)
        )
    elif not rows:
        rows.append(
            unsaved(CaseEvidence, case_id=case.pk, at=at, kind="clock", text=target.signal.note)
        )
    return rows


# The order's columns the desk never reads when it loads cases in bulk (the sweep,
# ingestion's detection): its encrypted address above all, so a row a process with stale
# keys cannot decrypt never stops a whole sweep (and decrypting it cost a fifth of one).
ORDER_FIELDS_UNREAD = ("order__shipping_address", "order__classification_reasons")


def _open_cases(keys: Iterable[Key]) -> dict[Key, Case]:
    keys = set(keys)
    if not keys:
        return {}
    orders = {k[0] for k in keys}
    types = {k[2] for k in keys}
    found: dict[Key, Case] = {}
    # With their orders (the alerts name them), without what only the order's pages read:
    # decrypting an address per case was a fifth of a sweep's time.
    for case in (
        Case.objects.filter(
            state=CaseState.OPEN, order_id__in=values_in(orders, "bigint"), type__in=types
        )
        .select_related("order")
        .defer(*ORDER_FIELDS_UNREAD)
    ):
        key = (case.order_id, case.shipment_id, case.type)
        if key in keys:
            found[key] = case
    return found


def open_or_update(
    targets: Sequence[Target],
    *,
    source: str,
    at: datetime,
    actor: Actor = None,
    severity: str | None = None,
    description: str = "",
    mark_parcels: bool = True,
) -> Outcome:
    """Open a case for each new (order, parcel, type), or add the evidence to the open one.

    Set-based, for ingestion's chunks and the sweep: a few queries however many targets,
    one audit record per call. Inside the caller's transaction. `mark_parcels=False`:
    the caller sets the parcels' open-case flags (outcome.open_parcels) in a write of its
    own to those rows (the sweep's next checks), which saves writing each row twice."""
    outcome = Outcome()
    merged: dict[Key, Target] = {}
    for target in targets:
        earlier = merged.get(target.key)
        if earlier is None:
            merged[target.key] = target
        else:  # two signals of one type in a batch: one case, all the evidence
            earlier.signal = detection.Signal(
                earlier.signal.type,
                earlier.signal.evidence + target.signal.evidence,
                earlier.signal.note,
                max(earlier.signal.hours_late, target.signal.hours_late),
            )
    if not merged:
        return outcome
    existing = _open_cases(merged)
    new_keys = [key for key in merged if key not in existing]
    if new_keys:
        created = _create_cases(
            [merged[k] for k in new_keys], source, at, actor, severity, description
        )
        for key in new_keys:
            case = created.get(key)
            if case is not None and case.opened_at == at and case.source == source:
                outcome.opened.append(case.pk)
        existing.update(created)
    events: list[CaseEvent] = []
    evidence: list[CaseEvidence] = []
    for key, target in merged.items():
        case = existing.get(key)
        if case is None:
            continue
        evidence.extend(_evidence_rows(case, target, at))
        if case.pk not in outcome.opened:
            outcome.updated.append(case.pk)
            events.append(
                case_event(
                    case,
                    CaseEventKind.EVIDENCE,
                    actor,
                    at,
                    target.report or target.signal.note,
                    events=[e.key for e in target.signal.evidence],
                )
            )
    # Evidence of an event is kept once per case (its key); a repeat of a stored event
    # is no news.
    insert_objects(evidence, on_conflict=IGNORE_CONFLICTS)
    insert_objects(events)
    if outcome.opened or outcome.updated:
        record_audit(
            actor,
            "cases.opened" if outcome.opened else "cases.evidence",
            ("exceptions.case", "bulk"),
            detail={"opened": outcome.opened, "updated": outcome.updated, "source": source},
        )
    # Every key now has its open case: the flags are set without asking which.
    outcome.open_parcels = {k[1] for k in existing if k[1] is not None}
    mark_open_flags({k[0] for k in existing}, outcome.open_parcels if mark_parcels else set())
    return outcome


def _create_cases(
    targets: list[Target],
    source: str,
    at: datetime,
    actor: Actor,
    severity: str | None,
    description: str,
) -> dict[Key, Case]:
    """Insert a case for each target (one that another writer opened meanwhile is kept
    instead), with its opening entries and its owner's alert; the open cases of the
    targets' keys as they now are."""
    orders = {
        o["id"]: o
        for o in Order.all_objects.filter(
            pk__in=values_in({t.order_id for t in targets}, "bigint")
        ).values("id", "number", "total_cents", "customer_tier")
    }
    owners = Owners(at)
    clocks: dict[tuple[str, str], tuple[datetime, datetime]] = {}  # deadline, first check
    cases = []
    for target in targets:
        order = orders[target.order_id]
        level = severity or detection.severity_for(
            target.signal.type,
            order_total_cents=order["total_cents"],
            customer_tier=order["customer_tier"],
            hours_late=target.signal.hours_late,
        )
        tier = TIER_OF_SEVERITY[Severity(level)]
        clock = clocks.get((target.signal.type, level))
        if clock is None:  # the same for every case of a type and severity opened at `at`
            due = sla.due_at(target.signal.type, level, at)
            warnings = sla.warning_moments(at, due)
            clock = clocks[target.signal.type, level] = (due, warnings[0] if warnings else due)
        due, first_check = clock
        cases.append(
            unsaved(
                Case,
                type=target.signal.type,
                severity=level,
                source=source,
                order_id=target.order_id,
                shipment_id=target.shipment_id,
                carrier=target.carrier,
                owner_tier=tier,
                owner_id=owners.choose(tier),
                description=description,
                reported_by_id=actor.pk if actor is not None and actor.is_authenticated else None,
                opened_at=at,
                due_at=due,
                sla_check_at=first_check,
            )
        )
    # A case opened meanwhile by another writer (the partial unique index) wins; ours
    # is dropped and the signal becomes its evidence.
    insert_objects(cases, on_conflict=IGNORE_CONFLICTS)
    created = _stored(cases, source, at)
    opened_events = []
    assigned: list[alerts.CaseAlert | None] = []
    for target in targets:
        case = created.get(target.key)
        if case is None or case.opened_at != at:
            continue
        opened_events.append(
            case_event(
                case,
                CaseEventKind.OPENED,
                actor,
                at,
                target.signal.note,
                severity=case.severity,
                source=source,
                due_at=case.due_at.isoformat(),
            )
        )
        if case.owner_id is not None:
            opened_events.append(
                case_event(case, CaseEventKind.ASSIGNED, None, at, owner=case.owner_id)
            )
            number = orders[case.order_id]["number"]
            assigned.append(alerts.alert_of(case, "case.assigned", case.owner_id, number))
    insert_objects(opened_events)
    alerts.send_case_alerts(assigned)
    return created


def _stored(cases: list[Case], source: str, at: datetime) -> dict[Key, Case]:
    """The open case of each inserted case's key: ours, now with the id it was stored
    under (its ids read, not the rows: reading the cases back whole was a tenth of a
    sweep), or the one another writer opened meanwhile, read whole."""
    mine = {(case.order_id, case.shipment_id, case.type): case for case in cases}
    found: dict[Key, Case] = {}
    theirs = []
    rows = Case.objects.filter(
        state=CaseState.OPEN,
        order_id__in=values_in({key[0] for key in mine}, "bigint"),
        type__in={key[2] for key in mine},
    ).values_list("id", "order_id", "shipment_id", "type", "opened_at", "source")
    for pk, order_id, shipment_id, case_type, opened_at, case_source in rows:
        key = (order_id, shipment_id, case_type)
        case = mine.get(key)
        if case is None:
            continue
        if opened_at == at and case_source == source:
            case.pk = pk
            case._state.adding = False
            case._state.db = Case.objects.db
            found[key] = case
        else:
            theirs.append(key)
    found.update(_open_cases(theirs))
    return found


def clear_conditions(cleared: dict[int, set[str]], *, at: datetime, note: str = "") -> Outcome:
    """Parcels whose conditions are gone (a scan after a stall, the delivery after a
    delay): their open cases of those types record it, and the types it settles close
    themselves with the resolution "cleared". `cleared`: parcel id -> types."""
    cleared = {sid: types for sid, types in cleared.items() if types}
    if not cleared:
        return Outcome()
    condition = Q()
    for sid, types in cleared.items():
        condition |= Q(shipment_id=sid, type__in=types)
    cases = Case.objects.filter(condition, state=CaseState.OPEN, cleared_at__isnull=True)
    return _clear(list(cases.only(*CLEARING_FIELDS)), at, note)


def clear_order_cases(case_ids: list[int], *, at: datetime, note: str = "") -> Outcome:
    """Cases on orders whose condition is gone (an order handed over after all)."""
    cases = Case.objects.filter(pk__in=case_ids, state=CaseState.OPEN, cleared_at__isnull=True)
    return _clear(list(cases.only(*CLEARING_FIELDS)), at, note)


# What clearing reads of a case: the rows are changed by UPDATEs, not saved.
CLEARING_FIELDS = ("id", "type", "order_id", "shipment_id")


def _clear(cases: list[Case], at: datetime, note: str) -> Outcome:
    outcome = Outcome()
    if not cases:
        return outcome
    events = []
    for case in cases:
        outcome.cleared.append(case.pk)
        events.append(case_event(case, CaseEventKind.CLEARED, None, at, note))
        if case.type in SELF_CLEARING_TYPES:
            outcome.closed.append(case.pk)
            events.append(
                case_event(case, CaseEventKind.CLOSED, None, at, resolution=Resolution.CLEARED)
            )
    # Two statements whatever the number of cases (they share the moment and the
    # resolution): bulk_update's CASE per field and row was most of a push's time when
    # its scan cleared a stall.
    Case.objects.filter(pk__in=values_in(outcome.cleared, "bigint")).update(cleared_at=at)
    if outcome.closed:
        Case.objects.filter(pk__in=values_in(outcome.closed, "bigint")).update(
            state=CaseState.CLOSED, closed_at=at, resolution=Resolution.CLEARED, sla_check_at=None
        )
    insert_objects(events)
    record_audit(
        None,
        "cases.cleared",
        ("exceptions.case", "bulk"),
        detail={"cleared": outcome.cleared, "closed": outcome.closed},
    )
    sync_open_flags({c.order_id for c in cases}, {c.shipment_id for c in cases if c.shipment_id})
    return outcome


def group_by_shipment(pairs: Iterable[tuple[int, str]]) -> dict[int, set[str]]:
    grouped: dict[int, set[str]] = defaultdict(set)
    for sid, case_type in pairs:
        grouped[sid].add(case_type)
    return grouped


__all__ = ["NotableEvent", "Outcome", "Target", "clear_conditions", "open_or_update"]
