"""The demo's freight bill: one per carrier with price rules, its planted lines found."""

import pytest

from parcelops.demo.freight import OVER_EVERY, load_demo_bills
from parcelops.warehouse.tests.freight_fixtures import price_table, shipments


@pytest.mark.usefixtures("frozen_now")
def test_a_bill_for_the_carrier_with_price_rules_and_none_twice(channel):
    assert load_demo_bills() == []  # no price rules yet: no bill
    price_table()
    shipments(*[f"ZT{i:010d}" for i in range(40)])
    (bill,) = load_demo_bills()
    assert (bill.carrier, f"{bill.month:%Y-%m}", bill.line_count) == ("zto", "2026-11", 42)
    counts = bill.verdict_counts
    assert counts["over"] == 40 // OVER_EVERY
    assert (counts["unknown"], counts["duplicate"]) == (1, 1)
    assert counts["ok"] == 40 - 40 // OVER_EVERY
    assert load_demo_bills() == []
