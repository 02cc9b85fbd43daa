"""The detection rules without a database: each signal from what ingestion hands up, what
clears, the sweep's verdict at its boundaries (exactly at, a second before, a second after),
the next check, and severity."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from parcelops.exceptions.detection import (
    Limits,
    ShipmentFacts,
    Signal,
    check_shipment,
    cleared_types,
    earliest_check,
    end_of_day,
    order_not_shipped,
    other_city,
    place_key,
    severity_for,
    signals_from_transition,
)
from parcelops.exceptions.kinds import CaseType as C
from parcelops.exceptions.kinds import Measure
from parcelops.tracking.status import TrackingStatus as T
from parcelops.tracking.transitions import NotableEvent, Transition

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
LIMITS = Limits()  # the defaults: first scan 24, stall 48, lost 240, customs 72, pickup 72/24


def text(moment: datetime) -> str:
    """A time as ingestion hands it up: naive UTC text."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def event(
    status: str,
    substatus: str = "",
    *,
    key: str = "",
    location: str = "",
    hours: float = 0,
    regression: bool = False,
    future: bool = False,
) -> NotableEvent:
    return NotableEvent(
        key or f"{status}-{substatus}-{hours}",
        text(T0 + timedelta(hours=hours)),
        status,
        substatus,
        location,
        regression,
        future,
    )


def transition(
    *notable: NotableEvent,
    old: tuple[str, str] = (T.IN_TRANSIT, "arrived_facility"),
    new: tuple[str, str] | None = None,
    since: datetime | None = None,
    last: datetime | None = T0,
    estimate: date | None = None,
    old_estimate: date | None = None,
    carrier: str = "zto",
) -> Transition:
    """A transition whose new state is the last notable event's, unless given."""
    if new is None:
        moving = [e for e in notable if not e.is_regression and not e.is_future]
        new = (moving[-1].status, moving[-1].substatus) if moving else old
    return Transition(
        shipment_id=1,
        order_id=1,
        order_state="in_transit",
        carrier=carrier,
        old_status=old[0],
        old_substatus=old[1],
        status=new[0],
        substatus=new[1],
        status_since=None if since is None else text(since),
        last_event_at=None if last is None else text(last),
        estimated_delivery_date=estimate,
        old_estimated_delivery_date=old_estimate,
        notable=tuple(notable),
    )


def detect(
    t: Transition,
    *,
    failed_attempts: int = 0,
    destination_city: str = "杭州市",
    returned_by_request: bool = False,
) -> list[Signal]:
    return signals_from_transition(
        t,
        failed_attempts=failed_attempts,
        destination_city=destination_city,
        returned_by_request=returned_by_request,
    )


def types(signals: list[Signal]) -> list[str]:
    return [signal.type for signal in signals]


# --- event-driven signals ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "substatus", "expected", "note"),
    [
        (T.EXCEPTION, "damaged", C.DAMAGED, "the carrier reports the parcel damaged (damaged)"),
        (T.EXCEPTION, "refused", C.REFUSED, "the recipient refused the parcel (refused)"),
        (
            T.EXCEPTION,
            "address_invalid",
            C.ADDRESS_PROBLEM,
            "the carrier reports an address problem (address_invalid)",
        ),
        (T.EXCEPTION, "held_by_customs", C.CUSTOMS_HOLD, "held by customs (held_by_customs)"),
        (
            T.EXCEPTION,
            "delayed_weather",
            C.DELAYED,
            "the carrier reports a delay (delayed_weather)",
        ),
        (
            T.EXCEPTION,
            "delayed_carrier",
            C.DELAYED,
            "the carrier reports a delay (delayed_carrier)",
        ),
        (T.LOST, "", C.LOST, "the carrier reports the parcel lost"),
        (T.DISPOSED, "", C.LOST, "the carrier reports the parcel disposed"),
        (T.RETURNING, "return_initiated", C.RETURNING, "going back to the sender unasked"),
        (T.RETURNED, "", C.RETURNING, "going back to the sender unasked"),
    ],
)
def test_a_carrier_exception_gives_its_type_with_the_event_as_evidence(
    status, substatus, expected, note
):
    shown = event(status, substatus, hours=5)

    assert detect(transition(shown)) == [Signal(expected, (shown,), note)]


def test_an_exception_substatus_the_desk_has_no_type_for_gives_nothing():
    assert detect(transition(event(T.EXCEPTION, "stranded"))) == []
    assert detect(transition(event(T.EXCEPTION, "carrier:xyz"))) == []


def test_a_return_the_shop_asked_for_is_no_case():
    assert (
        detect(transition(event(T.RETURNING, "return_initiated")), returned_by_request=True) == []
    )


def test_a_failed_attempt_is_a_case_from_the_second_attempt_on():
    first = event(T.ATTEMPT_FAILED, "recipient_unavailable", hours=1)
    second = event(T.ATTEMPT_FAILED, "recipient_unavailable", hours=30)

    assert detect(transition(first), failed_attempts=1) == []
    assert detect(transition(second), failed_attempts=2) == [
        Signal(C.FAILED_DELIVERY, (second,), "2 failed delivery attempts")
    ]
    assert detect(transition(first, second), failed_attempts=3) == [
        Signal(C.FAILED_DELIVERY, (first, second), "3 failed delivery attempts")
    ]


def test_an_attempt_failed_for_the_address_is_an_address_problem_at_once():
    shown = event(T.ATTEMPT_FAILED, "address_problem")

    assert types(detect(transition(shown), failed_attempts=1)) == [C.ADDRESS_PROBLEM]
    assert types(detect(transition(shown), failed_attempts=2)) == [
        C.ADDRESS_PROBLEM,
        C.FAILED_DELIVERY,
    ]


def test_a_status_a_provider_gave_without_an_event_is_classified_too():
    summary = transition(old=(T.IN_TRANSIT, ""), new=(T.LOST, ""))

    assert detect(summary) == [Signal(C.LOST, (), "the carrier reports the parcel lost")]
    # Unchanged, it says nothing again.
    assert detect(transition(old=(T.LOST, ""), new=(T.LOST, ""))) == []


def test_several_events_of_one_type_are_one_signal_and_types_come_in_a_fixed_order():
    damaged = event(T.EXCEPTION, "damaged", hours=1)
    again = event(T.EXCEPTION, "damaged", hours=2)
    refused = event(T.EXCEPTION, "refused", hours=3)

    found = detect(transition(refused, damaged, again))

    assert types(found) == [C.DAMAGED, C.REFUSED]
    assert found[0].evidence == (damaged, again)


def test_future_and_regressing_events_are_wrong_information_and_count_for_nothing_else():
    future = event(T.EXCEPTION, "damaged", hours=900, future=True)
    backwards = event(T.ATTEMPT_FAILED, "recipient_unavailable", hours=4, regression=True)

    assert detect(transition(future)) == [
        Signal(C.WRONG_INFO, (future,), "an event dated in the future")
    ]
    assert detect(transition(backwards), failed_attempts=2) == [
        Signal(C.WRONG_INFO, (backwards,), "a scan going backwards")
    ]


def test_a_transit_scan_after_the_delivery_is_wrong_information():
    after = event(T.OUT_FOR_DELIVERY, "out_for_delivery", hours=50, regression=True)

    found = detect(transition(after, old=(T.DELIVERED, "signed_by_recipient")))

    assert found == [Signal(C.WRONG_INFO, (after,), "a scan after the delivery")]


def test_a_delivery_in_another_city_is_a_misdelivery():
    elsewhere = event(T.DELIVERED, "signed_by_recipient", location="上海市浦东新区张江站")

    assert detect(transition(elsewhere), destination_city="杭州市") == [
        Signal(C.MISDELIVERED, (elsewhere,), "delivered in 上海, not in 杭州市")
    ]


@pytest.mark.parametrize(
    ("location", "destination"),
    [
        ("杭州市西湖区文三路", "杭州市"),  # the same city
        ("浙江省杭州市西湖区", "杭州"),  # the province before it, the suffix left out
        ("【杭州转运中心】已签收", "杭州市"),  # no 市 at all, but it names the city
        ("", "杭州市"),  # no location
        ("已签收，本人签收", "杭州市"),  # a location naming no city
        ("上海市浦东新区", ""),  # no destination city
        ("Shanghai Pudong", "杭州市"),  # another script: not guessed
        ("Beijing", "Shanghai"),  # Latin text: no marker of which word is the city
        ("shanghai pudong", "Shanghai"),  # the same, in any case
        ("北京市朝阳区", "市辖区"),  # a placeholder, not a city
    ],
)
def test_a_delivery_whose_city_is_the_destination_or_unknown_is_no_misdelivery(
    location, destination
):
    delivered = event(T.DELIVERED, "signed_by_recipient", location=location)

    assert detect(transition(delivered), destination_city=destination) == []


def test_cities_and_provinces_compare_without_their_suffixes_and_case():
    assert place_key("上海市") == place_key("上海") == "上海"
    assert place_key("浙江省") == "浙江"
    assert place_key("广西壮族自治区") == place_key("广西") == "广西"
    assert place_key(" Hangzhou  City ") == place_key("hangzhou") == "hangzhou"
    assert other_city("广东省深圳市南山区", "杭州") == "深圳"


def test_an_estimate_moving_a_day_or_more_later_is_a_delay():
    day = date(2026, 12, 1)

    assert detect(transition(estimate=day + timedelta(days=1), old_estimate=day)) == [
        Signal(C.DELAYED, (), "the estimated delivery moved from 2026-12-01 to 2026-12-02")
    ]
    assert detect(transition(estimate=day, old_estimate=day)) == []
    assert detect(transition(estimate=day - timedelta(days=3), old_estimate=day)) == []
    assert detect(transition(estimate=day, old_estimate=None)) == []
    assert detect(transition(estimate=None, old_estimate=day)) == []


def test_a_condition_the_same_chunk_ended_gives_no_self_clearing_signal():
    held = event(T.EXCEPTION, "held_by_customs", hours=1)
    released = event(T.IN_TRANSIT, "customs_released", hours=2)
    delay = event(T.EXCEPTION, "delayed_weather", hours=3)
    delivered = event(T.DELIVERED, "signed_by_recipient", hours=4, location="杭州市")

    assert detect(transition(held, released)) == []
    assert detect(transition(delay, delivered)) == []
    # Damage is not settled by moving on.
    damaged = event(T.EXCEPTION, "damaged", hours=1)
    assert types(detect(transition(damaged, delivered))) == [C.DAMAGED]


# --- what clears -------------------------------------------------------------------------------


def test_a_scan_clears_the_waiting_for_a_scan_and_the_silence():
    moving = transition(event(T.EXCEPTION, "damaged"), new=(T.IN_TRANSIT, "departed_facility"))

    assert cleared_types(moving) == {
        C.NO_FIRST_SCAN,
        C.STALLED,
        C.LOST,
        C.CUSTOMS_HOLD,
        C.PICKUP_EXPIRING,
    }


def test_a_delivery_clears_the_delay_and_the_address_problem_but_not_failed_delivery():
    delivered = transition(new=(T.DELIVERED, "signed_by_recipient"))

    cleared = cleared_types(delivered)

    assert {C.DELAYED, C.ADDRESS_PROBLEM, C.STALLED, C.PICKUP_EXPIRING} <= cleared
    assert cleared.isdisjoint({C.FAILED_DELIVERY, C.DAMAGED, C.MISDELIVERED, C.RETURNING})


def test_customs_and_pickup_stay_while_the_parcel_is_there():
    in_customs = transition(new=(T.IN_TRANSIT, "customs_processing"))
    at_pickup = transition(new=(T.AVAILABLE_FOR_PICKUP, "in_locker"))
    going_back = transition(new=(T.RETURNING, "return_initiated"))

    assert C.CUSTOMS_HOLD not in cleared_types(in_customs)
    assert C.PICKUP_EXPIRING not in cleared_types(at_pickup)
    assert C.PICKUP_EXPIRING not in cleared_types(going_back)


def test_a_lost_parcel_stays_lost_and_no_scan_clears_nothing_of_the_clock():
    assert C.LOST not in cleared_types(transition(new=(T.LOST, "")))
    assert C.LOST not in cleared_types(transition(new=(T.EXPIRED, "no_update_timeout")))
    unscanned = cleared_types(transition(new=(T.INFO_RECEIVED, "label_created"), last=None))
    assert unscanned.isdisjoint({C.NO_FIRST_SCAN, C.STALLED, C.LOST})


# --- the sweep ---------------------------------------------------------------------------------


def facts(**changes) -> ShipmentFacts:
    base = ShipmentFacts(
        shipment_id=1,
        order_id=1,
        carrier="zto",
        service="",
        origin_province="浙江省",
        destination_province="上海市",
        status=T.IN_TRANSIT,
        substatus="departed_facility",
        handed_over_at=T0,
        label_created_at=None,
        last_event_at=T0,
        status_changed_at=T0,
        promised_delivery_date=None,
        estimated_delivery_date=None,
    )
    return replace(base, **changes)


def check(parcel: ShipmentFacts, now: datetime, limits: Limits = LIMITS):
    return check_shipment(parcel, now, limits, zone=SHANGHAI)


def test_no_first_scan_fires_exactly_first_scan_hours_after_the_label():
    label = T0 - timedelta(hours=2)
    parcel = facts(
        status=T.INFO_RECEIVED,
        substatus="label_created",
        last_event_at=None,
        status_changed_at=None,
        label_created_at=label,
    )
    due = label + timedelta(hours=24)

    before = check(parcel, due - SECOND)
    assert before.signals == []
    assert before.next_check_at == due
    assert check(parcel, due).signals == [
        Signal(C.NO_FIRST_SCAN, (), "no carrier scan 24 h after the label")
    ]
    assert types(check(parcel, due + SECOND).signals) == [C.NO_FIRST_SCAN]


def test_without_a_label_time_the_first_scan_clock_starts_at_the_hand_over():
    parcel = facts(status=T.INFO_RECEIVED, last_event_at=None, status_changed_at=None)
    due = T0 + timedelta(hours=24)

    assert check(parcel, due - SECOND).signals == []
    assert check(parcel, due).signals == [
        Signal(C.NO_FIRST_SCAN, (), "no carrier scan 24 h after the hand-over")
    ]


def test_stalled_fires_exactly_stall_hours_after_the_last_scan_and_lost_later():
    parcel = facts()
    stall_at = T0 + timedelta(hours=48)
    lost_at = T0 + timedelta(hours=240)

    before = check(parcel, stall_at - SECOND)
    assert before.signals == []
    assert before.next_check_at == stall_at
    assert C.STALLED in before.cleared
    at = check(parcel, stall_at)
    assert at.signals == [Signal(C.STALLED, (), "no scan for 48 h")]
    assert at.next_check_at == lost_at
    assert C.STALLED not in at.cleared
    assert check(parcel, stall_at + SECOND).signals == [Signal(C.STALLED, (), "no scan for 48 h")]
    assert types(check(parcel, lost_at - SECOND).signals) == [C.STALLED]
    lost = check(parcel, lost_at)
    assert types(lost.signals) == [C.STALLED, C.LOST]
    assert lost.signals[1].note == "no scan for 240 h: lost?"
    assert lost.next_check_at is None


def test_a_parcel_in_customs_is_a_customs_case_after_customs_hours_not_a_stall():
    parcel = facts(substatus="customs_processing", status_changed_at=T0 + timedelta(hours=1))
    due = T0 + timedelta(hours=73)

    assert check(parcel, due - SECOND).signals == []
    assert check(parcel, due).signals == [Signal(C.CUSTOMS_HOLD, (), "in customs for 72 h")]
    assert check(parcel, due + SECOND).next_check_at == T0 + timedelta(hours=240)
    held = facts(status=T.EXCEPTION, substatus="held_by_customs")
    assert types(check(held, T0 + timedelta(hours=72)).signals) == [C.CUSTOMS_HOLD]


def test_pickup_expiring_fires_pickup_warning_hours_before_the_hold_ends():
    parcel = facts(status=T.AVAILABLE_FOR_PICKUP, substatus="in_locker")
    warn_at = T0 + timedelta(hours=72 - 24)

    before = check(parcel, warn_at - SECOND)
    assert before.signals == []
    assert before.next_check_at == warn_at
    assert check(parcel, warn_at).signals == [
        Signal(C.PICKUP_EXPIRING, (), "the pickup hold ends in 24 h")
    ]
    assert check(parcel, T0 + timedelta(hours=74)).signals == [
        Signal(C.PICKUP_EXPIRING, (), "the pickup hold ended 2 h ago")
    ]
    # Waiting quietly at a pickup point is neither a stall nor a loss.
    assert check(parcel, T0 + timedelta(hours=500)).next_check_at is None


def test_a_warning_longer_than_the_hold_warns_from_the_start():
    parcel = facts(status=T.AVAILABLE_FOR_PICKUP, substatus="in_locker")
    short_hold = Limits(pickup_hold=12, pickup_warning=24)

    assert types(check(parcel, T0, short_hold).signals) == [C.PICKUP_EXPIRING]


def test_delayed_fires_at_the_end_of_the_promised_day_in_the_shops_zone():
    late_from = datetime(2026, 11, 26, 16, 0, tzinfo=UTC)  # 27 Nov 00:00 in Shanghai
    scanned = late_from - timedelta(hours=1)
    parcel = facts(promised_delivery_date=date(2026, 11, 26), last_event_at=scanned)

    assert end_of_day(date(2026, 11, 26), SHANGHAI) == late_from
    before = check(parcel, late_from - SECOND)
    assert before.signals == []
    assert before.next_check_at == late_from
    assert check(parcel, late_from).signals == [
        Signal(C.DELAYED, (), "past the promised delivery date 2026-11-26 by 0 h", 0.0)
    ]
    later = check(parcel, late_from + timedelta(hours=3))
    assert later.signals[0] == Signal(
        C.DELAYED, (), "past the promised delivery date 2026-11-26 by 3 h", 3.0
    )


def test_delayed_fires_past_the_estimate_too_the_earlier_of_the_two():
    parcel = facts(
        promised_delivery_date=date(2026, 11, 28), estimated_delivery_date=date(2026, 11, 25)
    )
    late_from = datetime(2026, 11, 25, 16, 0, tzinfo=UTC)

    assert check(parcel, late_from - SECOND).signals == []
    assert check(parcel, late_from).signals == [
        Signal(C.DELAYED, (), "past the estimated delivery date 2026-11-25 by 0 h", 0.0)
    ]


def test_every_signal_of_a_late_parcel_carries_how_late_it_is():
    parcel = facts(promised_delivery_date=date(2026, 11, 20))
    now = T0 + timedelta(hours=48)  # 26 Nov 00:00 UTC; late from 20 Nov 16:00 UTC

    found = check(parcel, now).signals

    assert [(s.type, s.hours_late) for s in found] == [(C.STALLED, 128.0), (C.DELAYED, 128.0)]


def test_without_dates_lateness_counts_from_hand_over_plus_the_transit_hours():
    parcel = facts()
    due = T0 + timedelta(hours=96)

    assert check(parcel, T0 + timedelta(hours=95)).signals[0].hours_late == 0.0
    assert check(parcel, due + timedelta(hours=2)).signals[0].hours_late == 2.0


@pytest.mark.parametrize(
    "status", [T.DELIVERED, T.RETURNED, T.LOST, T.DISPOSED, T.CANCELLED, T.EXPIRED]
)
def test_a_final_status_fires_nothing_and_needs_no_next_check(status):
    parcel = facts(status=status, substatus="", promised_delivery_date=date(2026, 11, 1))

    verdict = check(parcel, T0 + timedelta(days=30))

    assert verdict.signals == []
    assert verdict.next_check_at is None


def test_the_sweep_clears_what_no_longer_holds():
    delivered = check(facts(status=T.DELIVERED, substatus="locker"), T0)
    assert delivered.cleared == {
        C.NO_FIRST_SCAN,
        C.STALLED,
        C.LOST,
        C.DELAYED,
        C.CUSTOMS_HOLD,
        C.PICKUP_EXPIRING,
        C.ADDRESS_PROBLEM,
    }
    fresh = check(facts(), T0 + timedelta(hours=1))
    assert fresh.cleared == {
        C.NO_FIRST_SCAN,
        C.STALLED,
        C.LOST,
        C.CUSTOMS_HOLD,
        C.PICKUP_EXPIRING,
    }
    carrier_says_lost = check(facts(status=T.LOST, substatus=""), T0)
    assert C.LOST not in carrier_says_lost.cleared


def test_a_parcel_with_its_own_limits_is_judged_by_them():
    parcel = facts()
    slow_lane = Limits(stall=72)

    assert check(parcel, T0 + timedelta(hours=48), slow_lane).signals == []
    assert types(check(parcel, T0 + timedelta(hours=72), slow_lane).signals) == [C.STALLED]


# --- the next check for ingestion --------------------------------------------------------------


def test_the_next_check_is_the_earliest_rule_with_the_carriers_lowest_limits():
    moving = transition(new=(T.IN_TRANSIT, "departed_facility"), last=T0)

    assert earliest_check(moving, LIMITS, SHANGHAI) == T0 + timedelta(hours=48)
    assert earliest_check(moving, Limits(stall=10), SHANGHAI) == T0 + timedelta(hours=10)


def test_the_next_check_is_an_aware_utc_time_from_ingestions_texts():
    moving = transition(new=(T.IN_TRANSIT, ""), last=None)
    moving = moving._replace(last_event_at="2026-11-24 00:00:00.250000")

    moment = earliest_check(moving, LIMITS, SHANGHAI)

    assert moment == datetime(2026, 11, 26, 0, 0, 0, 250000, tzinfo=UTC)
    assert moment.tzinfo is UTC


def test_the_next_check_follows_customs_pickup_and_the_estimate():
    since = T0 + timedelta(hours=5)
    customs = transition(new=(T.EXCEPTION, "held_by_customs"), since=since, last=since)
    pickup = transition(new=(T.AVAILABLE_FOR_PICKUP, "in_locker"), since=since, last=since)
    estimated = transition(new=(T.IN_TRANSIT, ""), estimate=date(2026, 11, 24))

    assert earliest_check(customs, LIMITS, SHANGHAI) == since + timedelta(hours=72)
    assert earliest_check(pickup, LIMITS, SHANGHAI) == since + timedelta(hours=48)
    assert earliest_check(estimated, LIMITS, SHANGHAI) == datetime(2026, 11, 24, 16, 0, tzinfo=UTC)


def test_an_unchanged_status_counts_from_the_last_scan():
    # The stored next check (from when the status began) is earlier and stays.
    pickup = transition(new=(T.AVAILABLE_FOR_PICKUP, "in_locker"), since=None, last=T0)

    assert earliest_check(pickup, LIMITS, SHANGHAI) == T0 + timedelta(hours=48)


@pytest.mark.parametrize("status", [T.DELIVERED, T.RETURNED, T.LOST, T.CANCELLED, T.EXPIRED])
def test_a_final_status_or_no_scan_needs_no_next_check(status):
    assert earliest_check(transition(new=(status, "")), LIMITS, SHANGHAI) is None
    assert earliest_check(transition(new=(T.INFO_RECEIVED, ""), last=None), LIMITS) is None


# --- orders not shipped ------------------------------------------------------------------------


def test_an_order_is_not_shipped_in_time_exactly_handling_hours_after_approval():
    approved = T0
    due = approved + timedelta(hours=48)

    assert order_not_shipped(approved, due - SECOND, 48) is False
    assert order_not_shipped(approved, due, 48) is True
    assert order_not_shipped(approved, due + SECOND, 48) is True


# --- severity ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case_type", "expected"),
    [
        (C.LOST, "moderate"),
        (C.DAMAGED, "moderate"),
        (C.MISDELIVERED, "moderate"),
        (C.REFUSED, "moderate"),
        (C.RETURNING, "moderate"),
        (C.DELAYED, "minor"),
        (C.STALLED, "minor"),
        (C.NO_FIRST_SCAN, "minor"),
        (C.WRONG_INFO, "minor"),
        (C.PICKUP_EXPIRING, "minor"),
        (C.FAILED_DELIVERY, "minor"),
        (C.ADDRESS_PROBLEM, "minor"),
        (C.CUSTOMS_HOLD, "minor"),
        (C.NOT_SHIPPED, "minor"),
        (C.OTHER, "minor"),
    ],
)
def test_each_type_has_a_base_severity(case_type, expected):
    assert (
        severity_for(case_type, order_total_cents=0, customer_tier="regular", hours_late=0)
        == expected
    )


def minor(**changes) -> str:
    given = {"order_total_cents": 0, "customer_tier": "regular", "hours_late": 0.0, **changes}
    return severity_for(C.STALLED, **given)


def test_a_vip_customer_raises_severity_one_step_and_other_tiers_do_not():
    assert minor(customer_tier="vip") == "moderate"
    assert minor(customer_tier="gold") == "minor"


def test_an_order_of_five_thousand_yuan_or_more_raises_severity_one_step():
    assert minor(order_total_cents=499_999) == "minor"
    assert minor(order_total_cents=500_000) == "moderate"
    assert minor(order_total_cents=500_001) == "moderate"


def test_lateness_raises_severity_one_step_from_72_hours_and_two_from_168():
    one_second = 1 / 3600
    assert minor(hours_late=72 - one_second) == "minor"
    assert minor(hours_late=72) == "moderate"
    assert minor(hours_late=72 + one_second) == "moderate"
    assert minor(hours_late=168 - one_second) == "moderate"
    assert minor(hours_late=168) == "major"
    assert minor(hours_late=168 + one_second) == "major"


def test_severity_steps_add_up_and_stop_at_major():
    assert minor(customer_tier="vip", order_total_cents=500_000) == "major"
    assert severity_for(C.LOST, order_total_cents=0, customer_tier="vip", hours_late=0) == "major"
    assert (
        severity_for(C.LOST, order_total_cents=900_000, customer_tier="vip", hours_late=500)
        == "major"
    )


def test_limits_name_each_measure():
    limits = Limits.of({Measure.STALL: 30})

    assert limits.hours(Measure.STALL) == 30.0
    assert limits.hours("lost") == 240.0
    with pytest.raises(ValueError, match="'nope' is not a valid Measure"):
        limits.hours("nope")
