"""Waybill numbers from a range: the format, the check digits (the carrier detection's
own functions), overlap and what is left. Pure rules, no database."""

from hypothesis import given
from hypothesis import strategies as st

from parcelops.carriers.detection import (
    dhl_express_check_digit,
    luhn_check_digit,
    normalise_tracking_number,
    s10_check_digit,
    tracking_number_error,
)
from parcelops.warehouse import numbering
from parcelops.warehouse.numbering import RangeShape


def test_a_serial_is_zero_padded_between_prefix_and_suffix():
    assert numbering.waybill_number(RangeShape("ZT", "", 10, ""), 42) == "ZT0000000042"


def test_the_s10_check_digit_of_the_upu_example():
    # UPU S10's own example: RR 47326585 2 CH.
    assert numbering.waybill_number(RangeShape("RR", "CH", 8, "mod11"), 47326585) == "RR473265852CH"


def test_luhn_of_the_textbook_example():
    assert luhn_check_digit("7992739871") == 3
    assert numbering.waybill_number(RangeShape("", "", 10, "mod10"), 7992739871) == "79927398713"


def test_mod7_is_the_serial_mod_7():
    assert numbering.waybill_number(RangeShape("", "", 6, "mod7"), 123456) == "1234564"
    assert dhl_express_check_digit("123456") == 123456 % 7


@given(st.integers(min_value=0, max_value=99_999_999))
def test_every_mod11_number_passes_the_s10_check_it_is_read_with(serial):
    number = numbering.waybill_number(RangeShape("EA", "CN", 8, "mod11"), serial)
    assert len(number) == 13
    assert int(number[10]) == s10_check_digit(number[2:10])
    assert normalise_tracking_number(number) == number
    assert tracking_number_error(number) is None


@given(st.integers(min_value=0, max_value=10**12 - 1))
def test_every_luhn_number_sums_to_a_multiple_of_ten(serial):
    number = numbering.waybill_number(RangeShape("", "", 12, "mod10"), serial)
    digits = [int(d) for d in reversed(number)]
    total = sum(
        d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(digits)
    )
    assert total % 10 == 0


def test_ranges_of_one_shape_overlap_when_their_serials_meet():
    shape = RangeShape("ZT", "", 10, "")
    assert numbering.overlaps(shape, 1, 100, shape, 100, 200) is True
    assert numbering.overlaps(shape, 1, 100, shape, 101, 200) is False
    assert numbering.overlaps(shape, 50, 60, shape, 1, 100) is True


def test_ranges_with_other_prefixes_never_overlap():
    assert (
        numbering.overlaps(
            RangeShape("EA", "CN", 8, "mod11"), 1, 100, RangeShape("EB", "CN", 8, "mod11"), 1, 100
        )
        is False
    )


def test_what_is_left_of_a_range():
    assert numbering.remaining(100, 199, 100) == 100
    assert numbering.remaining(100, 199, 199) == 1
    assert numbering.remaining(100, 199, 200) == 0
    assert numbering.crosses_low_mark(9, 10) is True
    assert numbering.crosses_low_mark(10, 10) is False
