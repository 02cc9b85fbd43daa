"""Waybill numbers from a carrier's number range (R3.3): how a serial becomes a number, the
check digit schemes a range may use, and when two ranges collide. Pure: no database.

The check digits are the carrier detection's own functions (parcelops.carriers.detection):
one rule, one function, whether a number is being read or made.
"""

from collections.abc import Callable
from dataclasses import dataclass

from parcelops.carriers.detection import (
    dhl_express_check_digit,
    luhn_check_digit,
    s10_check_digit,
)

# scheme -> the check digit of the serial's digits (NumberRange.CheckDigit's values).
CHECK_DIGITS: dict[str, Callable[[str], int]] = {
    "mod7": dhl_express_check_digit,  # the serial mod 7 (EMS-style and DHL Express serials)
    "mod10": luhn_check_digit,
    "mod11": s10_check_digit,  # UPU S10: exactly 8 serial digits
}
# A scheme that fixes the serial's width.
SCHEME_DIGITS = {"mod11": 8}
MAX_DIGITS = 18  # a BigIntegerField holds 18 decimal digits whatever their value
MAX_NUMBER_LENGTH = 40  # what every entry accepts as a tracking number (carriers.detection)


@dataclass(frozen=True)
class RangeShape:
    """What makes a range's numbers: the fields of warehouse.NumberRange that matter."""

    prefix: str
    suffix: str
    digits: int
    check_digit: str  # "" for none


def serial_text(shape: RangeShape, serial: int) -> str:
    return str(serial).zfill(shape.digits)


def waybill_number(shape: RangeShape, serial: int) -> str:
    """The printed number of one serial: prefix, the serial zero-padded to its width, the
    check digit when the carrier uses one, suffix (EA 12345678 5 CN)."""
    text = serial_text(shape, serial)
    check = CHECK_DIGITS[shape.check_digit](text) if shape.check_digit else None
    return f"{shape.prefix}{text}{'' if check is None else check}{shape.suffix}"


def number_length(shape: RangeShape) -> int:
    return len(shape.prefix) + shape.digits + (1 if shape.check_digit else 0) + len(shape.suffix)


def remaining(first: int, last: int, next_serial: int) -> int:
    """Numbers still to give out; 0 when used up."""
    return max(0, last - max(next_serial, first) + 1)


def overlaps(
    a: RangeShape, a_first: int, a_last: int, b: RangeShape, b_first: int, b_last: int
) -> bool:
    """Whether two ranges of one carrier could make the same number: the same prefix,
    suffix and width with serials in common. Ranges with different prefixes (EA..., EB...)
    never collide."""
    same_shape = (a.prefix, a.suffix, a.digits) == (b.prefix, b.suffix, b.digits)
    return same_shape and a_first <= b_last and b_first <= a_last


def crosses_low_mark(left: int, low_alert_at: int) -> bool:
    """Whether a range with `left` numbers is low: fewer left than its alert mark."""
    return left < low_alert_at
