"""Carrier choice (R4.1), the rule: given what each carrier offers, charges and has measured
on a parcel's lane, rank the carriers by a weighted score of cost, speed and reliability,
and say why. Pure: no database; parcelops.warehouse.choice_queries gathers the facts.

- Eligible: the carrier delivers to the destination, offers every service the order needs
  and has a price for the lane. Every other active carrier is listed as excluded, with its
  reasons.
- Each factor is normalised to 0..1 across the eligible carriers (the cheapest and the
  fastest score 1, the dearest and the slowest 0; all equal: all 1), then weighted.
- Speed and reliability come from the lane's history when at least `min_history` parcels
  were delivered on it in the last year; otherwise speed takes the carrier's default transit
  times and reliability counts as middling (0.5), and the explanation says so.
- The customer's requested carrier goes first when it is eligible, whatever its score.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from parcelops.carriers.models import CarrierService
from parcelops.carriers.pricing import Quote

MIN_HISTORY = 30  # delivered parcels on the lane before its measurements are trusted
UNMEASURED_SCORE = 0.5  # reliability of a carrier with too little history
COST, SPEED, RELIABILITY = "cost", "speed", "reliability"
FACTORS = (COST, SPEED, RELIABILITY)

# Where a factor's figure came from.
QUOTE = "quote"  # the carrier's price rules
HISTORY = "history"  # the lane's measured history
DEFAULTS = "defaults"  # the carrier's default transit times (too little history)
UNMEASURED = "unmeasured"  # too little history to measure reliability


@dataclass(frozen=True)
class LaneHistory:
    """What the system measured of one carrier on one lane (a CarrierScore row)."""

    shipments: int
    delivered: int
    transit_hours_p50: float | None
    transit_hours_p90: float | None
    on_time_rate: float | None  # None: no delivered parcel had a promised date
    damage_rate: float
    loss_rate: float
    case_rate: float | None  # None: the exception desk's cases were not counted


@dataclass(frozen=True)
class Candidate:
    """One active carrier, as carrier choice sees it for one parcel."""

    code: str
    name: str
    services: frozenset[str]
    covers_destination: bool
    quote: Quote | None  # None: no price rule for the lane
    default_transit_hours_p50: int
    default_transit_hours_p90: int
    history: LaneHistory | None = None


@dataclass(frozen=True)
class Weights:
    cost: int
    speed: int
    reliability: int

    def of(self, factor: str) -> int:
        return int(getattr(self, factor))

    @property
    def total(self) -> int:
        return self.cost + self.speed + self.reliability


@dataclass(frozen=True)
class Reason:
    code: str  # no_coverage | missing_service | no_price
    message: str


@dataclass(frozen=True)
class Factor:
    name: str  # cost | speed | reliability
    value: float | None  # the figure compared: cents, hours, a share; None when unmeasured
    score: float  # 0..1 across the eligible carriers
    weight: int
    points: float  # this factor's part of the total (0..100)
    source: str  # quote | history | defaults | unmeasured
    details: dict[str, float | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Option:
    rank: int
    carrier: str
    name: str
    total: float  # 0..100
    is_requested: bool
    quote: Quote
    factors: tuple[Factor, ...]
    uses_history: bool  # False: too little history, the carrier's defaults
    delivered_on_lane: int  # the history's sample

    def factor(self, name: str) -> Factor:
        return next(factor for factor in self.factors if factor.name == name)


@dataclass(frozen=True)
class Exclusion:
    carrier: str
    name: str
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Ranking:
    options: tuple[Option, ...]
    excluded: tuple[Exclusion, ...]
    needed_services: tuple[str, ...]
    weights: Weights
    requested_carrier: str  # our code, or "" when the order asked for none we know
    notes: tuple[str, ...]  # what the reader should know (requested carrier, skipped checks)

    @property
    def chosen(self) -> Option | None:
        return self.options[0] if self.options else None


def exclusion_reasons(
    candidate: Candidate, needed_services: Sequence[str], destination: str
) -> tuple[Reason, ...]:
    """Why a carrier cannot take the parcel (empty: it can)."""
    reasons = []
    if not candidate.covers_destination:
        reasons.append(
            Reason(
                "no_coverage",
                _("Does not deliver to %(place)s.") % {"place": destination or _("(no province)")},
            )
        )
    for service in needed_services:
        if service not in candidate.services:
            reasons.append(
                Reason(
                    "missing_service",
                    _("Does not offer %(service)s, which this order needs.")
                    % {"service": service_label(service)},
                )
            )
    if candidate.quote is None:
        reasons.append(Reason("no_price", _("Has no price for this lane.")))
    return tuple(reasons)


def service_label(service: str) -> str:
    try:
        return str(CarrierService(service).label)
    except ValueError:
        return service


def _normalised(values: dict[str, float], *, lower_is_better: bool) -> dict[str, float]:
    """Each value as 0..1 between the worst (0) and the best (1); all equal: all 1."""
    if not values:
        return {}
    low, high = min(values.values()), max(values.values())
    if high == low:
        return dict.fromkeys(values, 1.0)
    span = high - low
    if lower_is_better:
        return {code: (high - value) / span for code, value in values.items()}
    return {code: (value - low) / span for code, value in values.items()}


def has_enough_history(candidate: Candidate, min_history: int) -> bool:
    history = candidate.history
    return (
        history is not None
        and history.delivered >= min_history
        and history.transit_hours_p50 is not None
        and history.transit_hours_p90 is not None
    )


def transit_hours(candidate: Candidate, min_history: int) -> tuple[float, float, str]:
    """(p50, p90, source): measured on the lane, or the carrier's defaults."""
    history = candidate.history
    if has_enough_history(candidate, min_history) and history is not None:
        return float(history.transit_hours_p50 or 0), float(history.transit_hours_p90 or 0), HISTORY
    return (
        float(candidate.default_transit_hours_p50),
        float(candidate.default_transit_hours_p90),
        DEFAULTS,
    )


def reliability(history: LaneHistory) -> float:
    """The share of parcels that arrive on time, undamaged, not lost and without a case:
    the product of the measured shares (a share not measured counts as 1)."""
    on_time = history.on_time_rate if history.on_time_rate is not None else 1.0
    cases = history.case_rate if history.case_rate is not None else 0.0
    return on_time * (1 - history.damage_rate) * (1 - history.loss_rate) * (1 - cases)


def _factors(
    eligible: Sequence[Candidate], weights: Weights, min_history: int
) -> dict[str, list[Factor]]:
    cost_value = {c.code: float(c.quote.cents) for c in eligible if c.quote is not None}
    speeds = {c.code: transit_hours(c, min_history) for c in eligible}
    speed_value = {code: (p50 + p90) / 2 for code, (p50, p90, _source) in speeds.items()}
    measured = {
        c.code: reliability(c.history)
        for c in eligible
        if c.history is not None and has_enough_history(c, min_history)
    }
    scores = {
        COST: _normalised(cost_value, lower_is_better=True),
        SPEED: _normalised(speed_value, lower_is_better=True),
        RELIABILITY: _normalised(measured, lower_is_better=False),
    }
    share = {
        factor: weights.of(factor) / weights.total if weights.total else 0.0 for factor in FACTORS
    }
    found: dict[str, list[Factor]] = {}
    for candidate in eligible:
        code = candidate.code
        p50, p90, speed_source = speeds[code]
        history = candidate.history
        reliability_score = scores[RELIABILITY].get(code, UNMEASURED_SCORE)
        rows: list[tuple[str, float | None, float, str, dict[str, float | None]]] = [
            (COST, cost_value[code], scores[COST][code], QUOTE, {}),
            (SPEED, speed_value[code], scores[SPEED][code], speed_source, {"p50_hours": p50, "p90_hours": p90}),
            (
                RELIABILITY,
                measured.get(code),
                reliability_score,
                HISTORY if code in measured else UNMEASURED,
                {
                    "on_time_rate": history.on_time_rate if history else None,
                    "damage_rate": history.damage_rate if history else None,
                    "loss_rate": history.loss_rate if history else None,
                    "case_rate": history.case_rate if history else None,
                },
            ),
        ]  # fmt: skip
        found[code] = [
            Factor(
                name,
                None if value is None else round(value, 4),
                round(score, 4),
                weights.of(name),
                round(share[name] * score * 100, 2),
                source,
                details,
            )
            for name, value, score, source, details in rows
        ]
    return found


def rank_carriers(
    candidates: Sequence[Candidate],
    *,
    needed_services: Sequence[str],
    weights: Weights,
    destination: str,
    requested: str = "",
    notes: Sequence[str] = (),
    min_history: int = MIN_HISTORY,
) -> Ranking:
    """The eligible carriers best first (the requested one first when eligible), and the
    excluded ones with their reasons."""
    eligible, excluded = [], []
    for candidate in candidates:
        reasons = exclusion_reasons(candidate, needed_services, destination)
        if reasons:
            excluded.append(Exclusion(candidate.code, candidate.name, reasons))
        else:
            eligible.append(candidate)
    factors = _factors(eligible, weights, min_history)
    totals = {code: round(sum(f.points for f in rows), 2) for code, rows in factors.items()}
    requested_is_eligible = any(c.code == requested for c in eligible)
    ordered = sorted(
        eligible,
        key=lambda c: (
            not (requested_is_eligible and c.code == requested),
            -totals[c.code],
            c.quote.cents if c.quote else 0,
            c.code,
        ),
    )
    options = tuple(
        Option(
            rank=position,
            carrier=c.code,
            name=c.name,
            total=totals[c.code],
            is_requested=c.code == requested,
            quote=c.quote,  # type: ignore[arg-type]  # eligible: priced
            factors=tuple(factors[c.code]),
            uses_history=has_enough_history(c, min_history),
            delivered_on_lane=c.history.delivered if c.history else 0,
        )
        for position, c in enumerate(ordered, start=1)
    )
    return Ranking(
        options=options,
        excluded=tuple(excluded),
        needed_services=tuple(needed_services),
        weights=weights,
        requested_carrier=requested,
        notes=(*notes, *_requested_notes(requested, candidates, excluded, requested_is_eligible)),
    )


def _requested_notes(
    requested: str,
    candidates: Sequence[Candidate],
    excluded: Sequence[Exclusion],
    requested_is_eligible: bool,
) -> tuple[str, ...]:
    if not requested:
        return ()
    names = {c.code: c.name for c in candidates}
    name = names.get(requested, requested)
    if requested_is_eligible:
        return (
            _(
                "The customer asked for %(carrier)s; it delivers there and offers what the "
                "order needs, so it comes first whatever its score."
            )
            % {"carrier": name},
        )
    for exclusion in excluded:
        if exclusion.carrier == requested:
            why = " ".join(reason.message for reason in exclusion.reasons)
            return (
                _("The customer asked for %(carrier)s, but it cannot take this parcel: %(why)s")
                % {"carrier": name, "why": why},
            )
    return (_("The customer asked for %(carrier)s, which is not in use.") % {"carrier": name},)
