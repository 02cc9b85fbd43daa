"""Stock-out alerts (R3.1): the SKUs' free stock against their minimum, and the alert to
the people who manage the warehouse when a SKU falls below it, once per crossing."""

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import F, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from parcelops.accounts import roles
from parcelops.orders.models import Product
from parcelops.outbox import actions as outbox
from parcelops.warehouse.models import SkuProfile, StockLevel


def available_of(product_id: int) -> int:
    """The SKU's free units (on hand less reserved) over every bin."""
    total = StockLevel.objects.filter(product_id=product_id).aggregate(
        total=Sum(F("on_hand") - F("reserved"))
    )
    return int(total["total"] or 0)


def alert_if_below_minimum(product_id: int, before: int, after: int, cause: str) -> None:
    """Alert the people who manage the warehouse when a SKU's free stock (on hand less
    reserved) falls below its minimum: once per crossing (the move or reservation that
    crossed, `cause`, keys the alert), never again while it stays below."""
    profile = SkuProfile.objects.filter(product_id=product_id).first()
    if profile is None or profile.min_stock == 0 or not (after < profile.min_stock <= before):
        return
    sku = Product.objects.values_list("sku", flat=True).get(pk=product_id)
    text = _("Free stock of %(sku)s fell to %(after)s, below its minimum of %(min)s.") % {
        "sku": sku,
        "after": after,
        "min": profile.min_stock,
    }
    outbox.alert_many(
        [
            outbox.AlertRequest(
                user,
                f"stock.low:{product_id}:{cause}:{user.pk}",
                "stock.low",
                text,
                reverse("warehouse:stock_sku", args=[sku]),
            )
            for user in managers()
        ]
    )


def managers() -> list[Any]:
    """The active people whose role may manage the warehouse."""
    app_label, codename = roles.MANAGE_WAREHOUSE.split(".")
    perm = Q(
        groups__permissions__codename=codename,
        groups__permissions__content_type__app_label=app_label,
    )
    return list(
        get_user_model()
        .objects.filter(perm | Q(is_superuser=True), is_active=True)
        .distinct()
        .order_by("pk")
    )
