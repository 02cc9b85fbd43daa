"""Which exceptions a parcel shows (R5.1): from what ingestion hands up for each changed
parcel (event-driven), and from the clock for the sweep (time-driven); which conditions a
change clears; and how severe a case is.

Pure: no database, `now` is an argument. The one exception is `next_check`, which reads
the thresholds' per-process copy (parcelops.exceptions.thresholds) around the pure
`earliest_check`. Boundaries: a rule fires exactly at its threshold (>=).
"""

import re
import unicodedata
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property, lru_cache
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from parcelops.exceptions.kinds import (
    DEFAULT_THRESHOLD_HOURS,
    SELF_CLEARING_TYPES,
    SEVERITY_ORDER,
    CaseType,
    Measure,
    Severity,
)
from parcelops.orders.states import CustomerTier
from parcelops.tracking.status import FINAL_STATUSES, RETURN_STATUSES, TrackingStatus
from parcelops.tracking.transitions import NotableEvent, Transition

T = TrackingStatus


@dataclass(frozen=True)
class Signal:
    """One exception a parcel shows now, with what shows it."""

    type: str  # a kinds.CaseType value
    evidence: tuple[NotableEvent, ...] = ()  # the events that show it (none for the clock)
    note: str = ""  # a short English reason for the case's timeline ("no scan for 49 h")
    hours_late: float = 0.0  # how late the parcel is (severity_for)


@dataclass(frozen=True)
class Limits:
    """The hours of each measure (kinds.Measure) for one parcel; the defaults unless
    thresholds.limits_for says otherwise. Field names are the measures' values."""

    first_scan: float = DEFAULT_THRESHOLD_HOURS[Measure.FIRST_SCAN]
    stall: float = DEFAULT_THRESHOLD_HOURS[Measure.STALL]
    lost: float = DEFAULT_THRESHOLD_HOURS[Measure.LOST]
    customs: float = DEFAULT_THRESHOLD_HOURS[Measure.CUSTOMS]
    pickup_hold: float = DEFAULT_THRESHOLD_HOURS[Measure.PICKUP_HOLD]
    pickup_warning: float = DEFAULT_THRESHOLD_HOURS[Measure.PICKUP_WARNING]
    transit: float = DEFAULT_THRESHOLD_HOURS[Measure.TRANSIT]
    handling: float = DEFAULT_THRESHOLD_HOURS[Measure.HANDLING]

    def hours(self, measure: str) -> float:
        return float(getattr(self, Measure(measure).value))

    @cached_property
    def spans(self) -> dict[str, timedelta]:
        """Each measure as a timedelta, made once: earliest_check runs for every parcel of
        every chunk of ingestion, and timedelta(hours=...) costs more than the sum."""
        return {field.name: timedelta(hours=getattr(self, field.name)) for field in fields(self)}

    @classmethod
    def of(cls, hours: dict[str, float]) -> "Limits":
        """Limits from hours per measure; a measure left out keeps its default."""
        names = {field.name for field in fields(cls)}
        return cls(
            **{str(measure): float(value) for measure, value in hours.items() if measure in names}
        )


@dataclass(frozen=True)
class ShipmentFacts:
    """What the sweep reads of a parcel (aware UTC times, dates in the shop's calendar)."""

    shipment_id: int
    order_id: int
    carrier: str
    service: str
    origin_province: str
    destination_province: str
    status: str
    substatus: str
    handed_over_at: datetime  # Shipment.created_at
    label_created_at: datetime | None
    last_event_at: datetime | None
    status_changed_at: datetime | None
    promised_delivery_date: date | None
    estimated_delivery_date: date | None


@dataclass(frozen=True)
class Verdict:
    """What the sweep found: the signals firing now, the types whose condition is gone,
    and when to look again (None: nothing more can fire by the clock)."""

    signals: list[Signal]
    cleared: set[str]
    next_check_at: datetime | None


# --- where a parcel is ----------------------------------------------------------------------------

# In customs: a transit scan saying so, or the carrier's hold.
CUSTOMS_STATES = frozenset({(T.IN_TRANSIT, "customs_processing"), (T.EXCEPTION, "held_by_customs")})
# Moving, so a long silence means it stalled (customs has its own clock; a parcel at a
# pickup point waits quietly by design; pending has had no scan at all).
STALL_STATUSES = frozenset(
    {T.INFO_RECEIVED, T.IN_TRANSIT, T.OUT_FOR_DELIVERY, T.ATTEMPT_FAILED, T.EXCEPTION, T.RETURNING}
)
# Where a silence long enough means the parcel is lost (customs included: ten days of
# silence there is more than a hold).
SILENCE_STATUSES = STALL_STATUSES


def is_in_customs(status: str, substatus: str) -> bool:
    return (status, substatus) in CUSTOMS_STATES


def is_stall_watched(status: str, substatus: str) -> bool:
    return status in STALL_STATUSES and not is_in_customs(status, substatus)


# --- event-driven: what ingestion hands up ---------------------------------------------------------

# The carrier's own words for an exception, as (status, substatus) -> type. Substatuses are
# the evidence (kinds.py); the type is the desk's word.
CARRIER_EXCEPTIONS: dict[tuple[str, str], str] = {
    (T.EXCEPTION, "damaged"): CaseType.DAMAGED,
    (T.EXCEPTION, "refused"): CaseType.REFUSED,
    (T.EXCEPTION, "address_invalid"): CaseType.ADDRESS_PROBLEM,
    (T.ATTEMPT_FAILED, "address_problem"): CaseType.ADDRESS_PROBLEM,
    (T.EXCEPTION, "held_by_customs"): CaseType.CUSTOMS_HOLD,
    (T.EXCEPTION, "delayed_weather"): CaseType.DELAYED,
    (T.EXCEPTION, "delayed_carrier"): CaseType.DELAYED,
}
_CARRIER_NOTES: dict[str, str] = {
    CaseType.DAMAGED: "the carrier reports the parcel damaged",
    CaseType.REFUSED: "the recipient refused the parcel",
    CaseType.ADDRESS_PROBLEM: "the carrier reports an address problem",
    CaseType.CUSTOMS_HOLD: "held by customs",
    CaseType.DELAYED: "the carrier reports a delay",
}
# A case from the second failed attempt (R5.1.1): the first is everyday life.
FAILED_ATTEMPTS_FOR_A_CASE = 2
# An estimate that moves this much later is a delay.
ESTIMATE_SLIP = timedelta(days=1)
# Statuses that can only come before a delivery: such a scan after it is wrong information.
_BEFORE_DELIVERY = frozenset(
    {T.INFO_RECEIVED, T.IN_TRANSIT, T.OUT_FOR_DELIVERY, T.AVAILABLE_FOR_PICKUP, T.ATTEMPT_FAILED}
)
_TYPE_ORDER: dict[str, int] = {case_type.value: index for index, case_type in enumerate(CaseType)}
# The statuses that signal without an event showing them (`classify` with no event): a
# parcel moved into another one gives no signal unless an event of the chunk does.
_SIGNALLING_STATUSES = frozenset(
    {status for status, _substatus in CARRIER_EXCEPTIONS}
    | {T.ATTEMPT_FAILED, T.LOST, T.DISPOSED}
    | RETURN_STATUSES
)


class _Found:
    """The signals of one transition as they are gathered, one per type."""

    def __init__(self) -> None:
        self.evidence: dict[str, list[NotableEvent]] = {}
        self.notes: dict[str, str] = {}

    def add(self, case_type: str, event: NotableEvent | None, note: str) -> None:
        events = self.evidence.setdefault(case_type, [])
        if event is not None and event not in events:
            events.append(event)
        self.notes.setdefault(case_type, note)

    def signals(self, dropped: set[str]) -> list[Signal]:
        return [
            Signal(case_type, tuple(self.evidence[case_type]), self.notes[case_type])
            for case_type in sorted(self.evidence, key=_TYPE_ORDER.__getitem__)
            if case_type not in dropped
        ]


def may_signal(t: Transition) -> bool:
    """Whether signals_from_transition can find anything in the transition. Most are
    ordinary scans (no notable event, no status that signals by itself, the same
    estimate), answered here before any work: this runs for every parcel of every chunk
    of ingestion."""
    return bool(
        t.notable
        or (
            t.status in _SIGNALLING_STATUSES
            and (t.status, t.substatus) != (t.old_status, t.old_substatus)
        )
        or t.estimated_delivery_date != t.old_estimated_delivery_date
    )


def signals_from_transition(
    t: Transition, *, failed_attempts: int, destination_city: str, returned_by_request: bool
) -> list[Signal]:
    """The exceptions one parcel shows after a chunk of ingestion, one Signal per type,
    each with the chunk's events that show it.

    `failed_attempts` counts the stored attempt_failed events of the parcel (this
    chunk's included) but those dated in the future or going backwards, which count for
    nothing else; `destination_city` is the order's city at hand-over ("" unknown);
    `returned_by_request`: the shop asked for the return. A self-clearing type whose
    condition the chunk already ended (held by customs, then released) gives no signal.
    """
    if not may_signal(t):
        return []
    found = _Found()

    def classify(event: NotableEvent | None, status: str, substatus: str) -> None:
        case_type = CARRIER_EXCEPTIONS.get((status, substatus))
        if case_type is not None:
            found.add(case_type, event, f"{_CARRIER_NOTES[case_type]} ({substatus})")
        if status == T.ATTEMPT_FAILED and failed_attempts >= FAILED_ATTEMPTS_FOR_A_CASE:
            found.add(
                CaseType.FAILED_DELIVERY, event, f"{failed_attempts} failed delivery attempts"
            )
        elif status in RETURN_STATUSES and not returned_by_request:
            found.add(CaseType.RETURNING, event, "going back to the sender unasked")
        elif status in (T.LOST, T.DISPOSED):
            found.add(CaseType.LOST, event, f"the carrier reports the parcel {status}")
        elif status == T.DELIVERED and event is not None:
            city = other_city(event.location, destination_city)
            if city is not None:
                note = f"delivered in {city}, not in {destination_city}"
                found.add(CaseType.MISDELIVERED, event, note)

    seen_states = set()
    for event in t.notable:
        seen_states.add((event.status, event.substatus))
        if event.is_future:  # stored, but it moves nothing: only the time is wrong
            found.add(CaseType.WRONG_INFO, event, "an event dated in the future")
        elif event.is_regression:  # the fold kept the status it had: the scan did not count
            after_delivery = t.old_status == T.DELIVERED and event.status in _BEFORE_DELIVERY
            note = "a scan after the delivery" if after_delivery else "a scan going backwards"
            found.add(CaseType.WRONG_INFO, event, note)
        else:
            classify(event, event.status, event.substatus)
    # A status no event of the chunk shows (a provider's verdict on the whole parcel).
    moved = (t.status, t.substatus) != (t.old_status, t.old_substatus)
    if moved and (t.status, t.substatus) not in seen_states:
        classify(None, t.status, t.substatus)
    old_estimate = _as_date(t.old_estimated_delivery_date)
    new_estimate = _as_date(t.estimated_delivery_date)
    if old_estimate and new_estimate and new_estimate >= old_estimate + ESTIMATE_SLIP:
        note = f"the estimated delivery moved from {old_estimate} to {new_estimate}"
        found.add(CaseType.DELAYED, None, note)
    if not found.evidence:
        return []
    return found.signals(cleared_types(t) & SELF_CLEARING_TYPES)


# --- cities and provinces --------------------------------------------------------------------

# What a place name loses before it is compared: "上海市" == "上海", "浙江省" == "浙江",
# "广西壮族自治区" == "广西", "Hangzhou City" == "hangzhou".
_PLACE_SUFFIX = re.compile(
    r"(?:(?:壮族|回族|维吾尔)?自治区|特别行政区|自治州|省|市|区|县|\s+province|\s+city)$"
)
_SPACES = re.compile(r"\s+")
# Placeholders of China's address data that name no city (a municipality's districts).
_NO_CITY = frozenset({"市辖", "县", "省直辖县级行政区划", ""})
_CJK = re.compile(r"[\u4e00-\u9fff]")
# The first "X市" of a Chinese place text, after any province before it ("浙江省杭州市西湖区"
# names 杭州).
_CJK_CITY = re.compile(r"([\u4e00-\u9fff]{2,}?)市")
_PROVINCE_PREFIX = re.compile(r"^.*?(?:省|自治区)")


def place_key(name: str) -> str:
    """A province or city as compared: NFKC, case folded, without its administrative
    suffix. English and Chinese names of one place stay different (no transliteration)."""
    text = _SPACES.sub(" ", unicodedata.normalize("NFKC", name)).strip().casefold()
    return _PLACE_SUFFIX.sub("", text).strip()


def other_city(location: str, destination_city: str) -> str | None:
    """The city a delivery's location names when it is not the destination city, or None
    (the same city, or no way to tell: no location, no destination city, a location that
    names no city, or names in different scripts)."""
    destination = place_key(destination_city)
    if destination in _NO_CITY or not location.strip():
        return None
    text = unicodedata.normalize("NFKC", location).casefold()
    if destination in text.replace(" ", "") or destination in text:
        return None
    if not _CJK.search(destination):
        return None  # Latin text has no marker of which word is the city: not guessed
    match = _CJK_CITY.search(text)
    if match is None:
        return None
    city = place_key(_PROVINCE_PREFIX.sub("", match.group(1)))
    return None if city in _NO_CITY or city == destination else city


# --- what clears ------------------------------------------------------------------------------

# Which conditions go away on what; the caller closes the case of a type in
# kinds.SELF_CLEARING_TYPES with Resolution.CLEARED, and only records it for the others.
#
# | type            | cleared by                                              | closes itself |
# |-----------------|---------------------------------------------------------|---------------|
# | no_first_scan   | any carrier scan                                        | yes           |
# | stalled         | a new scan (sweep: the last scan is younger than STALL) | yes           |
# | lost            | a new scan while the status is not lost/disposed/expired| no (recorded) |
# |                 | (sweep: the silence is shorter than LOST)               |               |
# | customs_hold    | the parcel is no longer in customs                      | yes           |
# | pickup_expiring | it left the pickup point other than back to the sender  | yes           |
# | delayed         | delivered                                               | yes           |
# | address_problem | delivered                                               | no (recorded) |
# | not_shipped     | handed over (the order's side, not from tracking)       | yes           |
# | failed_delivery, damaged, refused, returning, misdelivered, wrong_info:       |               |
# |                 | never by the parcel's movement: people settle them      | -             |

_PICKUP_STILL_WAITING = frozenset({T.AVAILABLE_FOR_PICKUP, T.RETURNING, T.RETURNED})
_UNCLAIMED = (T.EXCEPTION, "pickup_unclaimed")


def _cleared_by_state(status: str, substatus: str) -> set[str]:
    """The clearings that follow from where the parcel is, whatever its times."""
    cleared: set[str] = set()
    if not is_in_customs(status, substatus):
        cleared.add(CaseType.CUSTOMS_HOLD)
    if status not in _PICKUP_STILL_WAITING and (status, substatus) != _UNCLAIMED:
        cleared.add(CaseType.PICKUP_EXPIRING)
    if status == T.DELIVERED:
        cleared |= {CaseType.DELAYED, CaseType.ADDRESS_PROBLEM}
    return cleared


_STILL_LOST = frozenset({T.LOST, T.DISPOSED, T.EXPIRED})


def cleared_types(t: Transition) -> set[str]:
    """The types whose condition the parcel's new state clears (the table above). A
    transition is written for new events, so a parcel with a scan has had a new one."""
    cleared = _cleared_by_state(t.status, t.substatus)
    if t.last_event_at is not None:
        cleared |= {CaseType.NO_FIRST_SCAN, CaseType.STALLED}
        if t.status not in _STILL_LOST:
            cleared.add(CaseType.LOST)
    return cleared


# --- time-driven: the sweep --------------------------------------------------------------------


@lru_cache(maxsize=1)
def _shop_zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def shop_zone() -> ZoneInfo:
    """The zone whose calendar promised and estimated dates are days of."""
    return _shop_zone(settings.TIME_ZONE)


def end_of_day(day: date, zone: ZoneInfo) -> datetime:
    """The first moment after `day` in the zone, in UTC: a parcel promised for that day is
    late from then."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)


def _hours(value: float) -> str:
    """Hours for a note: whole ones plainly, else one decimal ("49 h", "48.5 h")."""
    rounded = round(value, 1)
    return f"{rounded:g} h"


@dataclass(frozen=True)
class _Rule:
    """One time-driven rule as it applies to a parcel: when it fires and what it says."""

    type: str
    at: datetime
    note: str


def _time_rules(facts: ShipmentFacts, now: datetime, limits: Limits, zone: ZoneInfo) -> list[_Rule]:
    """Every time-driven rule that applies to the parcel in its state, with its moment."""
    rules = []
    status, substatus, last = facts.status, facts.substatus, facts.last_event_at
    if last is None:
        # From the label when it was printed, else from the hand-over (the measure's name).
        start = facts.label_created_at or facts.handed_over_at
        after = "the label" if facts.label_created_at else "the hand-over"
        rules.append(
            _Rule(
                CaseType.NO_FIRST_SCAN,
                start + timedelta(hours=limits.first_scan),
                f"no carrier scan {_hours((now - start).total_seconds() / 3600)} after {after}",
            )
        )
    else:
        silence = _hours((now - last).total_seconds() / 3600)
        if is_stall_watched(status, substatus):
            rules.append(
                _Rule(
                    CaseType.STALLED, last + timedelta(hours=limits.stall), f"no scan for {silence}"
                )
            )
        if status in SILENCE_STATUSES:
            rules.append(
                _Rule(
                    CaseType.LOST,
                    last + timedelta(hours=limits.lost),
                    f"no scan for {silence}: lost?",
                )
            )
    since = facts.status_changed_at or last or facts.handed_over_at
    if is_in_customs(status, substatus):
        rules.append(
            _Rule(
                CaseType.CUSTOMS_HOLD,
                since + timedelta(hours=limits.customs),
                f"in customs for {_hours((now - since).total_seconds() / 3600)}",
            )
        )
    if status == T.AVAILABLE_FOR_PICKUP:
        hold_ends = since + timedelta(hours=limits.pickup_hold)
        left = (hold_ends - now).total_seconds() / 3600
        note = (
            f"the pickup hold ends in {_hours(left)}"
            if left > 0
            else f"the pickup hold ended {_hours(-left)} ago"
        )
        warn_from = hold_ends - timedelta(hours=min(limits.pickup_warning, limits.pickup_hold))
        rules.append(_Rule(CaseType.PICKUP_EXPIRING, warn_from, note))
    due = _due(facts, zone)
    if due is not None:
        day, which, late_from = due
        rules.append(
            _Rule(
                CaseType.DELAYED,
                late_from,
                f"past the {which} delivery date {day} by {_hours((now - late_from).total_seconds() / 3600)}",
            )
        )
    return rules


def _due(facts: ShipmentFacts, zone: ZoneInfo) -> tuple[date, str, datetime] | None:
    """The earliest date anyone gave for the delivery (the shop's promise, the carrier's
    estimate), which of them, and the moment the parcel is late by it."""
    dates = [
        (day, which)
        for day, which in (
            (facts.promised_delivery_date, "promised"),
            (facts.estimated_delivery_date, "estimated"),
        )
        if day is not None
    ]
    if not dates:
        return None
    day, which = min(dates, key=lambda pair: pair[0])
    return day, which, end_of_day(day, zone)


def hours_late(
    facts: ShipmentFacts, now: datetime, limits: Limits, zone: ZoneInfo | None = None
) -> float:
    """How late the parcel is: past the end of the earliest promised or estimated day, or
    without either, past hand-over plus the expected transit hours; 0 when not late."""
    due = _due(facts, zone or shop_zone())
    late_from = (
        due[2] if due is not None else facts.handed_over_at + timedelta(hours=limits.transit)
    )
    return max(0.0, (now - late_from).total_seconds() / 3600)


def check_shipment(
    facts: ShipmentFacts, now: datetime, limits: Limits, *, zone: ZoneInfo | None = None
) -> Verdict:
    """The sweep's verdict on one parcel at `now`: the time-driven signals that fire (each
    exactly at its threshold and after), the conditions that are gone, and the earliest
    future moment another rule could fire (None for final statuses)."""
    zone = zone or shop_zone()
    status, substatus, last = facts.status, facts.substatus, facts.last_event_at
    cleared = _cleared_by_state(status, substatus)
    if last is not None:
        cleared.add(CaseType.NO_FIRST_SCAN)
    if facts.status in FINAL_STATUSES:
        if last is not None:
            cleared.add(CaseType.STALLED)
            if status not in _STILL_LOST:
                cleared.add(CaseType.LOST)
        return Verdict([], cleared, None)
    late = hours_late(facts, now, limits, zone)
    signals = []
    next_at: datetime | None = None
    for rule in _time_rules(facts, now, limits, zone):
        if rule.at <= now:
            signals.append(Signal(rule.type, (), rule.note, late))
        elif next_at is None or rule.at < next_at:
            next_at = rule.at
    firing = {signal.type for signal in signals}
    if last is not None:
        if CaseType.STALLED not in firing:
            cleared.add(CaseType.STALLED)
        if CaseType.LOST not in firing and status not in _STILL_LOST:
            cleared.add(CaseType.LOST)
    cleared -= firing
    return Verdict(signals, cleared, next_at)


# --- the next check, for ingestion ---------------------------------------------------------------


def as_moment(value: Any) -> datetime | None:
    """A time as ingestion hands it up (naive UTC text "YYYY-MM-DD HH:MM:SS[.ffffff]", or
    a datetime) as an aware UTC datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            # Parsed again with its zone: a third of the time of replace(tzinfo=UTC),
            # and this runs for every parcel of every chunk of ingestion.
            return datetime.fromisoformat(value + "+00:00")
        return moment.astimezone(UTC)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _as_date(value: Any) -> date | None:
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(str(value)[:10])


def earliest_check(t: Transition, limits: Limits, zone: ZoneInfo | None = None) -> datetime | None:
    """The earliest moment a time-driven rule could fire for the parcel as the transition
    left it, with the lowest limits of its carrier: a lower bound (the sweep recomputes it
    with the parcel's own limits and raises it). None for final statuses, and for a
    parcel with no scan yet, unless the transition is the hand-over's own (no scan, its
    `status_since` the label's time): then the first-scan deadline.

    It may lie in the past (an old event arriving late): the sweep then looks at once.
    The promised date is not in a transition: the sweep's own next check covers it."""
    status, substatus = t.status, t.substatus
    if status in FINAL_STATUSES:
        return None
    last = as_moment(t.last_event_at)
    if last is None:
        label = as_moment(t.status_since)
        return None if label is None else label + timedelta(hours=limits.first_scan)
    # Written for speed (it runs for every parcel of every chunk): each time is read only
    # when a rule needs it, the statuses tested once.
    earliest = None
    in_customs = (status, substatus) in CUSTOMS_STATES
    spans = limits.spans
    silence = spans["stall"] if status in STALL_STATUSES and not in_customs else None
    if status in SILENCE_STATUSES:
        silence = spans["lost"] if silence is None else min(silence, spans["lost"])
    if silence is not None:
        earliest = last + silence
    if in_customs or status == T.AVAILABLE_FOR_PICKUP:
        # When the current status began; unchanged by this chunk, it began at or before
        # the last scan, so the last scan is a later bound the stored next check undercuts.
        since = as_moment(t.status_since) or last
        if in_customs:
            earliest = _earlier(earliest, since + spans["customs"])
        if status == T.AVAILABLE_FOR_PICKUP:
            warning = min(limits.pickup_warning, limits.pickup_hold)
            earliest = _earlier(earliest, since + timedelta(hours=limits.pickup_hold - warning))
    if t.estimated_delivery_date is not None:
        estimate = _as_date(t.estimated_delivery_date)
        if estimate is not None:
            earliest = _earlier(earliest, end_of_day(estimate, zone or shop_zone()))
    return earliest


def _earlier(moment: datetime | None, other: datetime) -> datetime:
    return other if moment is None or other < moment else moment


def next_check(t: Transition) -> datetime | None:
    """Ingestion's hook (transitions.set_next_check): earliest_check with the smallest
    hours configured or learned for the parcel's carrier. Runs for every shipment of
    every chunk: one look at the thresholds' per-process copy."""
    return earliest_check(t, _thresholds().lowest_limits(t.carrier))


@lru_cache(maxsize=1)
def _thresholds() -> ModuleType:
    """parcelops.exceptions.thresholds, imported on first use (it reads the database and
    imports Limits from this module), then at hand: an import statement in next_check
    cost a tenth of it."""
    from parcelops.exceptions import thresholds

    return thresholds


# --- orders not shipped -----------------------------------------------------------------------


def order_not_shipped(approved_at: datetime, now: datetime, handling_hours: float) -> bool:
    """An approved order not handed over within its handling time (from approval)."""
    return now >= approved_at + timedelta(hours=handling_hours)


# --- severity ----------------------------------------------------------------------------------

# Severity (R5.2.2): a base per type, then one step up for each of these, capped at major.
#
# | type                                                           | base     |
# |----------------------------------------------------------------|----------|
# | lost, damaged, misdelivered, refused, returning                | moderate |
# | delayed, stalled, no_first_scan, wrong_info, pickup_expiring,  | minor    |
# | failed_delivery, address_problem, customs_hold, not_shipped,   |          |
# | other                                                          |          |
#
# | raises                                   | steps |
# |------------------------------------------|-------|
# | the customer's tier is VIP               | +1    |
# | the order totals 5,000.00 CNY or more    | +1    |
# | 72 h late or more (less than 168 h)      | +1    |
# | 168 h (a week) late or more              | +2    |
BASE_SEVERITY: dict[str, str] = {
    CaseType.LOST: Severity.MODERATE,
    CaseType.DAMAGED: Severity.MODERATE,
    CaseType.MISDELIVERED: Severity.MODERATE,
    CaseType.REFUSED: Severity.MODERATE,  # the goods come back unsold
    CaseType.RETURNING: Severity.MODERATE,  # the same, unasked
}
RAISING_TIERS = frozenset({CustomerTier.VIP})
LARGE_ORDER_CENTS = 500_000  # 5,000.00 CNY
LATE_HOURS = 72
VERY_LATE_HOURS = 168
_SEVERITIES = sorted(SEVERITY_ORDER, key=SEVERITY_ORDER.__getitem__)


def severity_for(
    case_type: str, *, order_total_cents: int, customer_tier: str, hours_late: float
) -> str:
    """The severity a new case gets (the tables above)."""
    steps = SEVERITY_ORDER[Severity(BASE_SEVERITY.get(case_type, Severity.MINOR))]
    steps += customer_tier in RAISING_TIERS
    steps += order_total_cents >= LARGE_ORDER_CENTS
    if hours_late >= VERY_LATE_HOURS:
        steps += 2
    elif hours_late >= LATE_HOURS:
        steps += 1
    return _SEVERITIES[min(steps, len(_SEVERITIES) - 1)].value
