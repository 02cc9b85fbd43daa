"""Carrier choice as people read it: one dict for the API's answer and the pages' include
(warehouse/_carrier_options.html), with each factor's figure written out in the active
language beside its raw value."""

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from parcelops.core.money import display_money
from parcelops.warehouse.carrier_choice import (
    COST,
    DEFAULTS,
    HISTORY,
    MIN_HISTORY,
    QUOTE,
    RELIABILITY,
    SPEED,
    UNMEASURED,
    Factor,
    Option,
    service_label,
)
from parcelops.warehouse.choice_queries import WEIGHED, CarrierOptions

FACTOR_LABELS = {
    COST: pgettext_lazy("carrier choice", "Cost"),
    SPEED: pgettext_lazy("carrier choice", "Speed"),
    RELIABILITY: pgettext_lazy("carrier choice", "Reliability"),
}
SOURCE_LABELS = {
    QUOTE: gettext_lazy("price rules"),
    HISTORY: gettext_lazy("measured on this lane"),
    DEFAULTS: gettext_lazy("carrier's defaults: too little history"),
    UNMEASURED: gettext_lazy("too little history: counted as middling"),
}


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f} %"


def _hours(value: float | None) -> str:
    return "-" if value is None else _("%(hours)s h") % {"hours": f"{value:.0f}"}


def value_text(factor: Factor, option: Option) -> str:
    """The factor's figure as a sentence fragment: ¥12.00; 36 h (p50 24 h, p90 48 h); ..."""
    if factor.name == COST:
        return display_money(option.quote.cents, option.quote.currency)
    details = factor.details
    if factor.name == SPEED:
        return _("%(mean)s (p50 %(p50)s, p90 %(p90)s)") % {
            "mean": _hours(factor.value),
            "p50": _hours(details["p50_hours"]),
            "p90": _hours(details["p90_hours"]),
        }
    if factor.source == UNMEASURED:
        return _("not measured")
    parts = _("on time %(on_time)s, damaged %(damaged)s, lost %(lost)s, cases %(cases)s") % {
        "on_time": _percent(details["on_time_rate"]),
        "damaged": _percent(details["damage_rate"]),
        "lost": _percent(details["loss_rate"]),
        "cases": _percent(details["case_rate"]),
    }
    return f"{_percent(factor.value)} ({parts})"


def history_text(option: Option) -> str:
    """Whether the lane's history or the carrier's defaults decided speed and reliability."""
    counts = {"count": option.delivered_on_lane, "needed": MIN_HISTORY}
    if option.uses_history:
        return (
            _("Measured from %(count)d parcels delivered on this lane in the last year.") % counts
        )
    if not option.delivered_on_lane:
        return _(
            "No parcel delivered on this lane in the last year: the carrier's default transit "
            "times are used."
        )
    return (
        _(
            "Only %(count)d parcels delivered on this lane in the last year (fewer than "
            "%(needed)d): the carrier's default transit times are used."
        )
        % counts
    )


def _option(option: Option) -> dict[str, Any]:
    return {
        "rank": option.rank,
        "carrier": option.carrier,
        "name": option.name,
        "total": option.total,
        "is_requested": option.is_requested,
        "quote_cents": option.quote.cents,
        "currency": option.quote.currency,
        "quote_display": display_money(option.quote.cents, option.quote.currency),
        "chargeable_grams": option.quote.chargeable_grams,
        "volumetric_grams": option.quote.volumetric_grams,
        "uses_history": option.uses_history,
        "delivered_on_lane": option.delivered_on_lane,
        "history_text": history_text(option),
        "factors": [
            {
                "name": factor.name,
                "label": str(FACTOR_LABELS[factor.name]),
                "value": factor.value,
                "value_text": value_text(factor, option),
                "score": factor.score,
                "weight": factor.weight,
                "points": factor.points,
                "source": factor.source,
                "source_label": str(SOURCE_LABELS[factor.source]),
                "details": factor.details,
            }
            for factor in option.factors
        ],
    }


def present(options: CarrierOptions) -> dict[str, Any]:
    ranking = options.ranking
    chosen = ranking.chosen
    return {
        "order": options.order_number,
        "origin_province": options.origin_province,
        "destination_province": options.destination_province,
        "weight_grams": options.weight_grams,
        "weight_source": options.weight_source,
        "weight_text": (
            _("weighed at packing")
            if options.weight_source == WEIGHED
            else pgettext("carrier choice", "expected from the products")
        ),
        "length_mm": options.length_mm,
        "width_mm": options.width_mm,
        "height_mm": options.height_mm,
        "needed_services": list(ranking.needed_services),
        "needed_services_text": [service_label(s) for s in ranking.needed_services],
        "requested_carrier": ranking.requested_carrier or None,
        "chosen": chosen.carrier if chosen else None,
        "weights": {
            "cost": ranking.weights.cost,
            "speed": ranking.weights.speed,
            "reliability": ranking.weights.reliability,
        },
        "min_history": MIN_HISTORY,
        "options": [_option(option) for option in ranking.options],
        "excluded": [
            {
                "carrier": exclusion.carrier,
                "name": exclusion.name,
                "reasons": [
                    {"code": reason.code, "message": reason.message} for reason in exclusion.reasons
                ],
            }
            for exclusion in ranking.excluded
        ],
        "notes": list(ranking.notes),
    }
