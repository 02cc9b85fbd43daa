"""The freight-bill rules without a database: each verdict at its boundary, the cells of a
bill (amounts, weights, months), the totals, and one carrier's prices per lane."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parcelops.carriers.pricing import Rule
from parcelops.orders.spreadsheet_cells import CellError
from parcelops.warehouse.freight import (
    BillTotals,
    CarrierPrices,
    Measured,
    amount_cents,
    disputed_difference,
    parse_month,
    price_verdict,
    weight_grams,
)
from parcelops.warehouse.models import BillLineVerdict as V


@pytest.mark.parametrize(
    ("billed", "verdict"),
    [
        (1050, V.OK),  # quote 1000 + 50 cents: exactly at the tolerance
        (1051, V.OVER),  # one cent over
        (950, V.OK),  # exactly at the tolerance below
        (949, V.UNDER),
        (1000, V.OK),
    ],
)
def test_the_cents_tolerance_when_it_is_the_larger(billed, verdict):
    # 2 % of 1000 is 20 cents: the 50 cents are the larger allowance.
    assert price_verdict(billed, 1000, 50, 2) == verdict


@pytest.mark.parametrize(
    ("billed", "verdict"),
    [(10200, V.OK), (10201, V.OVER), (9800, V.OK), (9799, V.UNDER)],
)
def test_the_percent_tolerance_when_it_is_the_larger(billed, verdict):
    # 2 % of 100.00 yuan is 200 cents, more than 50.
    assert price_verdict(billed, 10000, 50, 2) == verdict


def test_a_fraction_of_a_cent_of_tolerance_is_never_rounded_into_an_allowance():
    # 2 % of 12.34 yuan is 24.68 cents: 1258 is within, 1259 is over.
    assert price_verdict(1258, 1234, 0, 2) == V.OK
    assert price_verdict(1259, 1234, 0, 2) == V.OVER


def test_without_tolerance_one_cent_is_over():
    assert price_verdict(1001, 1000, 0, 0) == V.OVER
    assert price_verdict(999, 1000, 0, 0) == V.UNDER


@pytest.mark.parametrize(
    ("value", "unit", "cents"),
    [
        ("12.50", "yuan", 1250),
        (12.5, "yuan", 1250),
        ("¥1,299.90", "yuan", 129990),
        (8, "yuan", 800),
        ("0", "yuan", 0),
        ("1250", "cents", 1250),
        (1250.0, "cents", 1250),
    ],
)
def test_amounts_in_yuan_or_cents(value, unit, cents):
    assert amount_cents(value, unit) == cents


@pytest.mark.parametrize(
    ("value", "unit"),
    [("12.505", "yuan"), ("abc", "yuan"), ("-1.00", "yuan"), ("12.5", "cents"), ("nan", "yuan"),
     ("1e9", "yuan"), ("", "yuan"), ("1,2,3", "yuan")],
)  # fmt: skip
def test_malformed_amounts_are_refused(value, unit):
    with pytest.raises(CellError):
        amount_cents(value, unit)


@given(st.text(max_size=12))
def test_any_text_is_an_amount_in_whole_cents_or_refused(text):
    try:
        cents = amount_cents(text, "yuan")
    except CellError:
        return
    assert isinstance(cents, int)
    assert 0 <= cents <= 100_000_000


@given(st.decimals(min_value=0, max_value=1_000_000, places=2, allow_nan=False))
def test_every_amount_of_yuan_with_two_decimals_is_its_cents(amount):
    assert amount_cents(str(amount), "yuan") == int(amount * 100)


@pytest.mark.parametrize(
    ("value", "unit", "grams"),
    [("1.25", "kg", 1250), (0.5, "kg", 500), ("0.0001", "kg", 1), ("800", "g", 800),
     ("800.2", "g", 801)],
)  # fmt: skip
def test_weights_in_kg_or_grams_a_started_gram_counting_whole(value, unit, grams):
    assert weight_grams(value, unit) == grams


@pytest.mark.parametrize("value", ["0", "-1", "heavy", Decimal("1e12")])
def test_a_weight_must_be_more_than_nothing_and_a_number(value):
    with pytest.raises(CellError):
        weight_grams(value, "kg")


@pytest.mark.parametrize(
    ("text", "month"),
    [("2026-11", date(2026, 11, 1)), ("2026/03", date(2026, 3, 1)),
     ("2026-11-01", date(2026, 11, 1)), ("2026-13", None), ("Nov", None), ("", None),
     ("99-11", None)],
)  # fmt: skip
def test_the_billed_month(text, month):
    assert parse_month(text) == month


def test_totals_add_billed_quoted_excess_and_disputed_exactly():
    totals = BillTotals()
    totals.add(V.OK, 1000, 1000)
    totals.add(V.OVER, 1500, 1000)
    totals.add(V.UNDER, 800, 1000)
    totals.add(V.UNKNOWN, 700, None)
    totals.add(V.DUPLICATE, 1200, None)
    totals.add(V.NO_QUOTE, 900, None)
    assert (totals.lines, totals.billed_cents, totals.quoted_cents) == (6, 6100, 3000)
    assert totals.over_billed_cents == 500
    assert totals.disputed_cents == 500 + 700 + 1200
    assert totals.verdict_counts() == {
        "ok": 1, "over": 1, "under": 1, "unknown": 1, "duplicate": 1, "no_quote": 1,
    }  # fmt: skip


def test_what_the_dispute_asks_back_of_each_line():
    assert disputed_difference(V.OVER, 1500, 1000) == 500
    assert disputed_difference(V.UNKNOWN, 700, None) == 700
    assert disputed_difference(V.DUPLICATE, 1200, None) == 1200
    assert disputed_difference(V.OK, 1010, 1000) == 0


def cents(prices: CarrierPrices, service: str, lane: tuple[str, str], parcel: Measured) -> int:
    priced = prices.quote(service, *lane, parcel)
    assert priced is not None
    return priced.cents


def test_a_service_has_its_own_rules_else_the_standard_ones():
    standard = Rule("*", "*", 1000, 1000, 1000, 500)
    cold = Rule("*", "*", 1000, 3000, 1000, 1000)
    lane = Rule("浙江省", "上海市", 1000, 800, 1000, 300)
    prices = CarrierPrices([("", standard), ("", lane), ("cold_chain", cold)], 6000)
    assert cents(prices, "", ("浙江省", "上海市"), Measured(1500)) == 1100
    assert cents(prices, "", ("浙江省", "北京市"), Measured(1500)) == 1500
    assert cents(prices, "cold_chain", ("浙江省", "上海市"), Measured(1500)) == 4000
    assert cents(prices, "bulky", ("浙江省", "北京市"), Measured(500)) == 1000
    # A packed parcel's size counts: 40 x 30 x 20 cm is 4 kg by volume.
    assert cents(prices, "", ("浙江省", "北京市"), Measured(800, 400, 300, 200)) == 2500


def test_a_lane_no_rule_covers_has_no_quote():
    prices = CarrierPrices([("", Rule("浙江省", "上海市", 1000, 800, 1000, 300))], 6000)
    assert prices.quote("", "广东省", "上海市", Measured(500)) is None
