"""The packing rules without a database: the scale's tolerance at its boundary and the walk."""

from hypothesis import given
from hypothesis import strategies as st

from parcelops.warehouse import packing_rules
from parcelops.warehouse.packing_rules import Stop, walk_key


@given(
    expected=st.integers(0, 200_000),
    percent=st.integers(0, 100),
    grams=st.integers(0, 5_000),
)
def test_exactly_at_the_tolerance_is_accepted_and_one_gram_beyond_is_not(expected, percent, grams):
    tolerance = packing_rules.weight_tolerance_grams(expected, percent, grams)

    assert tolerance == max(expected * percent // 100, grams)
    assert packing_rules.is_weight_accepted(expected + tolerance, expected, tolerance)
    assert not packing_rules.is_weight_accepted(expected + tolerance + 1, expected, tolerance)
    if expected - tolerance - 1 >= 0:
        assert packing_rules.is_weight_accepted(expected - tolerance, expected, tolerance)
        assert not packing_rules.is_weight_accepted(expected - tolerance - 1, expected, tolerance)


def test_the_grams_floor_wins_for_light_parcels_and_the_percent_for_heavy_ones():
    assert packing_rules.weight_tolerance_grams(200, 15, 50) == 50
    assert packing_rules.weight_tolerance_grams(1234, 15, 50) == 185


def test_the_walk_goes_by_zone_then_bin_then_code_then_the_oldest_order():
    stops = [
        Stop(2, "A", 1, "A-01", 5, 1),
        Stop(1, "B", 9, "B-09", 5, 2),
        Stop(1, "B", 1, "B-02", 7, 3),
        Stop(1, "B", 1, "B-02", 6, 4),
        Stop(1, "B", 1, "B-01", 9, 5),
    ]

    assert [s.reservation_id for s in sorted(stops, key=walk_key)] == [5, 4, 3, 2, 1]


def test_the_checklist_names_what_is_missing_in_its_order():
    assert packing_rules.missing_checklist_items({"sealed"}) == [
        "goods_match",
        "no_damage",
        "fragile_marked",
    ]
    assert packing_rules.missing_checklist_items(set(packing_rules.CHECKLIST)) == []
