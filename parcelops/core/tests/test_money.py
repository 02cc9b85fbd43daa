"""Money as integer cents: parsing the API's decimal strings and formatting them back."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parcelops.core.money import MoneyFormatError, display_money, format_cents, parse_cents

LARGEST = 10**14 - 1  # twelve digits before the decimal point


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("0", 0),
        ("0.00", 0),
        ("0.01", 1),
        ("12", 1200),
        ("12.5", 1250),
        ("12.50", 1250),
        (" 12.50 ", 1250),
        ("-1.00", -100),
        ("-0.01", -1),
        ("999999999999.99", LARGEST),
        ("0012.30", 1230),
    ],
)
def test_a_decimal_string_is_read_as_cents(text, cents):
    assert parse_cents(text) == cents


@pytest.mark.parametrize(
    "value",
    [
        "12.505",
        "12,50",
        "1,234.00",
        "12.",
        ".50",
        "+12.50",
        "1e3",
        "NaN",
        "Infinity",
        "",
        " ",
        "12 .50",
        "１２.５０",
        "١٢.٥٠",
        "¥12.50",
        "12.50 CNY",
        "1000000000000.00",
        "12.50\n3",
        12.5,
        12,
        None,
        True,
        b"12.50",
    ],
    ids=repr,
)
def test_anything_but_a_decimal_string_with_two_places_is_refused(value):
    with pytest.raises(MoneyFormatError):
        parse_cents(value)


@pytest.mark.parametrize(
    ("cents", "text"),
    [
        (0, "0.00"),
        (1, "0.01"),
        (1250, "12.50"),
        (-1, "-0.01"),
        (-1250, "-12.50"),
        (10**6, "10000.00"),
    ],
)
def test_cents_are_formatted_with_two_decimal_places(cents, text):
    assert format_cents(cents) == text


@pytest.mark.parametrize(
    ("cents", "currency", "text"),
    [
        (123456789, "CNY", "¥1,234,567.89"),
        (-1250, "USD", "-$12.50"),
        (5, "EUR", "€0.05"),
        (100, "HKD", "HK$1.00"),
        (100, "JPY", "JPY 1.00"),
    ],
)
def test_money_is_displayed_with_its_currency(cents, currency, text):
    assert display_money(cents, currency) == text


@given(st.integers(min_value=-LARGEST, max_value=LARGEST))
def test_formatting_and_parsing_round_trip(cents):
    assert parse_cents(format_cents(cents)) == cents


@given(st.text(max_size=20))
def test_parsing_any_text_either_gives_cents_or_a_format_error(text):
    try:
        cents = parse_cents(text)
    except MoneyFormatError:
        return
    assert isinstance(cents, int)
    assert format_cents(cents) == format_cents(parse_cents(format_cents(cents)))
