"""Reading cases: the queue's filters (shared by GET /api/v1/cases and the queue page) and
the wallboard's counts.

The queue must list 100,000 open cases in well under 100 ms: one query for the page (the
case with its order number, parcel number and owner, nothing more) and one count, both
on the `case_queue` index (is_breached descending, due_at, id); `case_owner_queue` and
`case_type_queue` serve "mine" and a type in the same order.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from parcelops.carriers import registry
from parcelops.carriers.detection import normalise_tracking_number
from parcelops.core.errors import FieldError, InputError
from parcelops.exceptions import actions
from parcelops.exceptions.kinds import CaseState, CaseType, OwnerTier, Severity
from parcelops.exceptions.models import Case
from parcelops.orders.models import Order
from parcelops.tracking.models import Shipment

BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
ME = "me"  # ?owner=me: the viewer's own cases
SEARCH_LIMIT = 500  # ?q= finds the latest this many closed cases whose summary matches
NOBODY = "none"  # ?owner=none: cases no one was given

# What a queue row shows (presentation.case_summary), and nothing else: the texts of a
# case (description, summary) can be long and the list never shows them.
LIST_FIELDS = (
    "id",
    "type",
    "severity",
    "state",
    "owner_tier",
    "escalation_level",
    "carrier",
    "opened_at",
    "due_at",
    "warned_at",
    "breached_at",
    "closed_at",
    "order__id",
    "order__number",
    "shipment__id",
    "shipment__tracking_number",
    "owner__id",
    "owner__username",
    "owner__first_name",
    "owner__last_name",
    "owner__staff_profile__id",
    "owner__staff_profile__display_name",
)


def _choice(field: str, value: str, choices: list[str]) -> str:
    if value and value not in choices:
        raise InputError(
            [
                FieldError(
                    field,
                    _("Unknown value “%(value)s”: choose one of %(choices)s.")
                    % {"value": value, "choices": ", ".join(choices)},
                )
            ]
        )
    return value


@dataclass(frozen=True)
class CaseFilters:
    state: str = ""  # "" any
    type: str = ""
    severity: str = ""
    owner_tier: str = ""
    owner: str = ""  # a username, or NOBODY
    carrier: str = ""  # our carrier code
    tracking_number: str = ""
    order: str = ""  # the order's number
    breached: bool | None = None
    q: str = ""  # words of a closed case's summary

    @classmethod
    def from_params(cls, params: Any, *, viewer: Any = None) -> "CaseFilters":
        """The filters of a query string; InputError naming every bad value. `owner=me`
        means the viewer, `owner=none` the cases no one was given."""

        def text(key: str) -> str:
            return str(params.get(key) or "").strip()

        errors: list[FieldError] = []

        def check(field: str, read: Any) -> Any:
            try:
                return read()
            except InputError as error:
                errors.extend(error.errors)
                return ""

        state = check("state", lambda: _choice("state", text("state"), CaseState.values))
        case_type = check("type", lambda: _choice("type", text("type"), CaseType.values))
        severity = check("severity", lambda: _choice("severity", text("severity"), Severity.values))
        tier = check(
            "owner_tier", lambda: _choice("owner_tier", text("owner_tier"), OwnerTier.values)
        )
        owner = check("owner", lambda: _owner(text("owner"), viewer))
        carrier = check("carrier", lambda: _carrier(text("carrier")))
        breached_text = text("breached").lower()
        breached = BOOLEANS.get(breached_text)
        if breached_text and breached is None:
            errors.append(FieldError("breached", _("Must be true or false.")))
        if errors:
            raise InputError(errors)
        return cls(
            state=state,
            type=case_type,
            severity=severity,
            owner_tier=tier,
            owner=owner,
            carrier=carrier,
            tracking_number=text("tracking_number"),
            order=text("order"),
            breached=breached,
            q=text("q"),
        )

    @property
    def is_filtered(self) -> bool:
        return any(getattr(self, name) not in ("", None) for name in self.__dataclass_fields__)


def _owner(value: str, viewer: Any) -> str:
    if not value or value == NOBODY:
        return value
    if value == ME:
        if viewer is None or not viewer.is_authenticated:
            raise InputError([FieldError("owner", _("“me” needs a signed-in viewer."))])
        return str(viewer.get_username())
    if not get_user_model().objects.filter(username=value).exists():
        raise InputError(
            [FieldError("owner", _("No staff member is named “%(name)s”.") % {"name": value})]
        )
    return value


def _carrier(value: str) -> str:
    """Any of a carrier's names, as our code."""
    if not value:
        return ""
    try:
        return registry.resolve_carrier(value)
    except registry.UnknownCarrierError as unknown:
        raise InputError([FieldError("carrier", unknown.message)]) from unknown


def queue_order(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Breached first, then by deadline (a breached case's current one, after its
    escalation): the `case_queue` index's own order, so a page is read off the index on
    both databases however many cases are open."""
    return cases.order_by("-is_breached", "due_at", "id")


def filter_cases(filters: CaseFilters) -> QuerySet[Case]:
    """The matching cases, breached first then by deadline, with what a row shows."""
    cases = Case.objects.select_related("order", "shipment", "owner__staff_profile").only(
        *LIST_FIELDS
    )
    if filters.state:
        cases = cases.filter(state=filters.state)
    if filters.type:
        cases = cases.filter(type=filters.type)
    if filters.severity:
        cases = cases.filter(severity=filters.severity)
    if filters.owner_tier:
        cases = cases.filter(owner_tier=filters.owner_tier)
    if filters.owner == NOBODY:
        cases = cases.filter(owner__isnull=True)
    elif filters.owner:
        cases = cases.filter(owner__username=filters.owner)
    if filters.carrier:
        cases = cases.filter(carrier=filters.carrier)
    if filters.tracking_number:
        cases = cases.filter(
            shipment__tracking_number=normalise_tracking_number(filters.tracking_number)
        )
    if filters.order:
        cases = cases.filter(order__number=filters.order)
    if filters.breached is not None:
        cases = cases.filter(is_breached=filters.breached)
    if filters.q:
        # The desk's one summary search (full text on PostgreSQL), its latest matches.
        found = actions.search_summaries(filters.q, limit=SEARCH_LIMIT).values("pk")
        cases = cases.filter(pk__in=found)
    return queue_order(cases)


def count_cases(filters: CaseFilters) -> int:
    """How many cases match: Django's count drops the rows' joins and the ordering, so
    only a filter on the order's or parcel's number or the owner's name joins."""
    return filter_cases(filters).count()


# --- what a report names ----------------------------------------------------------------


def reported_target(order_number: str, tracking_number: str = "") -> tuple[Order, Shipment | None]:
    """The order (by its number) and, when a tracking number is given, its parcel that a
    report names; InputError naming the field that finds nothing."""
    number = order_number.strip()
    order = Order.objects.filter(number=number).first() if number else None
    if order is None:
        raise InputError([FieldError("order", _("No order with this number."))])
    if not tracking_number.strip():
        return order, None
    shipment = (
        Shipment.objects.filter(
            order=order, tracking_number=normalise_tracking_number(tracking_number)
        )
        .order_by("id")
        .first()
    )
    if shipment is None:
        raise InputError(
            [FieldError("tracking_number", _("The order has no parcel with this tracking number."))]
        )
    return order, shipment


def has_open_case(order: Order, shipment: Shipment | None, case_type: str) -> bool:
    """Whether a report of this type would join an open case rather than open one."""
    return Case.objects.filter(
        order=order, shipment=shipment, type=case_type, state=CaseState.OPEN
    ).exists()


# --- the wallboard ------------------------------------------------------------------------

# How long open cases have been open, for the wall (the boundary belongs to the older band:
# a case open exactly one hour is in "1-4 h").
AGE_BANDS: tuple[tuple[str, timedelta, timedelta | None], ...] = (
    ("under_1h", timedelta(0), timedelta(hours=1)),
    ("under_4h", timedelta(hours=1), timedelta(hours=4)),
    ("under_8h", timedelta(hours=4), timedelta(hours=8)),
    ("over_8h", timedelta(hours=8), None),
)


@dataclass(frozen=True)
class WallboardRow:
    severity: str
    by_age: dict[str, int]  # AGE_BANDS' keys
    breached: int
    warned: int  # warned and not (yet) breached
    total: int


@dataclass(frozen=True)
class Wallboard:
    rows: list[WallboardRow]  # one per severity, major first
    by_age: dict[str, int]
    breached: int
    warned: int
    total: int
    unassigned: int
    at: datetime


def _band(start: timedelta, end: timedelta | None, now: datetime) -> Q:
    """Opened `start` ago or less, and more than `end` ago (the older band takes the
    boundary)."""
    found = Q(opened_at__lte=now - start) if start else Q()
    if end is not None:
        found &= Q(opened_at__gt=now - end)
    return found


def wallboard(now: datetime) -> Wallboard:
    """Open cases by severity and age band, with the breached and warned: one grouped
    query over the open cases."""
    counts = {key: Count("id", filter=_band(start, end, now)) for key, start, end in AGE_BANDS}
    rows = (
        Case.objects.filter(state=CaseState.OPEN)
        .order_by()
        .values("severity")
        .annotate(
            **counts,
            breached=Count("id", filter=Q(breached_at__isnull=False)),
            warned=Count("id", filter=Q(warned_at__isnull=False, breached_at__isnull=True)),
            unassigned=Count("id", filter=Q(owner__isnull=True)),
            total=Count("id"),
        )
    )
    found: dict[str, dict[str, Any]] = {row["severity"]: dict(row) for row in rows}
    board_rows = []
    for severity in (Severity.MAJOR, Severity.MODERATE, Severity.MINOR):
        row = found.get(severity, {})
        board_rows.append(
            WallboardRow(
                severity=str(severity),
                by_age={key: row.get(key, 0) for key, _start, _end in AGE_BANDS},
                breached=row.get("breached", 0),
                warned=row.get("warned", 0),
                total=row.get("total", 0),
            )
        )
    return Wallboard(
        rows=board_rows,
        by_age={key: sum(r.by_age[key] for r in board_rows) for key, _start, _end in AGE_BANDS},
        breached=sum(r.breached for r in board_rows),
        warned=sum(r.warned for r in board_rows),
        total=sum(r.total for r in board_rows),
        unassigned=sum(row.get("unassigned", 0) for row in found.values()),
        at=now,
    )
