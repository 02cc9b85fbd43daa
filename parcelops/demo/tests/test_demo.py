"""`parcelops demo`: logins per role, every state, the real actions, repeatable by seed."""

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import override_settings
from django.utils import translation

from conftest import FIXED_NOW
from parcelops.accounts.models import StaffProfile
from parcelops.accounts.roles import ROLES
from parcelops.audit.actions import verify_audit_chain
from parcelops.audit.models import AuditRecord
from parcelops.carriers import registry
from parcelops.carriers.detection import detect_carriers, guess_is_valid_format
from parcelops.demo import parcels as demo_parcels
from parcelops.demo.data import DELIVERY_CONFIRMATIONS
from parcelops.demo.loader import DemoError, load_demo
from parcelops.demo.plan import Planner
from parcelops.orders.models import Channel, Customer, Order, OrderEvent, OrderLine, Product
from parcelops.orders.states import (
    CustomerTier,
    OrderEventType,
    OrderState,
    ProductType,
    ReviewState,
)
from parcelops.orders.tests.pages import page_for
from parcelops.tracking.events import ParsedEvent
from parcelops.tracking.models import Shipment, TrackingEvent
from parcelops.warehouse.models import Reservation, SkuProfile, StockLevel, StockMove

pytestmark = pytest.mark.django_db

SEED = 20261125
PROCESSORS = {"order_processor", "order_processor_2", "order_processor_3", "order_processor_4"}


@pytest.fixture
def data_dir(settings, tmp_path, frozen_now):
    """A data directory of the test's own, a frozen clock, and English messages to compare."""
    settings.DATA_DIR = tmp_path
    with translation.override("en"):
        yield tmp_path


def table_counts() -> dict[str, int]:
    models = (
        User,
        StaffProfile,
        Channel,
        Product,
        Customer,
        Order,
        OrderLine,
        OrderEvent,
        Shipment,
        TrackingEvent,
    )
    counts = {model.__name__: model._default_manager.count() for model in models}
    counts["AuditRecord"] = AuditRecord.objects.count()
    return counts


def order_fingerprint() -> set[tuple[str, str, int, str]]:
    return set(
        Order.all_objects.values_list("channel__code", "external_id", "total_cents", "state")
    )


def parcel_fingerprint() -> set[tuple[Any, ...]]:
    """Which order got which parcel, and what its carrier said (texts, not times)."""
    return {
        (
            shipment.order.external_id,
            shipment.carrier,
            shipment.tracking_number,
            shipment.status,
            tuple(event.raw_text for event in shipment.events.all()),
        )
        for shipment in Shipment.objects.select_related("order").prefetch_related("events")
    }


def test_it_creates_one_login_per_role_in_its_group(data_dir):
    result = load_demo(orders=0, seed=SEED)

    assert [login.username for login in result.logins] == [
        "order_processor",
        "order_processor_2",
        "order_processor_3",
        "order_processor_4",
        *ROLES[1:],
    ]
    for role in ROLES:
        user = User.objects.get(username=role)
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert user.check_password(result.password)
    admin = User.objects.get(username="admin")
    assert (admin.is_staff, admin.is_superuser) == (True, True)
    assert User.objects.filter(is_superuser=True).count() == 1
    assert result.users_created == 12
    assert all(login.has_demo_password for login in result.logins)


def test_processors_differ_in_skill_load_and_shift(data_dir):
    load_demo(orders=0, seed=SEED)

    profiles = {
        p.user.username: (p.skills, p.workload_limit, p.is_on_shift)
        for p in StaffProfile.objects.filter(user__username__in=PROCESSORS).select_related("user")
    }
    assert profiles == {
        "order_processor": (["normal", "large", "special"], 15, True),
        "order_processor_2": (["normal"], 20, True),
        "order_processor_3": (["normal", "large"], 20, True),
        "order_processor_4": (["normal", "large", "special"], 20, False),
    }
    assert set(
        User.objects.filter(groups__name="order_processor").values_list("username", flat=True)
    ) == (PROCESSORS)


def test_it_loads_the_channels_and_a_catalogue_of_every_product_type(data_dir):
    result = load_demo(orders=0, seed=SEED)

    assert dict(Channel.objects.values_list("code", "kind")) == {
        "web": "web",
        "app": "app",
        "mini_program": "mini_program",
        "tmall": "marketplace",
        "jd": "marketplace",
        "douyin": "marketplace",
    }
    assert dict(Channel.objects.values_list("code", "name"))["tmall"] == "天猫"
    assert result.products_created == 40
    assert set(Product.objects.values_list("product_type", flat=True)) == set(ProductType.values)
    assert Product.objects.filter(unit_price_cents__gte=500_000).count() == 6


def test_the_generated_password_is_kept_private_in_the_data_directory(data_dir):
    result = load_demo(orders=0, seed=SEED)

    path = data_dir / "demo_password"
    assert result.password_file == path
    assert path.read_text() == result.password + "\n"
    assert path.stat().st_mode & 0o777 == 0o600
    assert len(result.password) == 12
    assert load_demo(orders=0, seed=SEED).password == result.password


def test_a_given_password_is_set_on_every_demo_login_and_stored(data_dir):
    load_demo(orders=0, seed=SEED)

    result = load_demo(orders=0, seed=SEED, password="tea-garden-2026")

    assert result.password == "tea-garden-2026"
    assert (data_dir / "demo_password").read_text() == "tea-garden-2026\n"
    for username in ("order_processor_2", "admin", "analyst"):
        assert User.objects.get(username=username).check_password("tea-garden-2026")


def test_an_existing_account_keeps_its_password_profile_and_other_roles(data_dir, make_staff):
    own = make_staff("admin", "analyst", skills=[], workload_limit=3, on_shift=False)

    result = load_demo(orders=0, seed=SEED)

    own.refresh_from_db()
    assert own.check_password("correct-horse-battery")
    assert sorted(own.groups.values_list("name", flat=True)) == ["admin", "analyst"]
    assert (own.is_staff, own.is_superuser) == (True, True)
    profile = StaffProfile.objects.get(user=own)
    assert (profile.skills, profile.workload_limit, profile.is_on_shift) == ([], 3, False)
    logins = {login.username: login.has_demo_password for login in result.logins}
    assert logins["admin"] is False
    assert logins["analyst"] is True
    assert User.objects.filter(username="admin").count() == 1


def test_orders_wait_unassigned_when_no_processor_has_room(data_dir, make_staff):
    for username in PROCESSORS:
        make_staff(username, "order_processor", workload_limit=1)

    result = load_demo(orders=40, seed=SEED)

    assert result.unassigned_open_orders == 8
    assert Order.objects.filter(assignee__isnull=True, state="paid").exists()
    # Orders that had to move on anyway were handed over by the reviewer by hand.
    manual = OrderEvent.objects.filter(type=OrderEventType.ASSIGNED, data__automatic=False)
    assert set(manual.values_list("actor__username", flat=True)) == {"order_reviewer"}


def test_a_weak_password_is_refused_and_nothing_is_written(data_dir):
    with pytest.raises(DemoError, match=r"^The password is not accepted: This password is too"):
        load_demo(orders=5, seed=SEED, password="1234")

    assert User.objects.count() == 0
    assert Order.all_objects.count() == 0
    assert not (data_dir / "demo_password").exists()


def test_the_command_prints_the_summary_the_logins_and_the_password(data_dir, capsys):
    call_command("demo", "--orders", "15", "--seed", str(SEED), "--password", "tea-garden-2026")

    out = capsys.readouterr().out
    assert "Orders: 15 of 15\n" in out
    assert "Demo data ready: 15 new orders (0 were already there)" in out
    assert "Orders by state:" in out
    assert "Logins (password: tea-garden-2026, kept in " in out
    assert "\n  order_processor_2    " in out
    assert "\n  admin                " in out
    lines = out.splitlines()
    start = lines.index("Orders by state:") + 1
    state_lines = lines[start : start + len(OrderState)]
    assert [line.split()[0] for line in state_lines][:2] == ["Awaiting", "Paid,"]
    assert sum(int(line.split()[-1]) for line in state_lines) == 15


def test_the_command_refuses_a_negative_number_of_orders(data_dir):
    with pytest.raises(CommandError) as raised:
        call_command("demo", "--orders", "-1")

    assert str(raised.value) == "The number of orders must be 0 or more, not -1."
    assert User.objects.count() == 0
    assert not Group.objects.filter(user__isnull=False).exists()
    assert not (data_dir / "demo_password").exists()


def test_deliveries_no_carrier_reported_are_confirmed_by_logistics_staff(data_dir, monkeypatch):
    monkeypatch.setattr(demo_parcels, "CONFIRMED_BY_HAND_SHARE", 1.0)

    load_demo(orders=15, seed=SEED)  # the first 15 tell every story once

    confirmed = OrderEvent.objects.filter(data__source="manual_correction")
    assert confirmed.count() == 2  # the delivered order and the completed one
    for event in confirmed.select_related("actor", "order"):
        assert event.actor is not None
        assert (event.actor.username, event.from_state, event.to_state) == (
            "logistics_staff",
            "in_transit",
            "delivered",
        )
        assert event.comment in DELIVERY_CONFIRMATIONS
        (shipment,) = event.order.shipments.all()
        assert (shipment.status, shipment.delivered_at) == ("out_for_delivery", None)
        last_scan = shipment.events.order_by("-occurred_at")[0]
        assert last_scan.occurred_at < event.at
    assert (
        AuditRecord.objects.filter(
            action="order.delivered", detail__source="manual_correction"
        ).count()
        == 2
    )


# --- the parcels' plan and journey (pure) ----------------------------------------------------


@pytest.mark.parametrize("carrier", sorted(demo_parcels.NUMBER_SHAPES))
def test_demo_tracking_numbers_are_recognised_as_their_carriers(carrier):
    for index in range(40):
        plan = demo_parcels.ParcelPlan(f"{SEED}:{index}", carrier, "", False, "")
        number = plan.tracking_number()
        assert detect_carriers(number)[0].code == carrier, number
        assert guess_is_valid_format(carrier, number), number
        assert plan.tracking_number() == number  # repeatable
        assert plan.tracking_number(1) != number


def test_a_parcel_goes_with_the_carrier_the_customer_asked_for():
    requested = {
        planned.requested_carrier: demo_parcels.plan_parcel(planned).carrier
        for planned in Planner(SEED).plan(200)
    }

    assert requested.pop("jd") == "jd"
    assert requested.pop("sf-express") == "sf-express"  # our code, as intake stores it
    assert requested.pop("") in demo_parcels.CARRIER_SHARES
    assert requested == {}


T0 = datetime(2026, 11, 20, 2, 0, 0, 500_000, tzinfo=UTC)
PARCEL = demo_parcels.ParcelPlan(f"{SEED}:7", "zto", "", False, "")
TO_HANGZHOU = {"city": "杭州市", "district": "西湖区"}
TO_KUNMING = {"city": "昆明市", "district": "五华区"}


def kinds(events: list[ParsedEvent]) -> list[str]:
    return [event.substatus for event in events]


def assert_in_time_order(events: list[ParsedEvent]) -> None:
    times = [event.occurred_at for event in events]
    assert times == sorted(set(times))


def test_a_delivered_journey_passes_the_hubs_and_signs_at_the_milestones():
    at = demo_parcels.Milestones(
        T0, T0 + timedelta(hours=6), T0 + timedelta(hours=60), T0 + timedelta(days=5)
    )

    journey = demo_parcels.journey_events(PARCEL, "75123456789012", TO_KUNMING, at)

    assert kinds(journey.before_delivery) == [
        "label_created",
        "picked_up",
        "arrived_facility",
        "departed_facility",
        "arrived_facility",
        "departed_facility",
        "arrived_facility",
        "out_for_delivery",
    ]
    assert [event.status for event in journey.delivery] == ["delivered"]
    assert journey.needs_confirmation_by_hand is False
    events = journey.before_delivery + journey.delivery
    assert_in_time_order(events)
    assert events[1].occurred_at == (T0 + timedelta(hours=6)).replace(microsecond=0)
    assert events[-1].occurred_at == (T0 + timedelta(hours=60)).replace(microsecond=0)
    assert events[4].raw_text == "快件已到达【昆明转运中心】"
    assert events[1].local_time == "2026-11-20 16:00:00"  # the carrier's own zone
    assert {event.tracking_number for event in events} == {"75123456789012"}


def test_a_parcel_in_transit_shows_only_the_scans_before_now():
    at = demo_parcels.Milestones(T0, T0 + timedelta(hours=2), None, T0 + timedelta(hours=9))

    journey = demo_parcels.journey_events(PARCEL, "75123456789012", TO_KUNMING, at)

    assert journey.delivery == []
    assert kinds(journey.before_delivery)[:2] == ["label_created", "picked_up"]
    assert "out_for_delivery" not in kinds(journey.before_delivery)
    assert all(event.occurred_at <= at.until for event in journey.before_delivery)


def test_a_delivery_confirmed_by_hand_leaves_the_parcel_out_for_delivery():
    parcel = demo_parcels.ParcelPlan(f"{SEED}:7", "zto", "", True, "客户来电确认已收到包裹。")
    at = demo_parcels.Milestones(
        T0, T0 + timedelta(hours=6), T0 + timedelta(hours=60), T0 + timedelta(days=5)
    )

    journey = demo_parcels.journey_events(parcel, "75123456789012", TO_HANGZHOU, at)

    assert journey.needs_confirmation_by_hand is True
    assert journey.delivery == []
    assert kinds(journey.before_delivery)[-1] == "out_for_delivery"
    assert "杭州转运中心" in journey.before_delivery[2].raw_text  # one hub in the same city
    assert len(journey.before_delivery) == 6


def test_a_feed_silent_until_the_signature_reports_pickup_and_delivery_together():
    at = demo_parcels.Milestones(T0, None, T0 + timedelta(hours=5), T0 + timedelta(days=5))

    journey = demo_parcels.journey_events(PARCEL, "75123456789012", TO_HANGZHOU, at)

    assert kinds(journey.before_delivery) == ["label_created"]
    assert [event.status for event in journey.delivery] == [
        "in_transit",
        "out_for_delivery",
        "delivered",
    ]
    assert_in_time_order(journey.before_delivery + journey.delivery)


def test_a_squeezed_timeline_drops_scans_but_keeps_the_milestones():
    at = demo_parcels.Milestones(
        T0, T0 + timedelta(seconds=2), T0 + timedelta(seconds=5), T0 + timedelta(seconds=6)
    )

    journey = demo_parcels.journey_events(PARCEL, "75123456789012", TO_KUNMING, at)

    events = journey.before_delivery + journey.delivery
    assert_in_time_order(events)
    assert "picked_up" in kinds(events)
    assert events[-1].status == "delivered"
    assert events[-1].occurred_at == (T0 + timedelta(seconds=5)).replace(microsecond=0)


@pytest.fixture(scope="class")
def loaded(django_db_setup, django_db_blocker, tmp_path_factory):
    """Forty orders of SEED, loaded once for the class; what one of its tests adds is rolled
    back after that test."""
    with (
        django_db_blocker.unblock(),
        override_settings(DATA_DIR=tmp_path_factory.mktemp("demo")),
        time_machine.travel(FIXED_NOW, tick=False),
        transaction.atomic(),
    ):
        yield load_demo(orders=40, seed=SEED)
        transaction.set_rollback(True)


class TestFortyOrdersOfOneSeed:
    """The tests that share one loaded demo."""

    def test_forty_orders_show_every_state_tier_and_product_type(self, loaded):
        assert loaded.orders_created == 40
        assert loaded.state_counts == {
            "awaiting_payment": 1,
            "paid": 10,
            "in_review": 3,
            "approved": 5,
            "allocated": 1,
            "picking": 2,
            "packed": 2,
            "shipped": 1,
            "in_transit": 6,
            "delivered": 1,
            "completed": 3,
            "cancelled": 5,
        }
        assert set(Order.objects.values_list("state", flat=True)) == set(OrderState.values)
        assert set(Customer.objects.values_list("tier", flat=True)) == set(CustomerTier.values)
        assert set(OrderLine.objects.values_list("product_type", flat=True)) == set(
            ProductType.values
        )
        assert set(Order.objects.values_list("order_type", flat=True)) == {
            "normal",
            "large",
            "special",
        }
        assert Order.objects.filter(state="paid", review_state=ReviewState.REJECTED).exists()

    def test_review_is_decided_by_the_reviewer_on_orders_someone_else_processed(self, loaded):
        in_review = Order.objects.filter(state=OrderState.IN_REVIEW).select_related("processed_by")
        assert in_review.count() == 3
        for order in in_review:
            assert order.review_state == ReviewState.SUBMITTED
            assert order.processed_by is not None
            assert order.processed_by.username in PROCESSORS
        decisions = OrderEvent.objects.filter(
            type__in=[OrderEventType.APPROVED, OrderEventType.REJECTED]
        )
        assert decisions.exists()
        assert set(decisions.values_list("actor__username", flat=True)) == {"order_reviewer"}
        rejected = OrderEvent.objects.filter(type=OrderEventType.REJECTED)
        assert all(event.comment for event in rejected)
        waiting = Order.objects.get(state=OrderState.PAID, review_state=ReviewState.REJECTED)
        assert waiting.events.order_by("-id")[0].type == OrderEventType.REJECTED

    def test_each_step_is_taken_by_the_role_that_owns_it(self, loaded):
        actors: dict[str, set[str | None]] = {}
        for event_type, to_state, username in OrderEvent.objects.values_list(
            "type", "to_state", "actor__username"
        ):
            actors.setdefault(f"{event_type}:{to_state}", set()).add(username)
        assert actors["placed:paid"] == {None}  # the channel integration
        assert actors["confirmed:approved"] <= PROCESSORS
        assert actors["submitted_for_review:in_review"] <= PROCESSORS
        assert actors["state_changed:allocated"] == {"warehouse"}
        assert actors["state_changed:shipped"] == {"warehouse"}  # by handing the parcel over
        assert actors["state_changed:in_transit"] == {None}  # the carriers' events
        assert actors["state_changed:delivered"] <= {None, "logistics_staff"}
        # Logistics staff only confirm a delivery the carrier never reported, as a correction.
        deliveries = OrderEvent.objects.filter(
            type=OrderEventType.STATE_CHANGED, to_state=OrderState.DELIVERED
        )
        assert {(e.actor_id is None, e.data["source"]) for e in deliveries} <= {
            (True, "tracking"),
            (False, "manual_correction"),
        }
        assert actors["completed:completed"] <= {None, "logistics_staff"}
        assert actors["cancelled:cancelled"] <= {None, "cs_agent"}
        # Nobody off shift or without the skill was given an order.
        assert not Order.objects.filter(assignee__username="order_processor_4").exists()
        assert set(
            Order.objects.filter(assignee__username="order_processor_2").values_list(
                "order_type", flat=True
            )
        ) == {"normal"}

    def test_the_timeline_runs_forward_and_stays_in_the_past(self, loaded):
        latest = FIXED_NOW - timedelta(minutes=1)
        for order in Order.objects.prefetch_related("events"):
            times = [event.at for event in sorted(order.events.all(), key=lambda e: e.pk)]
            assert times == sorted(times), order.external_id
            assert times[0] == order.received_at
            assert order.placed_at <= order.received_at <= times[-1] <= latest
            assert order.placed_at >= FIXED_NOW - timedelta(days=30)
            if order.state == OrderState.COMPLETED:
                assert order.completed_at == times[-1]
                assert order.after_sales_until == order.completed_at + timedelta(days=15)
        # The orders arrived over days, not in the same second.
        first = Order.objects.order_by("received_at")[0]
        last = Order.objects.order_by("-received_at")[0]
        assert last.received_at - first.received_at > timedelta(days=10)

    def test_the_audit_chain_is_whole_after_the_demo(self, loaded):
        assert AuditRecord.objects.filter(action="order.placed").count() == 40
        assert verify_audit_chain() is None

    def test_the_warehouse_holds_the_stock_with_two_backorders_and_limits_crossed(self, loaded):
        from parcelops.warehouse import stock_queries
        from parcelops.warehouse.models import Bin, Zone

        assert Bin.objects.filter(warehouse__code="SH1").count() == 36
        assert list(Zone.objects.values_list("code", flat=True)) == ["A", "B", "C"]
        assert SkuProfile.objects.count() == Product.objects.count() == 40
        assert stock_queries.check_stock().is_ok
        assert stock_queries.backorders().count() == 2
        assert len(stock_queries.below_minimum()) >= 1
        assert [t.product.sku for t in stock_queries.above_maximum()] == ["TEA-CUP-01"]
        held = Reservation.objects.filter(order__state=OrderState.ALLOCATED)
        assert held.exists()

    def test_running_it_again_with_the_same_seed_adds_nothing(self, loaded):
        before = table_counts()

        again = load_demo(orders=40, seed=SEED)

        assert table_counts() == before
        assert (again.orders_created, again.orders_already_there) == (0, 40)
        assert (again.users_created, again.customers_created, again.products_created) == (0, 0, 0)
        assert again.password == loaded.password
        assert again.state_counts == loaded.state_counts

    def test_a_larger_run_with_the_same_seed_extends_a_smaller_one(self, loaded):
        # The stock the larger run receives may allocate the smaller one's backorders.
        backordered = set(Order.objects.filter(is_backordered=True).values_list("external_id"))
        smaller = {o for o in order_fingerprint() if (o[1],) not in backordered}

        result = load_demo(orders=50, seed=SEED)

        assert (result.orders_created, result.orders_already_there) == (10, 40)
        assert smaller < order_fingerprint()
        assert len(order_fingerprint()) == 50

    def test_the_same_seed_gives_the_same_orders_again(self, loaded):
        first = order_fingerprint()
        first_customers = set(Customer.objects.values_list("phone_index", "tier"))
        first_parcels = parcel_fingerprint()
        Shipment.objects.all().delete()
        for model in (Reservation, StockMove, StockLevel, SkuProfile):
            model.objects.all().delete()  # the warehouse's rows hold on to orders and products
        Order.all_objects.all().delete()
        Customer.objects.all().delete()
        Product.objects.all().delete()

        result = load_demo(orders=40, seed=SEED)

        assert result.orders_created == 40
        assert order_fingerprint() == first
        assert set(Customer.objects.values_list("phone_index", "tier")) == first_customers
        assert parcel_fingerprint() == first_parcels

    def test_another_seed_gives_other_orders_and_customers(self, loaded):
        first_ids = set(Order.objects.values_list("external_id", flat=True))
        first_phones = set(Customer.objects.values_list("phone_index", flat=True))

        result = load_demo(orders=20, seed=SEED + 1)

        assert result.orders_created == 20
        assert len(set(Order.objects.values_list("external_id", flat=True)) - first_ids) == 20
        assert Customer.objects.exclude(phone_index__in=first_phones).exists()
        assert Product.objects.count() == 40  # one shop, one catalogue

    def test_every_shipped_order_was_handed_over_with_a_parcel(self, loaded):
        parcel_states = ("shipped", "in_transit", "delivered", "completed")
        orders = Order.objects.filter(state__in=parcel_states).prefetch_related("shipments")
        assert orders.count() == 11
        for order in orders:
            (shipment,) = order.shipments.all()
            assert registry.find_carrier(shipment.carrier) is not None
            assert shipment.is_number_format_known
            assert detect_carriers(shipment.tracking_number)[0].code == shipment.carrier
            assert shipment.created_by is not None
            assert shipment.created_by.username == "warehouse"
            shipped = order.events.get(to_state=OrderState.SHIPPED)
            assert shipped.data == {
                "carrier": shipment.carrier,
                "tracking_number": shipment.tracking_number,
            }
            assert shipment.created_at == shipped.at  # handed over when the order shipped
        # The JD channel's orders go with JD, as its customers asked.
        assert set(
            Shipment.objects.filter(order__channel__code="jd").values_list("carrier", flat=True)
        ) <= {"jd"}
        assert not Shipment.objects.exclude(order__state__in=parcel_states).exists()

    def test_the_carriers_events_tell_where_each_order_is(self, loaded):
        latest = FIXED_NOW - timedelta(minutes=1)
        expected = {
            "shipped": {"info_received"},
            "in_transit": {"in_transit", "out_for_delivery"},
            "delivered": {"delivered", "out_for_delivery"},  # the latter confirmed by hand
            "completed": {"delivered", "out_for_delivery"},
        }
        shipments = Shipment.objects.select_related("order").prefetch_related("events")
        for shipment in shipments:
            order = shipment.order
            assert shipment.status in expected[order.state], order.external_id
            events = list(shipment.events.all())
            assert events[0].substatus == "label_created"
            for event in events:
                assert event.provider == "batch"
                assert shipment.created_at <= event.occurred_at <= latest
                assert event.received_at == event.occurred_at + timedelta(minutes=2)
                assert (event.is_future, event.is_regression, bool(event.status)) == (
                    False,
                    False,
                    True,
                )
            order_events = {e.to_state: e for e in order.events.all()}
            if "in_transit" in order_events:
                picked_up = next(e for e in events if e.substatus == "picked_up")
                assert picked_up.occurred_at <= order_events["in_transit"].at
                assert order_events["in_transit"].at - picked_up.occurred_at < timedelta(seconds=1)
            delivered = order_events.get("delivered")
            if delivered is not None and delivered.data["source"] == "tracking":
                assert shipment.delivered_at is not None
                assert timedelta() <= delivered.at - shipment.delivered_at < timedelta(seconds=1)
            if delivered is not None and delivered.data["source"] == "manual_correction":
                assert shipment.status == "out_for_delivery"
                assert delivered.comment in DELIVERY_CONFIRMATIONS

    def test_the_public_tracking_page_shows_a_demo_parcels_journey(self, loaded):
        shipment = Shipment.objects.filter(status="delivered").order_by("id")[0]

        html = page_for(None).get(f"/track/parcel/?number={shipment.tracking_number}").content
        page = html.decode()

        assert '<h2 id="result-title" class="result-state">Delivered</h2>' in page
        texts = re.findall(r'<p class="event-text">(.*?)</p>', page)
        assert len(texts) == shipment.events.count() >= 3
        assert texts[-1].startswith("【杭州余杭仓】商家已发货")  # the label, at the hand-over
        assert texts[-2].startswith("【杭州市】快件已由")  # the carrier's pick-up
        assert "签收" in texts[0]
