"""The demo's parcels: which carrier takes a shipped demo order, a tracking number in that
carrier's format, and the carrier events of the parcel's journey.

Pure: every choice comes from the order's own seeded streams (``{key}:parcel``,
``{key}:number:N``, ``{key}:journey``), so a seed gives the same parcels and scans again.
``parcelops.demo.loader`` hands the parcels over and records the events through the real actions.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from parcelops.carriers import registry
from parcelops.carriers.detection import s10_check_digit
from parcelops.demo.data import CARRIER_SHARES, DELIVERY_CONFIRMATIONS, ORIGIN_HUB, WAREHOUSE
from parcelops.demo.plan import PlannedOrder
from parcelops.tracking.events import OFFSET_FROM_CARRIER_ZONE, ParsedEvent
from parcelops.tracking.status import TrackingStatus as T

PROVIDER = "batch"  # as if the carriers' feeds arrived in our batch format
CONFIRMED_BY_HAND_SHARE = 0.12  # delivered parcels whose carrier never reports the delivery
SERVICES = {"sf-express": "顺丰标快", "jd": "京东标快", "ems": "标准快递"}


def _digits(rng: random.Random, count: int) -> str:
    return f"{rng.randrange(10**count):0{count}d}"


def _ems_number(rng: random.Random) -> str:
    """A UPU S10 item of China EMS: E, a letter, 8 digits, their check digit, CN."""
    serial = _digits(rng, 8)
    letter = rng.choice("ABCDEFGHJKLMNOPQRSTUVWXYZ")
    return f"E{letter}{serial}{s10_check_digit(serial)}CN"


# Numbers shaped as parcelops.carriers.detection recognises each carrier's labels.
NUMBER_SHAPES: dict[str, Callable[[random.Random], str]] = {
    "sf-express": lambda rng: "SF" + _digits(rng, 13),
    "zto": lambda rng: "7" + rng.choice("358") + _digits(rng, 12),
    "yto": lambda rng: "YT" + _digits(rng, 13),
    "sto": lambda rng: rng.choice(("77", "88")) + _digits(rng, 13),
    "yunda": lambda rng: rng.choice(("43", "46", "31")) + _digits(rng, 11),
    "jd": lambda rng: "JDX" + _digits(rng, 12),
    "jtexpress": lambda rng: "JT" + _digits(rng, 13),
    "deppon": lambda rng: "DPK" + _digits(rng, 12),
    "ems": _ems_number,
}


@dataclass(frozen=True)
class ParcelPlan:
    key: str
    carrier: str
    service: str
    is_delivery_confirmed_by_hand: bool  # the carrier's feed stops at "out for delivery"
    confirmation: str  # what logistics staff then write on the order

    def tracking_number(self, attempt: int = 0) -> str:
        """The label's number; a further attempt draws another (when the carrier has it)."""
        return NUMBER_SHAPES[self.carrier](random.Random(f"{self.key}:number:{attempt}"))  # noqa: S311 (demo data)


def plan_parcel(planned: PlannedOrder) -> ParcelPlan:
    """The carrier the customer asked for, else one of those that pick up at the warehouse."""
    rng = random.Random(f"{planned.key}:parcel")  # noqa: S311 (repeatable demo choices)
    carrier = planned.requested_carrier  # our code, as intake stores it
    if carrier not in NUMBER_SHAPES:
        carrier = rng.choices(list(CARRIER_SHARES), weights=list(CARRIER_SHARES.values()))[0]
    return ParcelPlan(
        key=planned.key,
        carrier=carrier,
        service=SERVICES.get(carrier, ""),
        is_delivery_confirmed_by_hand=rng.random() < CONFIRMED_BY_HAND_SHARE,
        confirmation=rng.choice(DELIVERY_CONFIRMATIONS),
    )


# --- the journey ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Milestones:
    """When the order's timeline says the parcel reached each step (None: it does not)."""

    shipped_at: datetime  # handed over at the warehouse
    in_transit_at: datetime | None  # the carrier's pick-up scan
    delivered_at: datetime | None
    until: datetime  # the demo's "now": nothing happens after it


@dataclass(frozen=True)
class Journey:
    before_delivery: list[ParsedEvent]
    # Recorded after the others, so an order is seen in transit before it is delivered.
    delivery: list[ParsedEvent]
    needs_confirmation_by_hand: bool  # delivered, but the carrier never says so


def carrier_event(
    carrier: str,
    number: str,
    at: datetime,
    status: str,
    substatus: str,
    code: str,
    text: str,
    location: str,
    zone: ZoneInfo | None = None,
) -> ParsedEvent:
    """One event as the carrier's feed reports it: its local time in the carrier's zone."""
    at = at.astimezone(UTC).replace(microsecond=0)
    local = at.astimezone(zone or registry.carrier_zone(carrier))
    return ParsedEvent(
        provider=PROVIDER,
        carrier=carrier,
        tracking_number=number,
        occurred_at=at,
        local_time=local.strftime("%Y-%m-%d %H:%M:%S"),
        offset_source=OFFSET_FROM_CARRIER_ZONE,
        status=status,
        substatus=substatus,
        raw_code=code,
        raw_text=text,
        location=location,
    )


class _Scans:
    """The events of one parcel, in time order. The milestones' events keep their times; a
    scan in between that finds no room (a timeline squeezed into a short past) is dropped."""

    def __init__(self, carrier: str, number: str) -> None:
        self.carrier = carrier
        self.number = number
        self.zone = registry.carrier_zone(carrier)
        self.events: list[tuple[ParsedEvent, bool]] = []  # (event, is it a milestone)
        self.delivery_starts = -1  # the index where the delivery's part begins

    def add(
        self,
        at: datetime,
        status: str,
        substatus: str,
        code: str,
        text: str,
        location: str,
        *,
        is_milestone: bool = False,
    ) -> None:
        at = at.astimezone(UTC).replace(microsecond=0)
        while self.events and self.events[-1][0].occurred_at >= at:
            if not is_milestone:
                return
            if self.events[-1][1]:
                break  # two milestones in one second: both stay
            self.events.pop()
        event = carrier_event(
            self.carrier, self.number, at, status, substatus, code, text, location, self.zone
        )
        self.events.append((event, is_milestone))

    def start_delivery(self) -> None:
        self.delivery_starts = len(self.events)

    def journey(self, *, needs_confirmation_by_hand: bool = False) -> Journey:
        events = [event for event, _is_milestone in self.events]
        split = len(events) if self.delivery_starts < 0 else self.delivery_starts
        return Journey(events[:split], events[split:], needs_confirmation_by_hand)


def _hours(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(hours=rng.uniform(low, high))


def _route(city: str, district: str) -> list[tuple[tuple[float, float], str, str, str]]:
    """The scans between pick-up and the delivery station: (hours after the previous scan,
    substatus, text, location)."""
    short_city = city.removesuffix("市")
    station = f"{short_city}{district}营业部"
    destination_hub = f"{short_city}转运中心"
    warehouse_city = WAREHOUSE[0]
    hubs = [(ORIGIN_HUB, warehouse_city)]
    if city != warehouse_city:
        hubs.append((destination_hub, city))
    route: list[tuple[tuple[float, float], str, str, str]] = []
    for index, (hub, hub_city) in enumerate(hubs):
        line_haul = (2.0, 5.0) if index == 0 else (8.0, 30.0)
        following = hubs[index + 1][0] if index + 1 < len(hubs) else station
        route.append((line_haul, "arrived_facility", f"快件已到达【{hub}】", hub_city))
        route.append(
            (
                (1.0, 3.0),
                "departed_facility",
                f"快件已从【{hub}】发出，下一站【{following}】",
                hub_city,
            )
        )
    route.append(((2.0, 6.0), "arrived_facility", f"快件已到达【{station}】", city))
    return route


DELIVERY_TEXTS = (
    ("signed_by_recipient", "您的快件已签收，签收人：本人。感谢使用{carrier}，期待再次为您服务。"),
    ("signed_by_proxy", "您的快件已由小区门卫代签收，如有疑问请联系派件员。"),
    ("locker", "您的快件已从【{station}】智能快递柜取出，已签收。"),
)


def journey_events(
    parcel: ParcelPlan, number: str, address: dict[str, str], at: Milestones
) -> Journey:
    """The carrier events that tell the milestones: a label, the pick-up at the milestone's
    time, hub scans in between, out for delivery, and the signature at the delivery's time."""
    rng = random.Random(f"{parcel.key}:journey")  # noqa: S311 (repeatable demo scans)
    name = registry.carrier(parcel.carrier).name_zh
    city, district = address.get("city", ""), address.get("district", "")
    warehouse_city, _district, warehouse = WAREHOUSE
    scans = _Scans(parcel.carrier, number)
    next_step = at.in_transit_at or at.delivered_at or at.until
    label_at = min(
        at.shipped_at + _hours(rng, 0.03, 0.25), at.shipped_at + (next_step - at.shipped_at) / 3
    )
    label_text = f"【{warehouse}】商家已发货，{name}已收到电子面单，等待揽收"
    scans.add(label_at, T.INFO_RECEIVED, "label_created", "LABEL", label_text, warehouse_city)
    if at.delivered_at is None and at.in_transit_at is None:
        return scans.journey()

    pickup = (T.IN_TRANSIT, "picked_up", "PICKUP", f"【{warehouse_city}】快件已由{name}揽收")
    phone = "1" + rng.choice("3578") + _digits(rng, 9)
    out_for_delivery = (
        T.OUT_FOR_DELIVERY,
        "out_for_delivery",
        "DELIVERING",
        f"【{city}】快递员正在为您派件，联系电话：{phone}",
    )
    substatus, signed = rng.choice(DELIVERY_TEXTS)
    station = f"{city.removesuffix('市')}{district}营业部"
    signature = (T.DELIVERED, substatus, "SIGNED", signed.format(carrier=name, station=station))

    if at.in_transit_at is None:
        # No scan between the hand-over and the delivery: the feed sent pick-up, delivery run
        # and signature in one update, so the order goes from shipped to delivered.
        delivered_at = at.delivered_at or at.until
        span = delivered_at - at.shipped_at
        scans.start_delivery()
        scans.add(at.shipped_at + span * rng.uniform(0.35, 0.5), *pickup, warehouse_city)
        scans.add(at.shipped_at + span * rng.uniform(0.6, 0.8), *out_for_delivery, city)
        scans.add(delivered_at, *signature, city, is_milestone=True)
        return scans.journey()

    scans.add(at.in_transit_at, *pickup, warehouse_city, is_milestone=True)
    route = _route(city, district)
    gaps = [_hours(rng, *hours) for hours, _substatus, _text, _location in route]
    end = at.until
    if at.delivered_at is not None:
        lead = min(_hours(rng, 1, 5), (at.delivered_at - at.in_transit_at) / 4)
        end = at.delivered_at - lead
        room = (end - at.in_transit_at) * 0.95
        total = sum(gaps, timedelta())
        if total > room:  # a squeezed timeline: the hubs pass faster
            gaps = [gap * (room / total) for gap in gaps]
    when = at.in_transit_at
    for gap, (_hours_range, scan_substatus, text, location) in zip(gaps, route, strict=True):
        when += gap
        if when >= end:
            break
        code = "ARRIVAL" if scan_substatus == "arrived_facility" else "DEPARTURE"
        scans.add(when, T.IN_TRANSIT, scan_substatus, code, text, location)
    if at.delivered_at is None:
        return scans.journey()
    scans.add(end, *out_for_delivery, city)
    if parcel.is_delivery_confirmed_by_hand:
        return scans.journey(needs_confirmation_by_hand=True)
    scans.start_delivery()
    scans.add(at.delivered_at, *signature, city, is_milestone=True)
    return scans.journey()
