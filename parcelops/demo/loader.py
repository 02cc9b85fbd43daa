"""Realistic, repeatable demo data (`parcelops demo`): a login per role, the shop's channels,
catalogue and customers, and orders in every state, all made through the real actions.
Shipped orders got there by handing a parcel to a carrier; their carriers' events (see
``parcelops.demo.parcels``) move them on to in transit and delivered, as real feeds would.

The seed decides everything a person would recognise again (customers, external ids, lines,
totals, where each order's story stops, carriers, tracking numbers and scans; see
``parcelops.demo.plan``); only order numbers and the real clock times differ.

With the exception desk (``with_exceptions``, as ``parcelops demo`` runs it) some parcels go
wrong on the way (``parcelops.demo.mishaps``), the desk opens their cases from the carriers'
events, and its clock runs over the last hours (``parcelops.demo.desk``).
"""

import os
import random
import secrets
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from parcelops.accounts import roles
from parcelops.accounts.actions import set_staff_roles, sync_role_groups
from parcelops.accounts.models import StaffProfile
from parcelops.core.clock import now
from parcelops.core.errors import ActionError, InputError, NotPermittedError
from parcelops.demo import warehouse as demo_warehouse
from parcelops.demo.carrier_prices import load_carrier_prices
from parcelops.demo.data import (
    APPROVAL_COMMENTS,
    CATALOGUE,
    CHANNEL_NAMES_EN,
    CHANNELS,
    CUSTOMER_CANCEL_REASONS,
    REJECTION_COMMENTS,
    RESUBMIT_COMMENTS,
    UNPAID_CANCEL_REASON,
)
from parcelops.demo.desk import DeskCounts, desk_counts, run_desk
from parcelops.demo.freight import load_demo_bills
from parcelops.demo.mishaps import befall, plan_mishap
from parcelops.demo.packing import ensure_packing_materials
from parcelops.demo.parcels import Milestones, ParcelPlan, journey_events, plan_parcel
from parcelops.demo.plan import PlannedOrder, Planner
from parcelops.demo.timeline import backdate, latest_time, plan_times
from parcelops.demo.warehouse_activity import load_warehouse_activity
from parcelops.demo.waybills import ensure_number_ranges
from parcelops.exceptions.kinds import OwnerTier, Severity
from parcelops.orders import actions
from parcelops.orders.models import Channel, Customer, Order, OrderEvent, Product
from parcelops.orders.states import (
    OPEN_PROCESSING_STATES,
    OrderEventType,
    OrderState,
    ReviewState,
)
from parcelops.tracking import actions as tracking_actions
from parcelops.tracking.events import ParsedEvent
from parcelops.tracking.models import Shipment

DEFAULT_ORDERS = 200
DEFAULT_SEED = 20261125
PASSWORD_FILE = "demo_password"  # noqa: S105 (the file's name, not a password)
ORDERS_PER_TRANSACTION = 50  # a failed order rolls back its batch, never a half-told story


class DemoError(ValueError):
    """The demo cannot run with these arguments or in this database; the message says why."""


class Writer(Protocol):
    def write(self, text: str, /) -> object: ...


# --- the people --------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoPerson:
    username: str
    role: str
    display_name: str
    skills: tuple[str, ...] = ()
    workload_limit: int = 50
    is_on_shift: bool = True


ALL_SKILLS = ("normal", "large", "special")
# Processors differ in skill, load limit and shift, so the automatic assignment visibly
# follows them: only "order_processor" takes special orders, and with a full backlog the
# newest special orders wait unassigned while normal ones still find someone.
PEOPLE: tuple[DemoPerson, ...] = (
    DemoPerson("order_processor", roles.ORDER_PROCESSOR, "陈静", ALL_SKILLS, 15),
    DemoPerson("order_processor_2", roles.ORDER_PROCESSOR, "刘洋", ("normal",), 20),
    DemoPerson("order_processor_3", roles.ORDER_PROCESSOR, "赵磊", ("normal", "large"), 20),
    DemoPerson("order_processor_4", roles.ORDER_PROCESSOR, "孙丽", ALL_SKILLS, 20, False),
    DemoPerson("order_reviewer", roles.ORDER_REVIEWER, "周敏"),
    DemoPerson("warehouse", roles.WAREHOUSE, "吴强"),
    DemoPerson("logistics_staff", roles.LOGISTICS_STAFF, "郑凯"),
    DemoPerson("logistics_head", roles.LOGISTICS_HEAD, "王建国"),
    DemoPerson("leadership", roles.LEADERSHIP, "李文博"),
    DemoPerson("cs_agent", roles.CS_AGENT, "林晓燕"),
    DemoPerson("analyst", roles.ANALYST, "何佳"),
    DemoPerson("admin", roles.ADMIN, "黄志强"),
)


# Who closes a past case nobody owned, by owner tier (R5.2.3).
DESK_OWNERS: dict[str, str] = {
    OwnerTier.STAFF: "logistics_staff",
    OwnerTier.HEAD: "logistics_head",
    OwnerTier.LEADERSHIP: "leadership",
}


@dataclass(frozen=True)
class Login:
    username: str
    role: str
    has_demo_password: bool  # False: the account existed with a password of its own


@dataclass
class Crew:
    """The demo's people by role, and any assignee met on the way by id."""

    users: dict[str, User]
    by_id: dict[int, User] = field(default_factory=dict)

    def __getitem__(self, username: str) -> User:
        return self.users[username]

    def user(self, user_id: int) -> User:
        if user_id not in self.by_id:
            self.by_id[user_id] = User.objects.get(pk=user_id)
        return self.by_id[user_id]


def _ensure_people(password: str, reset_passwords: bool) -> tuple[Crew, list[Login], int]:
    """Create the missing logins; existing ones keep their password unless told otherwise."""
    sync_role_groups()  # migrate creates the groups; this makes the demo safe without it
    usernames = [person.username for person in PEOPLE]
    existing = {
        user.username: user
        for user in User.objects.filter(username__in=usernames).prefetch_related("groups")
    }
    with_profile = set(
        StaffProfile.objects.filter(user__username__in=usernames).values_list(
            "user__username", flat=True
        )
    )
    # One hash for every demo login: they share the password anyway, and each Argon2 hash or
    # check costs a noticeable fraction of a second.
    encoded = make_password(password)
    checked: dict[str, bool] = {encoded: True}
    logins: list[Login] = []
    created = 0
    for person in PEOPLE:
        is_admin = person.role == roles.ADMIN
        user = existing.get(person.username)
        current_roles: set[str] = set()
        if user is None:
            user = User.objects.create(
                username=person.username,
                password=encoded,
                is_staff=is_admin,
                is_superuser=is_admin,
            )
            created += 1
        else:
            current_roles = {group.name for group in user.groups.all()}
            if reset_passwords:
                user.password = encoded
                user.save(update_fields=["password"])
            if user.password not in checked:
                checked[user.password] = check_password(password, user.password)
            if is_admin and not (user.is_staff and user.is_superuser):
                user.is_staff = user.is_superuser = True
                user.save(update_fields=["is_staff", "is_superuser"])
        has_demo_password = checked[user.password]
        if person.role not in current_roles:
            set_staff_roles(user, sorted((current_roles & set(roles.ROLES)) | {person.role}))
        if person.username not in with_profile:
            # A profile someone already set up keeps its skills, limit and shift.
            StaffProfile.objects.update_or_create(
                user=user,
                defaults={
                    "skills": list(person.skills),
                    "workload_limit": person.workload_limit,
                    "is_on_shift": person.is_on_shift,
                    "display_name": person.display_name,
                },
            )
        existing[person.username] = user
        logins.append(Login(person.username, person.role, has_demo_password))
    return Crew(users=existing), logins, created


def _demo_password(given: str | None) -> tuple[str, Path]:
    path = Path(settings.DATA_DIR) / PASSWORD_FILE
    if given is not None:
        try:
            validate_password(given)
        except ValidationError as error:
            raise DemoError(
                _("The password is not accepted: %(reasons)s")
                % {"reasons": " ".join(error.messages)}
            ) from error
        _write_private(path, given)
        return given, path
    if path.exists():
        stored = path.read_text().strip()
        if stored:
            return stored, path
    generated = secrets.token_urlsafe(9)
    _write_private(path, generated)
    return generated, path


def _write_private(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # 0600 before the password is written, also for a file an older run left wider open.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(text + "\n")
    except OSError as error:
        raise DemoError(
            _("Cannot write the demo password to %(path)s: %(error)s")
            % {"path": path, "error": error.strerror}
        ) from error


# --- channels and catalogue --------------------------------------------------------------


def _ensure_channels_and_products() -> tuple[int, int]:
    """Reference data without a life cycle: created once, never overwritten."""
    known_channels = set(
        Channel.objects.filter(code__in=[c[0] for c in CHANNELS]).values_list("code", flat=True)
    )
    new_channels = [
        Channel(code=code, name=name, name_en=CHANNEL_NAMES_EN.get(code, ""), kind=kind)
        for code, name, kind, _share in CHANNELS
        if code not in known_channels
    ]
    Channel.objects.bulk_create(new_channels)
    known_skus = set(
        Product.objects.filter(sku__in=[i.sku for i in CATALOGUE]).values_list("sku", flat=True)
    )
    new_products = [
        Product(
            sku=item.sku,
            name=item.name,
            product_type=item.product_type,
            category=item.category,
            unit_price_cents=item.unit_price_cents,
        )
        for item in CATALOGUE
        if item.sku not in known_skus
    ]
    Product.objects.bulk_create(new_products)
    return len(new_channels), len(new_products)


# --- telling each order's story through the real actions ----------------------------------


# Where the order stops moving forward (a cancelled order is cancelled from there).
STOP_STATES = {
    "approved": OrderState.APPROVED,
    "allocated": OrderState.ALLOCATED,
    "picking": OrderState.PICKING,
    "packed": OrderState.PACKED,
    "shipped": OrderState.SHIPPED,
    "in_transit": OrderState.IN_TRANSIT,
    "delivered": OrderState.DELIVERED,
    "completed": OrderState.DELIVERED,
}
# The warehouse's steps, taken by the warehouse; it then hands the parcel to the carrier.
WAREHOUSE_STEPS = (OrderState.ALLOCATED, OrderState.PICKING, OrderState.PACKED)
# Stops past the hand-over: the parcel's carrier events take the order there.
PARCEL_STOPS = frozenset({OrderState.SHIPPED, OrderState.IN_TRANSIT, OrderState.DELIVERED})
HAND_OVER_ATTEMPTS = 3  # numbers drawn before giving up on one the carrier does not have yet


@dataclass(frozen=True)
class Told:
    """An order after the part of its story people tell; its parcel tells the rest."""

    order_id: int
    planned: PlannedOrder
    parcel: ParcelPlan | None = None
    tracking_number: str = ""
    # Unsaved stand-ins of the events still to come (in transit, delivered, completed), in
    # order: the timeline leaves room for them before their carrier events are made.
    still_to_come: tuple[OrderEvent, ...] = ()
    completed_by: User | None = None  # None: the auto-complete sweep

    @property
    def completes(self) -> bool:
        return bool(self.still_to_come) and self.still_to_come[-1].type == OrderEventType.COMPLETED


def _processor_for(order: Order, crew: Crew) -> tuple[Order, User]:
    """The assignee; an order nobody could take is handed over by the reviewer by hand."""
    if order.assignee_id is not None:
        return order, crew.user(order.assignee_id)
    able = [
        c for c in actions.processor_candidates() if c.is_on_shift and order.order_type in c.skills
    ]
    chosen = min(able, key=lambda c: (c.workload, c.user_id), default=None)
    processor = crew.user(chosen.user_id) if chosen else crew["order_processor"]
    order = actions.reassign_order(order, processor.username, crew["order_reviewer"])
    return order, processor


def _play_story(order: Order, planned: PlannedOrder, crew: Crew) -> Told:
    """The people's part: intake to the hand-over. The parcel's part comes per batch."""
    told = Told(order.pk, planned)
    story = planned.story.name
    rng = random.Random(f"{planned.key}:story")  # noqa: S311 (repeatable demo choices)
    if order.state == OrderState.AWAITING_PAYMENT:
        if story == "unpaid":
            return told
        if story == "cancelled_unpaid":
            actions.cancel_order(order, None, UNPAID_CANCEL_REASON)
            return told
        # The payment provider's notice: recorded by the system, not by a person.
        order = actions.mark_paid(order, None)
    if story in ("paid", "paid_later"):
        return told
    cancel_from = rng.choice((OrderState.PAID, OrderState.APPROVED, OrderState.ALLOCATED))
    if story == "cancelled" and cancel_from == OrderState.PAID:
        actions.cancel_order(order, crew["cs_agent"], rng.choice(CUSTOMER_CANCEL_REASONS))
        return told

    order, processor = _processor_for(order, crew)
    reviewer = crew["order_reviewer"]
    if order.review_state == ReviewState.NOT_REQUIRED:
        order = actions.confirm_order(order, processor)
    else:
        order = actions.submit_for_review(order, processor)
        if story == "in_review":
            return told
        if story == "rejected" or rng.random() < 0.15:
            order = actions.reject_order(order, reviewer, rng.choice(REJECTION_COMMENTS))
            if story == "rejected":
                return told  # waits for the processor's correction
            order = actions.submit_for_review(order, processor, rng.choice(RESUBMIT_COMMENTS))
        order = actions.approve_order(order, reviewer, rng.choice(APPROVAL_COMMENTS))

    stop = cancel_from if story == "cancelled" else STOP_STATES.get(story, OrderState.APPROVED)
    # Some feeds report nothing between the hand-over and the signature (same-day couriers).
    skips_transit = rng.random() < 0.15 and stop == OrderState.DELIVERED
    for step in WAREHOUSE_STEPS:
        if order.state == stop:
            break
        order = actions.advance_order(order, step, crew["warehouse"])
    if story == "cancelled":
        actions.cancel_order(order, crew["cs_agent"], rng.choice(CUSTOMER_CANCEL_REASONS))
        return told
    if stop not in PARCEL_STOPS:
        return told
    completed_by = None
    if story == "completed":
        # Most complete themselves after the quiet period; some on the customer's call.
        completed_by = crew["logistics_staff"] if rng.random() < 0.4 else None
    parcel, number = _hand_over(order, planned, crew)
    return Told(
        order.pk,
        planned,
        parcel,
        number,
        _still_to_come(stop, skips_transit, story == "completed", completed_by),
        completed_by,
    )


def _hand_over(order: Order, planned: PlannedOrder, crew: Crew) -> tuple[ParcelPlan, str]:
    """The warehouse hands the packed parcel to its carrier: the order becomes shipped."""
    parcel = plan_parcel(planned)
    number = parcel.tracking_number()
    for attempt in range(1, HAND_OVER_ATTEMPTS):
        if not Shipment.objects.filter(carrier=parcel.carrier, tracking_number=number).exists():
            break
        number = parcel.tracking_number(attempt)  # an earlier demo of another seed has it
    tracking_actions.create_shipment(
        order, parcel.carrier, number, crew["warehouse"], service=parcel.service
    )
    return parcel, number


def _still_to_come(
    stop: OrderState, skips_transit: bool, completes: bool, completed_by: User | None
) -> tuple[OrderEvent, ...]:
    steps = []
    state = OrderState.SHIPPED
    if stop in (OrderState.IN_TRANSIT, OrderState.DELIVERED) and not skips_transit:
        steps.append((state, OrderState.IN_TRANSIT))
        state = OrderState.IN_TRANSIT
    if stop == OrderState.DELIVERED:
        steps.append((state, OrderState.DELIVERED))
    events = [
        OrderEvent(type=OrderEventType.STATE_CHANGED, from_state=source, to_state=target)
        for source, target in steps
    ]
    if completes:
        events.append(
            OrderEvent(
                type=OrderEventType.COMPLETED,
                from_state=OrderState.DELIVERED,
                to_state=OrderState.COMPLETED,
                actor=completed_by,
            )
        )
    return tuple(events)


# --- the parcels' part ------------------------------------------------------------------


def _carry_parcels(
    batch: list[Told],
    times: dict[int, list[datetime]],
    started: datetime,
    crew: Crew,
    with_exceptions: bool,
) -> None:
    """The parcels' part: carrier events move the orders on, as real feeds would.

    The batch's events but the signatures go in one call, the signatures in a second, so
    an order is seen in transit before it is delivered. Then logistics staff confirm the
    deliveries no carrier reported, and the orders due to be completed are. With
    exceptions, the parcels that go wrong tell it in their events: the desk listening to
    ingestion opens their cases.
    """
    before_delivery: list[ParsedEvent] = []
    delivery: list[ParsedEvent] = []
    confirmations: list[Told] = []
    for told in batch:
        if told.parcel is None:
            continue
        order_times = times[told.order_id]
        told_count = len(order_times) - len(told.still_to_come)
        at = dict(
            zip(
                (event.to_state for event in told.still_to_come),
                order_times[told_count:],
                strict=True,
            )
        )
        milestones = Milestones(
            shipped_at=order_times[told_count - 1],  # the hand-over ends the told part
            in_transit_at=at.get(OrderState.IN_TRANSIT),
            delivered_at=at.get(OrderState.DELIVERED),
            until=latest_time(started),
        )
        address = told.planned.customer.address
        journey = journey_events(told.parcel, told.tracking_number, address, milestones)
        mishap = plan_mishap(told.planned) if with_exceptions else None
        if mishap is not None:
            journey = befall(
                journey, mishap, told.parcel, told.tracking_number, address, milestones
            )
        before_delivery.extend(journey.before_delivery)
        delivery.extend(journey.delivery)
        if journey.needs_confirmation_by_hand:
            confirmations.append(told)
    tracking_actions.record_tracking_events(before_delivery)
    tracking_actions.record_tracking_events(delivery)
    orders = Order.objects.in_bulk([told.order_id for told in batch if told.parcel is not None])
    for told in confirmations:
        comment = told.parcel.confirmation if told.parcel else ""
        with _telling(told.planned):
            actions.advance_order(
                orders[told.order_id], OrderState.DELIVERED, crew["logistics_staff"], comment
            )
    for told in batch:
        if told.completes:
            with _telling(told.planned):
                actions.complete_order(orders[told.order_id], told.completed_by)


# --- the whole run -----------------------------------------------------------------------


@dataclass(frozen=True)
class DemoResult:
    password: str
    password_file: Path
    logins: tuple[Login, ...]
    users_created: int
    channels_created: int
    products_created: int
    customers_created: int
    orders_created: int
    orders_already_there: int
    state_counts: dict[str, int]  # every live order in the database, by state
    unassigned_open_orders: int
    desk: DeskCounts  # the exception desk's queue at the end


def load_demo(
    orders: int = DEFAULT_ORDERS,
    seed: int = DEFAULT_SEED,
    password: str | None = None,
    stdout: Writer | None = None,
    *,
    with_exceptions: bool = False,
) -> DemoResult:
    """Fill the database with the demo; running it again with the same seed adds nothing.

    `with_exceptions`: some parcels go wrong, the desk opens their cases, closes the past
    ones with summaries and ends with a sweep at the demo's "now" (what the command does).
    Without it the demo itself opens no case, so its orders and parcels can be deleted
    again."""
    if orders < 0:
        raise DemoError(_("The number of orders must be 0 or more, not %(n)d.") % {"n": orders})
    demo_password, password_file = _demo_password(password)
    started = now()
    # Oldest first, as they arrived: the newest then meet the processors' queues filled up.
    plan = sorted(Planner(seed).plan(orders), key=lambda p: (-p.age, p.key))
    with transaction.atomic():
        crew, logins, users_created = _ensure_people(demo_password, password is not None)
        channels_created, products_created = _ensure_channels_and_products()
        ensure_number_ranges()
        ensure_packing_materials()  # the packing station's catalogue (parcelops.demo.packing)
        # The shelves first: the stories' orders reserve their stock when allocated.
        demo_warehouse.set_up_warehouse(plan, crew["warehouse"], started)
        load_carrier_prices()  # the carriers' coverage, services and price tables
    customers_before = Customer.objects.count()
    created_count = already_there = 0
    completed: list[int] = []  # orders this run completed: their cases are the desk's past
    for start in range(0, len(plan), ORDERS_PER_TRANSACTION):
        batch = plan[start : start + ORDERS_PER_TRANSACTION]
        with transaction.atomic():
            created: list[Told] = []
            for planned in batch:
                told = _take_in(planned, started, crew)
                if told is None:
                    already_there += 1
                else:
                    created.append(told)
            times = plan_times([(t.order_id, t.planned, t.still_to_come) for t in created], started)
            _carry_parcels(created, times, started, crew, with_exceptions)
            backdate(times)
        created_count += len(created)
        completed += [told.order_id for told in created if told.completes]
        if stdout is not None:
            stdout.write(
                _("Orders: %(done)d of %(total)d")
                % {"done": min(start + len(batch), len(plan)), "total": len(plan)}
                + "\n"
            )
    with transaction.atomic():
        demo_warehouse.backorder_some(crew["warehouse"])
    if with_exceptions:
        owners = {tier: crew[username] for tier, username in DESK_OWNERS.items()}
        with transaction.atomic():
            run_desk(now(), completed, owners)
    load_warehouse_activity(now())
    # The carriers' bills of their latest month, when their price rules are loaded.
    load_demo_bills()
    result = DemoResult(
        password=demo_password,
        password_file=password_file,
        logins=tuple(logins),
        users_created=users_created,
        channels_created=channels_created,
        products_created=products_created,
        customers_created=Customer.objects.count() - customers_before,
        orders_created=created_count,
        orders_already_there=already_there,
        state_counts=dict(
            Order.objects.values_list("state").annotate(n=Count("id")).order_by("state")
        ),
        unassigned_open_orders=Order.objects.filter(
            assignee__isnull=True, state__in=list(OPEN_PROCESSING_STATES)
        ).count(),
        desk=desk_counts(),
    )
    if stdout is not None:
        for line in summary_lines(result):
            stdout.write(line + "\n")
    return result


def _take_in(planned: PlannedOrder, started: datetime, crew: Crew) -> Told | None:
    """Intake (as the channel integration) and the story; None when the order was there."""
    with _telling(planned):
        intake = actions.intake_order(planned.payload(started), None)
        if not intake.created:
            return None  # loaded by an earlier run: its story is not told twice
        return _play_story(intake.order, planned, crew)
    return None  # pragma: no cover (_telling raises)


@contextmanager
def _telling(planned: PlannedOrder) -> Iterator[None]:
    """A refused action ends the demo with a message naming the order, not a traceback."""
    try:
        yield
    except (
        InputError,
        ActionError,
        NotPermittedError,
    ) as error:
        raise DemoError(
            _("Demo order %(channel)s/%(id)s could not be loaded: %(error)s")
            % {"channel": planned.channel, "id": planned.external_id, "error": error}
        ) from error


def summary_lines(result: DemoResult) -> Iterable[str]:
    yield _(
        "Demo data ready: %(created)d new orders (%(existing)d were already there), "
        "%(customers)d new customers, %(products)d new products, %(channels)d new channels."
    ) % {
        "created": result.orders_created,
        "existing": result.orders_already_there,
        "customers": result.customers_created,
        "products": result.products_created,
        "channels": result.channels_created,
    }
    yield _("Orders by state:")
    counts = Counter(result.state_counts)
    for state in OrderState:
        yield f"  {state.label!s:<24} {counts[state.value]:>6}"
    yield _("Open orders waiting for a processor with the skill and room: %(n)d") % {
        "n": result.unassigned_open_orders
    }
    desk = result.desk
    yield _(
        "Exception desk: %(open)d open cases (minor %(minor)d, moderate %(moderate)d, "
        "major %(major)d), %(breached)d breached, %(closed)d closed with a summary."
    ) % {
        "open": desk.open,
        "minor": desk.open_by_severity[Severity.MINOR],
        "moderate": desk.open_by_severity[Severity.MODERATE],
        "major": desk.open_by_severity[Severity.MAJOR],
        "breached": desk.breached,
        "closed": desk.closed,
    }
    yield _("Logins (password: %(password)s, kept in %(path)s):") % {
        "password": result.password,
        "path": result.password_file,
    }
    language = get_language() or settings.LANGUAGE_CODE
    for login in result.logins:
        note = "" if login.has_demo_password else "  " + _("(keeps its own password)")
        yield f"  {login.username:<20} {roles.role_label(login.role, language)}{note}"
