"""What every change to a case shares: its timeline entry, the open-case flags of its
order and parcel, and choosing an owner."""

import dataclasses
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Q

from parcelops.accounts import roles
from parcelops.accounts.models import StaffProfile
from parcelops.accounts.permissions import Actor
from parcelops.accounts.shifts import on_shift_user_ids
from parcelops.core.sqlsets import unsaved
from parcelops.exceptions.kinds import CaseEventKind, CaseState, OwnerTier
from parcelops.exceptions.models import Case, CaseEvent
from parcelops.orders import actions as order_actions
from parcelops.orders import rules as order_rules
from parcelops.tracking import actions as tracking_actions

# The staff role that owns each tier (R5.2.3).
ROLE_OF_TIER = {
    OwnerTier.STAFF: roles.LOGISTICS_STAFF,
    OwnerTier.HEAD: roles.LOGISTICS_HEAD,
    OwnerTier.LEADERSHIP: roles.LEADERSHIP,
}
# Open cases a person may hold before the rule passes them over (the order rule's limit).
CASE_WORKLOAD_LIMIT = 10_000


def user_of(actor: Actor) -> Any:
    return actor if actor is not None and actor.is_authenticated else None


def case_event(
    case: Case,
    kind: CaseEventKind,
    actor: Actor,
    at: datetime,
    text: str = "",
    /,
    **data: Any,
) -> CaseEvent:
    """One entry of the case's timeline, not yet saved (insert_objects them, or save).
    By ids: assigning the related objects cost a sweep more than the entry itself."""
    user = user_of(actor)
    return unsaved(
        CaseEvent,
        case_id=case.pk,
        kind=kind,
        at=at,
        actor_id=None if user is None else user.pk,
        text=text,
        data=data,
    )


def sync_open_flags(order_ids: Iterable[int], shipment_ids: Iterable[int]) -> None:
    """Orders and parcels say whether a case is open on them, exactly while one is: the
    lists and badges read the flags (Order.has_open_exception, Shipment.has_open_case)."""
    order_ids, shipment_ids = set(order_ids), {s for s in shipment_ids if s is not None}
    if order_ids:
        open_orders = set(
            Case.objects.filter(order_id__in=order_ids, state=CaseState.OPEN).values_list(
                "order_id", flat=True
            )
        )
        order_actions.mark_open_exceptions(open_orders, order_ids - open_orders)
    if shipment_ids:
        open_shipments = set(
            Case.objects.filter(shipment_id__in=shipment_ids, state=CaseState.OPEN).values_list(
                "shipment_id", flat=True
            )
        )
        tracking_actions.mark_open_cases(open_shipments, shipment_ids - open_shipments)


def mark_open_flags(order_ids: set[int], shipment_ids: set[int]) -> None:
    """Orders and parcels that have a case open now (sync_open_flags without asking)."""
    order_actions.mark_open_exceptions(order_ids, set())
    tracking_actions.mark_open_cases(shipment_ids, set())


class Owners:
    """The people who may own cases of each tier, with their open cases: read once per
    batch, and each choice counts toward the chosen person's load (so a batch spreads)."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment
        self._candidates: dict[str, list[order_rules.Candidate]] | None = None

    def _load(self) -> dict[str, list[order_rules.Candidate]]:
        by_tier: dict[str, list[order_rules.Candidate]] = {}
        profiles = list(
            StaffProfile.objects.filter(
                user__is_active=True, user__groups__name__in=list(ROLE_OF_TIER.values())
            )
            .annotate(
                open_cases=Count(
                    "user__owned_cases", filter=Q(user__owned_cases__state=CaseState.OPEN)
                )
            )
            .prefetch_related("user__groups")
            .distinct()
        )
        on_shift = on_shift_user_ids([p.user_id for p in profiles], self.moment)
        for tier, role in ROLE_OF_TIER.items():
            by_tier[tier] = [
                order_rules.Candidate(
                    user_id=p.user_id,
                    skills=(str(tier),),
                    workload=p.open_cases,  # type: ignore[attr-defined]
                    workload_limit=CASE_WORKLOAD_LIMIT,
                    is_on_shift=p.user_id in on_shift,
                )
                for p in profiles
                if any(g.name == role for g in p.user.groups.all())
            ]
        return by_tier

    def choose(self, tier: str) -> int | None:
        """The least-loaded person of the tier on shift now (the order rule, R2.2.2)."""
        if self._candidates is None:
            self._candidates = self._load()
        candidates = self._candidates.get(tier, [])
        chosen = order_rules.choose_assignee(str(tier), candidates)
        if chosen is not None:
            self._candidates[tier] = [
                dataclasses.replace(c, workload=c.workload + 1) if c.user_id == chosen else c
                for c in candidates
            ]
        return chosen


def staff_user(username: str) -> Any:
    return get_user_model().objects.filter(username=username, is_active=True).first()
