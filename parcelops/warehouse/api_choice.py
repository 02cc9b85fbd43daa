"""/api/v1/orders/{number}/carrier-options: the carriers ranked for an order's parcel, each
factor with its figure, score and weight, and the carriers excluded with their reasons.
Thin: check the role, find the order, call carrier choice, answer its explanation."""

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from parcelops.core.api_schemas import SIGNED_IN, error_responses
from parcelops.orders.models import Order
from parcelops.warehouse.choice_presentation import present
from parcelops.warehouse.choice_queries import carrier_options, require_choice_permission

router = Router(tags=["warehouse"])


class FactorOut(Schema):
    name: str = Field(description="cost | speed | reliability")
    label: str
    value: float | None = Field(
        description="The figure compared: cents (cost), hours (speed: the mean of p50 and "
        "p90), a share 0..1 (reliability); null when too little history measured it"
    )
    value_text: str
    score: float = Field(description="0..1 across the eligible carriers (best = 1)")
    weight: int
    points: float = Field(description="This factor's part of the total: weight share x score x 100")
    source: str = Field(description="quote | history | defaults | unmeasured")
    source_label: str
    details: dict[str, float | None]


class OptionOut(Schema):
    rank: int
    carrier: str
    name: str
    total: float = Field(description="0..100")
    is_requested: bool
    quote_cents: int
    currency: str
    quote_display: str
    chargeable_grams: int
    volumetric_grams: int
    uses_history: bool = Field(description="false: too little history, the carrier's defaults")
    delivered_on_lane: int
    history_text: str
    factors: list[FactorOut]


class ReasonOut(Schema):
    code: str = Field(description="no_coverage | missing_service | no_price")
    message: str


class ExcludedOut(Schema):
    carrier: str
    name: str
    reasons: list[ReasonOut]


class WeightsOut(Schema):
    cost: int
    speed: int
    reliability: int


class CarrierOptionsOut(Schema):
    order: str
    origin_province: str
    destination_province: str
    weight_grams: int
    weight_source: str = Field(description="weighed | expected")
    weight_text: str
    length_mm: int
    width_mm: int
    height_mm: int
    needed_services: list[str]
    needed_services_text: list[str]
    requested_carrier: str | None
    chosen: str | None = Field(description="The first option's carrier; null when none fits")
    weights: WeightsOut
    min_history: int
    options: list[OptionOut]
    excluded: list[ExcludedOut]
    notes: list[str]


@router.get(
    "/{number}/carrier-options",
    response={200: CarrierOptionsOut, **error_responses(*SIGNED_IN, 403, 404, 409)},
    summary="The carriers ranked for an order's parcel, with the reasons",
    description=(
        "For an allocated, picking or packed order (409 otherwise): every active carrier "
        "that delivers to the order's province, offers the services it needs and has a "
        "price for the lane, best first (the customer's requested carrier first when it "
        "qualifies), each factor with its figure, score and weight; and the carriers "
        "excluded, with why."
    ),
)
def get_carrier_options(request: HttpRequest, number: str) -> dict[str, Any]:
    require_choice_permission(request.user)
    order = get_object_or_404(Order.objects.all(), number=number)
    return present(carrier_options(order))
