"""The quote: first weight, additional steps, volumetric weight, the most specific zone."""

import pytest

from parcelops.carriers.pricing import Rule, best_rule, price_cents, quote, volumetric_grams

RULE = Rule("广东省", "上海市", 1000, 1200, 1000, 500)


@pytest.mark.parametrize(
    ("grams", "cents"),
    [(1, 1200), (1000, 1200), (1001, 1700), (2000, 1700), (2001, 2200), (10000, 5700)],
)
def test_first_weight_then_each_started_step(grams, cents):
    assert price_cents(RULE, grams) == cents


def test_volumetric_weight_is_rounded_up_and_zero_without_a_size():
    assert volumetric_grams(300, 200, 100, 6000) == 1000  # 30x20x10 cm / 6000 = 1 kg
    assert volumetric_grams(300, 200, 101, 6000) == 1010
    assert volumetric_grams(0, 200, 100, 6000) == 0


def test_the_heavier_of_actual_and_volumetric_weight_is_charged():
    priced = quote(
        [RULE],
        origin="广东省",
        destination="上海市",
        weight_grams=800,
        length_mm=400,
        width_mm=300,
        height_mm=200,
        volumetric_divisor=6000,
    )
    assert priced is not None
    assert priced.volumetric_grams == 4000
    assert priced.chargeable_grams == 4000
    assert priced.cents == 1200 + 3 * 500


def test_the_most_specific_zone_wins_and_an_uncovered_lane_has_no_quote():
    rules = [
        Rule("*", "*", 1000, 2000, 1000, 1000),
        Rule("广东省", "*", 1000, 1500, 1000, 800),
        Rule("*", "上海市", 1000, 1300, 1000, 600),
        RULE,
    ]
    assert best_rule(rules, "广东省", "上海市") is RULE
    assert best_rule(rules, "浙江省", "上海市") is rules[2]
    assert best_rule(rules, "广东省", "北京市") is rules[1]
    assert best_rule(rules, "浙江省", "北京市") is rules[0]
    assert quote([RULE], origin="浙江省", destination="上海市", weight_grams=500) is None
