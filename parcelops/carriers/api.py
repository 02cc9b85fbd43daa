"""/api/v1/carriers: the carriers ParcelOps knows, and which of them a tracking number fits.
Thin: check the permission, call the registry or the detection, shape the answer."""

from typing import Any

from django.http import HttpRequest
from ninja import Router

from parcelops.accounts import roles
from parcelops.accounts.permissions import require_permission
from parcelops.carriers import registry
from parcelops.carriers.detection import (
    detect_carriers,
    normalise_tracking_number,
    tracking_number_error,
)
from parcelops.carriers.registry import CarrierInfo
from parcelops.core.api_schemas import SIGNED_IN, error_responses
from parcelops.core.errors import FieldError, InputError

router = Router(tags=["carriers"])


def carrier_view(info: CarrierInfo) -> dict[str, Any]:
    return {
        "code": info.code,
        "name": info.name(),
        "name_en": info.name_en,
        "name_zh": info.name_zh,
        "time_zone": info.time_zone,
        "country": info.country,
        "provider_codes": {
            provider: list(codes) for provider, codes in sorted(info.provider_codes.items())
        },
        "aliases": list(info.aliases),
        "tracking_number_pattern": info.tracking_number_pattern,
        "is_active": info.is_active,
    }


@router.get(
    "",
    response={200: dict, **error_responses(*SIGNED_IN, 403)},
    summary="The carriers ParcelOps knows, with providers' codes",
)
def list_carriers(request: HttpRequest) -> dict[str, Any]:
    require_permission(request.user, roles.VIEW_ORDER)
    # The process's copy of the Carrier table: no query, and within seconds of a change.
    carriers = registry.carriers()
    return {"count": len(carriers), "results": [carrier_view(info) for info in carriers]}


@router.get(
    "/detect",
    response={200: dict, **error_responses(*SIGNED_IN, 403, 422)},
    summary="The carriers a tracking number can belong to, best first",
)
def detect(request: HttpRequest, number: str = "") -> dict[str, Any]:
    require_permission(request.user, roles.VIEW_ORDER)
    normalised = normalise_tracking_number(number)
    error = tracking_number_error(normalised)
    if error is not None:
        raise InputError([FieldError("number", error)])
    return {
        "number": normalised,
        "candidates": [
            {
                "code": candidate.code,
                "name": registry.carrier(candidate.code).name(),
                "score": candidate.score,
                "reason": candidate.reason,
            }
            for candidate in detect_carriers(normalised)
        ],
    }
