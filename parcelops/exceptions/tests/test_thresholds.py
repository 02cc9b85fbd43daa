"""Thresholds from the database: the most specific configured row, learned values with
their floor, the lowest hours for ingestion's next check, the per-process copy, and
learning each lane's percentile from history."""

from datetime import UTC, datetime, timedelta

import pytest

from parcelops.exceptions import thresholds
from parcelops.exceptions.detection import Limits, next_check
from parcelops.exceptions.kinds import Measure
from parcelops.exceptions.models import DeskSettings, LearnedThreshold, Threshold
from parcelops.tracking.models import Shipment, TrackingEvent
from parcelops.tracking.status import TrackingStatus as T
from parcelops.tracking.tests.conftest import packed_order
from parcelops.tracking.transitions import Transition

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


def configure(measure: str = Measure.STALL, hours: float = 1, **keys: str) -> Threshold:
    row = Threshold.objects.create(measure=measure, hours=hours, **keys)
    thresholds.forget_loaded_thresholds()
    return row


def learned(hours: float, samples: int = 50, measure: str = Measure.STALL, **keys: str) -> None:
    lane = {"carrier": "zto", "origin_province": "浙江省", "destination_province": "上海市"}
    LearnedThreshold.objects.create(
        measure=measure, hours=hours, samples=samples, computed_at=NOW, **{**lane, **keys}
    )
    thresholds.forget_loaded_thresholds()


def use_learned(min_samples: int = 30) -> None:
    DeskSettings.objects.update_or_create(
        pk=1, defaults={"use_learned_thresholds": True, "learning_min_samples": min_samples}
    )
    thresholds.forget_loaded_thresholds()


def stall(carrier: str = "zto", service: str = "", origin: str = "浙江省", to: str = "上海市"):
    return thresholds.limits_for(carrier, service, origin, to).stall


# --- configured and default -------------------------------------------------------------------


def test_without_rows_every_measure_is_its_default():
    assert thresholds.limits_for("zto", "", "浙江省", "上海市") == Limits()


def test_the_most_specific_configured_row_wins():
    configure(hours=60)
    configure(hours=55, origin_province="浙江", destination_province="上海")
    configure(hours=52, origin_province="浙江")
    configure(hours=50, carrier="zto")
    configure(hours=47, carrier="zto", service="标快")
    configure(hours=45, carrier="zto", origin_province="浙江省", destination_province="上海市")
    configure(
        hours=40,
        carrier="zto",
        service="标快",
        origin_province="浙江省",
        destination_province="上海市",
    )

    assert stall("zto", "标快", "浙江省", "上海市") == 40  # carrier + service + lane
    assert stall("zto", "", "浙江省", "上海市") == 45  # carrier + lane
    assert stall("zto", "标快", "江苏省", "上海市") == 47  # carrier + service
    assert stall("zto", "", "江苏省", "上海市") == 50  # carrier
    assert stall("yto", "", "浙江省", "上海市") == 55  # lane
    assert stall("yto", "", "浙江省", "北京市") == 52  # one end of the lane
    assert stall("yto", "", "江苏省", "北京市") == 60  # any
    # The other measures keep their defaults.
    assert thresholds.limits_for("zto", "标快", "浙江省", "上海市").lost == 240


def test_provinces_and_carriers_match_however_they_are_written():
    configure(hours=30, carrier="zto", origin_province="浙江", destination_province="上海")

    assert stall("ZTO", "", "浙江省", "上海市") == 30
    assert stall("zto", "", " 浙江省 ", "上海") == 30


# --- learned -----------------------------------------------------------------------------------


def test_learned_values_count_only_when_the_desk_uses_them_and_the_lane_has_the_samples():
    learned(36, samples=30)

    assert stall() == 48  # not in use
    use_learned(min_samples=31)
    assert stall() == 48  # too few samples
    use_learned(min_samples=30)
    assert stall() == 36
    assert stall(to="北京市") == 48  # another lane learned nothing


def test_a_learned_value_never_goes_below_half_the_default():
    learned(10)
    learned(30, measure=Measure.TRANSIT)
    use_learned()

    assert stall() == 24
    assert thresholds.limits_for("zto", "", "浙江省", "上海市").transit == 48


def test_a_configured_row_beats_a_learned_value():
    learned(36)
    use_learned()
    configure(hours=70)

    assert stall() == 70


# --- lowest hours for ingestion --------------------------------------------------------------


def test_the_lowest_hours_of_a_carrier_cover_every_lane_and_service_it_could_have():
    assert thresholds.lowest_hours("zto", Measure.STALL) == 48
    configure(hours=30, carrier="zto", origin_province="浙江")
    configure(hours=20, carrier="yto")
    configure(hours=25, origin_province="广东")

    assert thresholds.lowest_hours("zto", Measure.STALL) == 25
    assert thresholds.lowest_hours("yto", Measure.STALL) == 20
    assert thresholds.lowest_hours("sto", Measure.STALL) == 25
    assert thresholds.lowest_hours("sto", Measure.LOST) == 240


def test_a_catch_all_row_hides_the_default_and_the_less_specific_rows():
    configure(hours=90, carrier="zto")
    configure(hours=10, origin_province="广东")  # never wins for zto: its own row does
    configure(hours=80, carrier="zto", service="标快")

    assert thresholds.lowest_hours("zto", Measure.STALL) == 80


def test_learned_values_lower_the_lowest_hours_when_in_use():
    learned(30)
    assert thresholds.lowest_hours("zto", Measure.STALL) == 48
    use_learned()
    assert thresholds.lowest_hours("zto", Measure.STALL) == 30


def test_next_check_uses_the_carriers_lowest_hours():
    configure(hours=12, carrier="zto", origin_province="浙江")
    moved = Transition(
        1, 1, "in_transit", "zto", T.INFO_RECEIVED, "", T.IN_TRANSIT, "arrived_facility",
        "2026-11-24 00:00:00", "2026-11-24 00:00:00", None, None, (),
    )  # fmt: skip

    assert next_check(moved) == datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


# --- the per-process copy ------------------------------------------------------------------------


def test_the_copy_is_read_once_and_again_after_a_change_is_announced(django_assert_num_queries):
    thresholds.limits_for("zto", "", "", "")
    with django_assert_num_queries(0):
        thresholds.limits_for("yto", "标快", "浙江", "上海")
        thresholds.lowest_hours("sto", Measure.LOST)
    Threshold.objects.create(measure=Measure.STALL, hours=33, carrier="zto")

    assert stall() == 48  # not announced: this process keeps its copy for a while
    thresholds.thresholds_changed()
    assert stall() == 33


def test_another_process_sees_a_change_at_its_next_check(monkeypatch):
    assert stall() == 48
    Threshold.objects.create(measure=Measure.STALL, hours=33, carrier="zto")
    from django.core.cache import cache

    cache.set(thresholds.VERSION_KEY, "another process changed them", None)
    assert stall() == 48  # looked at the version less than check_seconds ago
    monkeypatch.setattr(thresholds._COPY, "check_seconds", 0.0)
    assert stall() == 33


# --- learning from history ------------------------------------------------------------------------

ZJ, SH, GD, BJ = "浙江省", "上海市", "广东省", "北京市"


def parcel(number: str, carrier: str, lane: tuple[str, str], handed_over: datetime, **more):
    return Shipment.objects.create(
        order=packed_order(f"W-{number}"),
        carrier=carrier,
        tracking_number=number,
        status=more.pop("status", T.IN_TRANSIT),
        created_at=handed_over,
        origin_province=lane[0],
        destination_province=lane[1],
        **more,
    )


def scans(shipment: Shipment, *steps: tuple[float, str, str], future: bool = False) -> None:
    """Events at hours after the parcel's hand-over: (hours, status, substatus)."""
    for index, (hours, status, substatus) in enumerate(steps):
        moment = shipment.created_at + timedelta(hours=hours)
        TrackingEvent.objects.create(
            shipment=shipment,
            occurred_at=moment,
            local_time=moment.isoformat(),
            offset_source="payload",
            received_at=moment,
            provider="batch",
            status=status,
            substatus=substatus,
            is_future=future,
            dedupe_key=f"{shipment.tracking_number}-{index}-{future}",
        )


@pytest.fixture
def history(channel, frozen_now):
    """Two lanes of scans and deliveries in the last 90 days, and what must be left out."""
    start = NOW - timedelta(days=10)
    zj_sh = (ZJ, SH)
    first = parcel("ZT001", "zto", zj_sh, start, delivered_at=start + timedelta(hours=30))
    scans(first, (0, T.IN_TRANSIT, "picked_up"), (10, T.IN_TRANSIT, ""), (30, T.DELIVERED, ""))
    second = parcel("ZT002", "zto", zj_sh, start, delivered_at=start + timedelta(hours=45))
    scans(
        second,
        (0, T.INFO_RECEIVED, "label_created"),
        (5, T.OUT_FOR_DELIVERY, ""),
        (45, T.DELIVERED, ""),
    )
    third = parcel("ZT003", "zto", zj_sh, start, delivered_at=start + timedelta(hours=51))
    scans(
        third,
        (0, T.IN_TRANSIT, ""),
        (2, T.IN_TRANSIT, "customs_processing"),  # 48 h in customs: customs' own clock
        (50, T.IN_TRANSIT, "customs_released"),
        (51, T.DELIVERED, ""),
    )
    # A week at a pickup point is no scan gap in transit.
    fourth = parcel("ZT004", "zto", zj_sh, start, status=T.AVAILABLE_FOR_PICKUP)
    scans(fourth, (0, T.AVAILABLE_FOR_PICKUP, "in_locker"), (170, T.DELIVERED, ""))
    # A future-dated event moved nothing; events and deliveries older than 90 days are gone.
    scans(fourth, (1, T.IN_TRANSIT, ""), (300, T.IN_TRANSIT, ""), future=True)
    old = parcel(
        "ZT005",
        "zto",
        zj_sh,
        NOW - timedelta(days=100),
        delivered_at=NOW - timedelta(days=95),
    )
    scans(old, (0, T.IN_TRANSIT, ""), (100, T.IN_TRANSIT, ""))
    # Another lane and carrier.
    sf = parcel("SF001", "sf-express", (GD, BJ), start)
    scans(sf, (0, T.IN_TRANSIT, ""), (7, T.IN_TRANSIT, ""), (10, T.OUT_FOR_DELIVERY, ""))


def learned_rows() -> list[tuple[str, str, str, str, float, int]]:
    return [
        (r.measure, r.carrier, r.origin_province, r.destination_province, r.hours, r.samples)
        for r in LearnedThreshold.objects.order_by("measure", "carrier")
    ]


@pytest.mark.usefixtures("history")
def test_learning_keeps_each_lanes_nearest_rank_percentile_of_gaps_and_transit_times():
    # zto 浙江 -> 上海 scan gaps: 10, 20 | 5, 40 | 2, 1 -> 1 2 5 10 20 40; transit: 30 45 51.
    # sf-express 广东 -> 北京: 7, 3. P95 is the ceil(0.95 n)th smallest.
    written = thresholds.learn_thresholds(NOW, percentile=95)

    assert written == 3
    assert learned_rows() == [
        ("stall", "sf-express", GD, BJ, 7.0, 2),
        ("stall", "zto", ZJ, SH, 40.0, 6),
        ("transit", "zto", ZJ, SH, 51.0, 3),
    ]
    assert {r.computed_at for r in LearnedThreshold.objects.all()} == {NOW}


@pytest.mark.usefixtures("history")
@pytest.mark.parametrize(
    ("percentile", "zto_stall", "sf_stall", "zto_transit"),
    [(50, 5.0, 3.0, 45.0), (60, 10.0, 7.0, 45.0), (100, 40.0, 7.0, 51.0), (1, 1.0, 3.0, 30.0)],
)
def test_learning_takes_the_percentile_asked_for(percentile, zto_stall, sf_stall, zto_transit):
    thresholds.learn_thresholds(NOW, percentile=percentile)

    assert [row[4] for row in learned_rows()] == [sf_stall, zto_stall, zto_transit]


@pytest.mark.usefixtures("history")
def test_learning_again_replaces_the_last_learning_and_tells_every_process():
    learned(99, carrier="yto")
    use_learned(min_samples=3)
    assert stall("yto") == 99

    thresholds.learn_thresholds(NOW, percentile=50)

    assert LearnedThreshold.objects.filter(carrier="yto").count() == 0
    assert stall("yto") == 48
    assert stall("zto") == 24  # learned 5 h, raised to the floor


def test_learning_takes_the_desks_percentile_unless_told(history):
    DeskSettings.objects.create(pk=1, learning_percentile=50)

    thresholds.learn_thresholds(NOW)

    assert [row[4] for row in learned_rows()] == [3.0, 5.0, 45.0]


@pytest.mark.parametrize("percentile", [0, -5, 100.5, float("nan")])
def test_learning_refuses_a_percentile_outside_0_to_100(db, percentile):
    with pytest.raises(ValueError, match="a percentile lies in"):
        thresholds.learn_thresholds(NOW, percentile=percentile)


def test_learning_from_no_history_writes_nothing(db):
    assert thresholds.learn_thresholds(NOW) == 0
    assert LearnedThreshold.objects.count() == 0


def test_the_nightly_task_learns(history):
    from parcelops.exceptions import tasks

    assert tasks.learn_thresholds.call_local() == 3
