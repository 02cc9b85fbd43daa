"""/api/v1/stock: stock by SKU and bin, filtered as the stock page filters it. Read-only:
stock moves through the pages' forms (parcelops.warehouse.actions.stock)."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from parcelops.core.api_schemas import MAX_ID, SIGNED_IN, error_responses
from parcelops.core.errors import NotPermittedError
from parcelops.warehouse import stock_queries

router = Router(tags=["stock"])


class StockLevelOut(Schema):
    sku: str
    name: str
    category: str
    warehouse: str
    zone: str
    bin: str
    on_hand: int
    reserved: int
    available: int


class StockListOut(Schema):
    count: int
    results: list[StockLevelOut]


@router.get(
    "",
    response={200: StockListOut, **error_responses(*SIGNED_IN, 403, 422)},
    summary="Stock by SKU and bin",
    description=(
        "Levels holding stock (on hand or reserved), by SKU then the warehouse's walk order. "
        "q matches a SKU or name (part of it) or a bin code (whole)."
    ),
)
def list_stock(
    request: HttpRequest,
    q: str = Query("", max_length=80, description="SKU, name or bin code"),
    warehouse: str = Query("", max_length=20, description="A warehouse's code"),
    zone: str = Query("", max_length=20, description="A zone's code"),
    category: str = Query("", max_length=100, description="A product category"),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=MAX_ID),
) -> dict[str, Any]:
    if not stock_queries.can_read_stock(request.user):
        raise NotPermittedError(_("Your role does not allow this action."))
    rows = stock_queries.levels(search=q, warehouse=warehouse, zone=zone, category=category)
    return {
        "count": rows.count(),
        "results": [
            {
                "sku": level.product.sku,
                "name": level.product.name,
                "category": level.product.category,
                "warehouse": level.bin.warehouse.code,
                "zone": level.bin.zone.code,
                "bin": level.bin.code,
                "on_hand": level.on_hand,
                "reserved": level.reserved,
                "available": level.available,
            }
            for level in rows[offset : offset + limit]
        ],
    }
