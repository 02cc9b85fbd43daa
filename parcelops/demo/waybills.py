"""The demo's waybill number ranges: one range per demo carrier as its outlet would issue
it, with check digits where the carrier's numbers have them, and one (Yunda's) nearly used
up, so the number ranges page shows a low range and its first label alerts the managers.
Idempotent: a range that exists (same carrier, prefix and first serial) is left alone."""

from parcelops.core.clock import now
from parcelops.warehouse.models import NumberRange

# carrier, prefix, first, last, digits, check digit, numbers already used
DEMO_RANGES = (
    ("zto", "", 731_000_000_000, 731_000_999_999, 12, "", 0),
    ("yto", "YT", 7_310_000_000_000, 7_310_000_499_999, 13, "", 0),
    ("sto", "", 773_100_000_000, 773_100_199_999, 12, "", 0),
    ("yunda", "", 4_310_000_000_000, 4_310_000_004_999, 13, "", 4_960),  # 40 left
    ("sf-express", "SF", 1_400_000_000_000, 1_400_000_099_999, 13, "mod10", 0),
    ("jtexpress", "JT", 5_000_000_000_000, 5_000_000_299_999, 13, "", 0),
    ("ems", "EA", 10_000_000, 10_999_999, 8, "mod11", 0),
)


def ensure_number_ranges() -> int:
    """The demo ranges; how many were created."""
    created = 0
    for carrier, prefix, first, last, digits, check_digit, used in DEMO_RANGES:
        _row, is_new = NumberRange.objects.get_or_create(
            carrier=carrier,
            prefix=prefix,
            first=first,
            defaults={
                "last": last,
                "next_serial": first + used,
                "digits": digits,
                "check_digit": check_digit,
                "low_alert_at": 1000,
                "created_at": now(),
            },
        )
        created += is_new
    return created
