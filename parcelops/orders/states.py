"""The order's vocabularies and its one allowed-transition table (R1.2, R8.1)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderState(models.TextChoices):
    AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
    PAID = "paid", _("Paid, being processed")  # the processor confirms details and stock
    IN_REVIEW = "in_review", _("In review")  # large, VIP or special: waits for a reviewer
    APPROVED = "approved", _("Approved")  # cleared to ship; awaits stock allocation
    ALLOCATED = "allocated", _("Stock allocated")
    PICKING = "picking", _("Picking")
    PACKED = "packed", _("Packed")
    SHIPPED = "shipped", _("Shipped")  # handed to the carrier
    IN_TRANSIT = "in_transit", _("In transit")
    DELIVERED = "delivered", _("Delivered")  # signed for
    COMPLETED = "completed", _("Completed")  # the after-sales period runs from here
    CANCELLED = "cancelled", _("Cancelled")


class OrderType(models.TextChoices):
    NORMAL = "normal", _("Normal")
    LARGE = "large", _("Large amount")
    SPECIAL = "special", _("Special")


class CustomerTier(models.TextChoices):
    REGULAR = "regular", _("Regular")
    SILVER = "silver", _("Silver")
    GOLD = "gold", _("Gold")
    VIP = "vip", _("VIP")


class ProductType(models.TextChoices):
    STANDARD = "standard", _("Standard")
    CUSTOM_MADE = "custom_made", _("Custom-made")
    GROUP_BUY = "group_buy", _("Group-buy")
    PRE_SALE = "pre_sale", _("Pre-sale")


SPECIAL_PRODUCT_TYPES = frozenset(
    {ProductType.CUSTOM_MADE, ProductType.GROUP_BUY, ProductType.PRE_SALE}
)


class ReviewState(models.TextChoices):
    NOT_REQUIRED = "not_required", _("Not required")
    REQUIRED = "required", _("Required, not yet submitted")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected, to be corrected")


S = OrderState
ALLOWED_TRANSITIONS: dict[OrderState, frozenset[OrderState]] = {
    S.AWAITING_PAYMENT: frozenset({S.PAID, S.CANCELLED}),
    S.PAID: frozenset({S.IN_REVIEW, S.APPROVED, S.CANCELLED}),
    S.IN_REVIEW: frozenset({S.APPROVED, S.PAID, S.CANCELLED}),  # PAID: rejected for correction
    S.APPROVED: frozenset({S.ALLOCATED, S.CANCELLED}),
    S.ALLOCATED: frozenset({S.PICKING, S.APPROVED, S.CANCELLED}),  # APPROVED: stock released
    S.PICKING: frozenset({S.PACKED, S.ALLOCATED}),  # ALLOCATED: pick abandoned
    S.PACKED: frozenset({S.SHIPPED}),
    S.SHIPPED: frozenset({S.IN_TRANSIT, S.DELIVERED}),
    S.IN_TRANSIT: frozenset({S.DELIVERED}),
    # SHIPPED: a replacement parcel for one that went wrong (an exception case's reship).
    S.DELIVERED: frozenset({S.COMPLETED, S.SHIPPED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
}

# States where the order's lines and amounts may still change (never while in review).
EDITABLE_STATES = frozenset({S.AWAITING_PAYMENT, S.PAID})
# States the warehouse and delivery steps move an order on from (reaching APPROVED from
# PAID or IN_REVIEW is a processor's confirmation or a reviewer's decision, never a step).
FULFILMENT_STATES = frozenset(
    {S.APPROVED, S.ALLOCATED, S.PICKING, S.PACKED, S.SHIPPED, S.IN_TRANSIT}
)
# States that count towards a processor's workload.
OPEN_PROCESSING_STATES = frozenset({S.AWAITING_PAYMENT, S.PAID, S.IN_REVIEW})
FINAL_STATES = frozenset({S.COMPLETED, S.CANCELLED})


def can_transition(from_state: str, to_state: str) -> bool:
    return OrderState(to_state) in ALLOWED_TRANSITIONS[OrderState(from_state)]


class OrderEventType(models.TextChoices):
    PLACED = "placed", _("Order placed")
    PAID = "paid", _("Payment received")
    ASSIGNED = "assigned", _("Assigned")
    CONFIRMED = "confirmed", _("Details confirmed")
    SUBMITTED_FOR_REVIEW = "submitted_for_review", _("Submitted for review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    EDITED = "edited", _("Edited")
    STATE_CHANGED = "state_changed", _("Status changed")
    CANCELLED = "cancelled", _("Cancelled")
    DELETED = "deleted", _("Deleted as invalid")
    COMPLETED = "completed", _("Completed")
    RESHIPPED = "reshipped", _("Replacement parcel sent")
    NOTE = "note", _("Note")
    # A known customer's tier differed at intake; data holds the old and the new tier.
    CUSTOMER_TIER_CHANGED = "customer_tier_changed", _("Customer tier changed")
