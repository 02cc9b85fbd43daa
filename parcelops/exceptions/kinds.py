"""The exception desk's words: case types, severities, owner tiers, states, sources,
resolutions, the steps a case's timeline records, and the thresholds' measures.

Each value is stable: the API and the database carry it. The carriers' substatuses
(`held_by_customs`, `address_invalid`, `stranded`, ...) stay the evidence; the type is
the desk's word for what went wrong (R5.1.1)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseType(models.TextChoices):
    DELAYED = "delayed", _("Delayed")
    STALLED = "stalled", _("No scans")
    NO_FIRST_SCAN = "no_first_scan", _("No first scan")
    LOST = "lost", _("Lost")
    DAMAGED = "damaged", _("Damaged")
    REFUSED = "refused", _("Refused")
    ADDRESS_PROBLEM = "address_problem", _("Address problem")
    FAILED_DELIVERY = "failed_delivery", _("Failed delivery")
    RETURNING = "returning", _("Returning unasked")
    MISDELIVERED = "misdelivered", _("Misdelivered")
    WRONG_INFO = "wrong_info", _("Wrong tracking information")
    CUSTOMS_HOLD = "customs_hold", _("Held in customs")
    PICKUP_EXPIRING = "pickup_expiring", _("Pickup expiring")
    NOT_SHIPPED = "not_shipped", _("Not shipped in time")
    OTHER = "other", _("Other")  # reported by hand, fits none of the above


class Severity(models.TextChoices):
    MINOR = "minor", _("Minor")
    MODERATE = "moderate", _("Moderate")
    MAJOR = "major", _("Major")


SEVERITY_ORDER = {Severity.MINOR: 0, Severity.MODERATE: 1, Severity.MAJOR: 2}


class OwnerTier(models.TextChoices):
    """Who handles a case of each severity (R5.2.3), and who it escalates to."""

    STAFF = "staff", _("Logistics staff")
    HEAD = "head", _("Logistics department head")
    LEADERSHIP = "leadership", _("Leadership")


TIER_ORDER = (OwnerTier.STAFF, OwnerTier.HEAD, OwnerTier.LEADERSHIP)
TIER_OF_SEVERITY = {
    Severity.MINOR: OwnerTier.STAFF,
    Severity.MODERATE: OwnerTier.HEAD,
    Severity.MAJOR: OwnerTier.LEADERSHIP,
}


def tier_above(tier: str) -> str | None:
    """The tier a breached case escalates to; None above leadership."""
    index = TIER_ORDER.index(OwnerTier(tier))
    return TIER_ORDER[index + 1] if index + 1 < len(TIER_ORDER) else None


class CaseState(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class CaseSource(models.TextChoices):
    DETECTED = "detected", _("Detected from tracking")
    SWEEP = "sweep", _("Detected by the clock")
    STAFF = "staff", _("Reported by staff")
    CUSTOMER = "customer", _("Reported by a customer")


class Resolution(models.TextChoices):
    RESHIPPED = "reshipped", _("Reshipped")
    REFUNDED = "refunded", _("Refunded")
    COMPENSATED = "compensated", _("Compensated")
    CARRIER_CLAIM = "carrier_claim", _("Carrier claim")
    RESOLVED_BY_CARRIER = "resolved_by_carrier", _("Resolved by the carrier")
    CLEARED = "cleared", _("Condition cleared")  # closed by itself: the parcel moved on
    NO_ACTION = "no_action", _("No action needed")


class CaseEventKind(models.TextChoices):
    OPENED = "opened", _("Opened")
    EVIDENCE = "evidence", _("New evidence")
    ASSIGNED = "assigned", _("Assigned")
    SEVERITY_CHANGED = "severity_changed", _("Severity changed")
    WARNED = "warned", _("Deadline warning")
    BREACHED = "breached", _("Deadline breached")
    ESCALATED = "escalated", _("Escalated")
    CLEARED = "cleared", _("Condition cleared")
    NOTE = "note", _("Note")
    CARRIER_CONTACTED = "carrier_contacted", _("Carrier contacted")
    CUSTOMER_NOTIFIED = "customer_notified", _("Customer notified")
    RESHIPPED = "reshipped", _("Reshipped")
    REFUNDED = "refunded", _("Refund or compensation")
    CLAIM_FILED = "claim_filed", _("Carrier claim filed")
    CLOSED = "closed", _("Closed")


class Measure(models.TextChoices):
    """What a threshold measures, in hours (defaults in docs/user-guide.md)."""

    FIRST_SCAN = "first_scan", _("Hours from label to first carrier scan")
    STALL = "stall", _("Hours without a scan in transit")
    LOST = "lost", _("Hours of silence before a parcel counts as lost")
    CUSTOMS = "customs", _("Hours in customs before a case")
    PICKUP_HOLD = "pickup_hold", _("Hours a pickup point holds a parcel")
    PICKUP_WARNING = "pickup_warning", _("Hours before the hold ends to warn")
    TRANSIT = "transit", _("Expected hours from hand-over to delivery")
    HANDLING = "handling", _("Hours from approval to hand-over")


DEFAULT_THRESHOLD_HOURS: dict[str, float] = {
    Measure.FIRST_SCAN: 24,
    Measure.STALL: 48,
    Measure.LOST: 240,
    Measure.CUSTOMS: 72,
    Measure.PICKUP_HOLD: 72,
    Measure.PICKUP_WARNING: 24,
    Measure.TRANSIT: 96,
    Measure.HANDLING: 48,
}

# The handling deadline of each severity, from discovery (R5.3).
DEFAULT_SLA_HOURS: dict[str, float] = {
    Severity.MINOR: 2,
    Severity.MODERATE: 4,
    Severity.MAJOR: 8,
}
DEFAULT_WARNING_FRACTIONS = (0.5, 0.8)

# Types that close themselves when their condition clears (the parcel moved on).
SELF_CLEARING_TYPES = frozenset(
    {
        CaseType.STALLED,
        CaseType.NO_FIRST_SCAN,
        CaseType.DELAYED,
        CaseType.CUSTOMS_HOLD,
        CaseType.PICKUP_EXPIRING,
        CaseType.NOT_SHIPPED,
    }
)
