"""Carrier choice's rule, without a database: exact scores for known carriers, defaults when
a lane has little history, the requested carrier winning and losing, exclusions with their
reasons, and the weights deciding the winner."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parcelops.carriers import pricing
from parcelops.warehouse.carrier_choice import (
    DEFAULTS,
    HISTORY,
    UNMEASURED,
    Candidate,
    LaneHistory,
    Weights,
    rank_carriers,
    reliability,
)

pytestmark = pytest.mark.usefixtures("english")

RULE = pricing.Rule("*", "*", 1000, 0, 1000, 0)
DEFAULT_WEIGHTS = Weights(40, 35, 25)


def quote(cents: int) -> pricing.Quote:
    return pricing.Quote(cents, "CNY", 1200, 0, RULE)


def history(
    delivered: int, p50: float, p90: float, on_time: float, damage=0.0, loss=0.0, cases=0.0
):
    return LaneHistory(delivered + 10, delivered, p50, p90, on_time, damage, loss, cases)


def carrier(code: str, cents: int | None, lane: LaneHistory | None = None, **changes):
    fields = {
        "code": code,
        "name": code.upper(),
        "services": frozenset({"insurance"}),
        "covers_destination": True,
        "quote": None if cents is None else quote(cents),
        "default_transit_hours_p50": 48,
        "default_transit_hours_p90": 96,
        "history": lane,
    }
    return Candidate(**{**fields, **changes})


# A: cheap-ish, measured; B: dear, fastest, most reliable; C: cheapest, too little history.
A = carrier("a", 1000, history(100, 24, 48, 0.9))
B = carrier("b", 1500, history(50, 18, 30, 0.95, damage=0.01, cases=0.02))
C = carrier("c", 800, history(5, 10, 12, 1.0))


def rank(candidates=(A, B, C), weights=DEFAULT_WEIGHTS, needed=(), requested=""):
    return rank_carriers(
        candidates,
        needed_services=needed,
        weights=weights,
        destination="四川省",
        requested=requested,
    )


def test_it_scores_each_factor_exactly_and_ranks_by_the_weighted_total():
    ranking = rank()

    assert [(o.rank, o.carrier, o.total) for o in ranking.options] == [
        (1, "b", 60.0),
        (2, "a", 54.82),
        (3, "c", 52.5),
    ]
    a = ranking.options[1]
    assert [(f.name, f.value, f.score, f.weight, f.points, f.source) for f in a.factors] == [
        ("cost", 1000.0, 0.7143, 40, 28.57, "quote"),
        ("speed", 36.0, 0.75, 35, 26.25, HISTORY),
        ("reliability", 0.9, 0.0, 25, 0.0, HISTORY),
    ]
    assert a.factor("speed").details == {"p50_hours": 24.0, "p90_hours": 48.0}
    b = ranking.options[0]
    # 0.95 on time x 0.99 undamaged x 1 not lost x 0.98 without a case
    assert b.factor("reliability").value == 0.9217
    assert b.factor("reliability").details == {
        "on_time_rate": 0.95,
        "damage_rate": 0.01,
        "loss_rate": 0.0,
        "case_rate": 0.02,
    }
    assert reliability(B.history) == pytest.approx(0.95 * 0.99 * 0.98)  # type: ignore[arg-type]


def test_a_lane_with_little_history_uses_the_carriers_defaults_and_says_so():
    c = rank().options[2]

    assert c.uses_history is False
    assert c.delivered_on_lane == 5
    speed = c.factor("speed")
    assert (speed.value, speed.score, speed.source) == (72.0, 0.0, DEFAULTS)
    assert speed.details == {"p50_hours": 48.0, "p90_hours": 96.0}  # the defaults, not 10/12
    reliability_factor = c.factor("reliability")
    assert (reliability_factor.value, reliability_factor.score, reliability_factor.source) == (
        None,
        0.5,
        UNMEASURED,
    )


def test_no_history_at_all_counts_the_same_as_little():
    lone = carrier("d", 900)

    option = rank((lone,)).options[0]

    assert option.uses_history is False
    assert [(f.source, f.score) for f in option.factors] == [
        ("quote", 1.0),
        (DEFAULTS, 1.0),
        (UNMEASURED, 0.5),
    ]
    assert option.total == 87.5  # 40 + 35 + 25 x 0.5


def test_the_weights_change_the_winner():
    cheap_first = rank(weights=Weights(80, 10, 10))

    assert [(o.carrier, o.total) for o in cheap_first.options] == [
        ("c", 85.0),  # 80 + 0 + 10 x 0.5
        ("a", 64.64),  # 80 x 0.7143 + 10 x 0.75 + 0
        ("b", 20.0),
    ]


def test_all_weights_zero_ranks_by_price():
    ranking = rank(weights=Weights(0, 0, 0))

    assert [(o.carrier, o.total) for o in ranking.options] == [("c", 0), ("a", 0), ("b", 0)]


def test_the_requested_carrier_wins_when_it_covers_the_destination_and_offers_the_services():
    ranking = rank(requested="c", needed=("insurance",))

    assert [o.carrier for o in ranking.options] == ["c", "b", "a"]
    assert ranking.options[0].is_requested is True
    assert ranking.options[0].total == 52.5  # its score is shown as it is
    assert ranking.notes == (
        "The customer asked for C; it delivers there and offers what the order needs, so it "
        "comes first whatever its score.",
    )


def test_the_requested_carrier_loses_when_it_does_not_deliver_there():
    far = carrier("c", 800, covers_destination=False)

    ranking = rank((A, B, far), requested="c")

    assert [o.carrier for o in ranking.options] == ["b", "a"]
    assert ranking.notes == (
        "The customer asked for C, but it cannot take this parcel: Does not deliver to 四川省.",
    )


def test_the_requested_carrier_loses_when_it_lacks_a_needed_service():
    uninsured = carrier("c", 800, services=frozenset())

    ranking = rank((A, B, uninsured), requested="c", needed=("insurance",))

    assert [o.carrier for o in ranking.options] == ["b", "a"]
    assert [(e.carrier, [r.code for r in e.reasons]) for e in ranking.excluded] == [
        ("c", ["missing_service"])
    ]
    assert ranking.notes == (
        "The customer asked for C, but it cannot take this parcel: Does not offer Insurance, "
        "which this order needs.",
    )


def test_a_requested_carrier_not_in_use_is_said():
    assert rank(requested="ghost").notes == ("The customer asked for ghost, which is not in use.",)


def test_excluded_carriers_are_listed_with_every_reason():
    nowhere = carrier("n", None, services=frozenset(), covers_destination=False)

    ranking = rank((A, nowhere), needed=("insurance",))

    assert [o.carrier for o in ranking.options] == ["a"]
    assert [(e.carrier, [(r.code, r.message) for r in e.reasons]) for e in ranking.excluded] == [
        (
            "n",
            [
                ("no_coverage", "Does not deliver to 四川省."),
                ("missing_service", "Does not offer Insurance, which this order needs."),
                ("no_price", "Has no price for this lane."),
            ],
        )
    ]


def test_nobody_eligible_leaves_no_choice():
    ranking = rank((carrier("n", None),))

    assert ranking.options == ()
    assert ranking.chosen is None


def test_a_lane_without_promised_dates_or_desk_measures_reliability_from_what_it_has():
    lane = LaneHistory(40, 40, 20, 30, None, 0.05, 0.0, None)

    assert reliability(lane) == 0.95


@settings(max_examples=200, deadline=None)  # a busy machine: no per-example deadline
@given(
    prices=st.lists(st.integers(0, 100_000), min_size=1, max_size=6),
    speeds=st.lists(st.integers(1, 500), min_size=6, max_size=6),
    weights=st.tuples(st.integers(0, 100), st.integers(0, 100), st.integers(0, 100)),
    requested=st.integers(0, 5),
)
def test_totals_stay_within_0_and_100_and_the_requested_eligible_one_is_first(
    prices, speeds, weights, requested
):
    candidates = [
        carrier(f"k{i}", cents, history(30 + i, speeds[i], speeds[i] * 2, 0.5 + i / 20))
        for i, cents in enumerate(prices)
    ]
    wanted = f"k{requested}"

    ranking = rank(candidates, weights=Weights(*weights), requested=wanted)

    assert all(0 <= option.total <= 100.01 for option in ranking.options)
    assert all(0 <= f.score <= 1 for option in ranking.options for f in option.factors)
    if requested < len(prices):
        assert ranking.options[0].carrier == wanted
    else:
        totals = [option.total for option in ranking.options]
        assert totals == sorted(totals, reverse=True)
