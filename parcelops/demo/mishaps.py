"""What goes wrong with some demo parcels, so the exception desk has work: scans that stop
mid-way, a parcel damaged at a hub, refused at the door, two failed delivery attempts, a
signature in another city than the order's, a customs hold, a label no carrier ever scans.

Pure: whether and how a parcel goes wrong comes from its order's own stream
(``{key}:exception``), apart from the streams of the story, the times, the parcel and its
scans, so an order without a mishap has the very parcel and journey it had before. The
loader asks for a mishap only when it runs the desk (``load_demo(with_exceptions=True)``),
and hands the changed journey to the real ingestion: the desk finds the cases itself.
"""

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from itertools import pairwise
from typing import TypeVar

from parcelops.demo.data import REGIONS
from parcelops.demo.parcels import Journey, Milestones, ParcelPlan, carrier_event
from parcelops.demo.plan import PlannedOrder
from parcelops.tracking.events import ParsedEvent
from parcelops.tracking.status import TrackingStatus as T


class Mishap(StrEnum):
    STALL = "stall"  # the scans stop mid-way: the desk's clock finds the silence
    DAMAGED = "damaged"  # a hub reports the parcel damaged; it travels on
    REFUSED = "refused"  # the recipient refuses it at the door
    FAILED_TWICE = "failed_twice"  # two delivery attempts fail
    WRONG_CITY = "wrong_city"  # signed for in another city than the order's
    CUSTOMS = "customs"  # held by customs for missing papers
    NO_FIRST_SCAN = "no_first_scan"  # labelled and handed over, never scanned


# How often a parcel goes wrong on the stretch of road its order's story covers, and how
# (weights). Completed orders' mishaps are the desk's past: people have closed them.
MISHAPS: dict[str, tuple[float, tuple[tuple[Mishap, int], ...]]] = {
    "shipped": (0.15, ((Mishap.NO_FIRST_SCAN, 1),)),
    "in_transit": (
        0.4,
        (
            (Mishap.STALL, 2),
            (Mishap.DAMAGED, 2),
            (Mishap.REFUSED, 2),
            (Mishap.FAILED_TWICE, 2),
            (Mishap.CUSTOMS, 1),
        ),
    ),
    "delivered": (0.35, ((Mishap.FAILED_TWICE, 2), (Mishap.WRONG_CITY, 2), (Mishap.DAMAGED, 1))),
    "completed": (0.3, ((Mishap.DAMAGED, 2), (Mishap.FAILED_TWICE, 1), (Mishap.WRONG_CITY, 1))),
}
Item = TypeVar("Item")
# The numbers each mishap takes from the stream: 0 where (the stall's cut, the damaged
# hub), 1-3 which words (damage, refusal or failure, the wrong city), 4 how long before
# now the last event came, 5-6 the courier's phone.
DRAWS = 7


@dataclass(frozen=True)
class MishapPlan:
    kind: Mishap
    draws: tuple[float, ...]  # uniform in [0, 1): where, when and which words

    def pick(self, index: int, items: tuple[Item, ...]) -> Item:
        """One of the items, by the index-th draw."""
        return items[int(self.draws[index] * len(items))]


def plan_mishap(planned: PlannedOrder) -> MishapPlan | None:
    """The mishap of the order's parcel, or None for a parcel that arrives as planned."""
    rng = random.Random(f"{planned.key}:exception")  # noqa: S311 (repeatable demo choices)
    share, kinds = MISHAPS.get(planned.story.name, (0.0, ()))
    if rng.random() >= share:
        return None
    kind = rng.choices([k for k, _w in kinds], weights=[w for _k, w in kinds])[0]
    return MishapPlan(kind, tuple(rng.random() for _ in range(DRAWS)))


# --- the carriers' words ----------------------------------------------------------------------

DAMAGE_TEXTS = (
    "快件在分拣中发现外包装破损，已拍照留存并加固包装后继续转运",
    "快件外箱受压变形，内件情况待核实，已重新包装继续转运",
)
REFUSAL_TEXTS = (
    "收件人拒收，原因：外包装破损，要求退回",
    "收件人拒收，原因：认为需支付到付运费",
    "收件人拒收，原因：未在约定时间送达，已另行购买",
)
FAILURE_TEXTS = (
    ("recipient_unavailable", "派送不成功：收件人电话无人接听，改日再派"),
    ("recipient_unavailable", "派送不成功：收件人不在家，已留言约定再次派送"),
    ("business_closed", "派送不成功：收件单位已下班，次日再派"),
)
CUSTOMS_TEXTS = (
    "快件进入海关监管区，等待查验",
    "海关查验：申报资料不全，快件暂扣，待补充资料",
)


# --- changing a journey ------------------------------------------------------------------------


# A new event's status, substatus, carrier code, text and place.
Step = tuple[str, str, str, str, str]


@dataclass
class _Road:
    """A journey being changed: its events in time order, where the signature's part
    begins, and what the mishap needs to write new scans."""

    events: list[ParsedEvent]
    split: int  # events[split:] are recorded after the others (the signature's part)
    mishap: MishapPlan
    parcel: ParcelPlan
    number: str
    city: str  # the order's
    at: Milestones

    @property
    def is_on_the_way(self) -> bool:
        """Picked up and not (yet) delivered: the story stops in transit."""
        return self.at.in_transit_at is not None and self.at.delivered_at is None

    def event(
        self, when: datetime, status: str, substatus: str, code: str, text: str, place: str
    ) -> ParsedEvent:
        return carrier_event(
            self.parcel.carrier, self.number, when, status, substatus, code, text, place
        )

    def insert(self, index: int, new: list[ParsedEvent]) -> None:
        """New events before events[index]; at the split, they join the earlier part."""
        self.events[index:index] = new
        if index <= self.split:
            self.split += len(new)

    def happen(self, index: int, gaps: list[float], steps: Sequence[Step]) -> bool:
        """The steps as new events before events[index], or after the last one when
        `index` is the end: the newest then comes a little before now. `gaps` as for
        `_moments` (at the end, without the last gap: that one is drawn). False, and
        nothing changed, when there is no room for them."""
        start = self.events[index - 1].occurred_at
        if index < len(self.events):
            end = self.events[index].occurred_at
        else:
            end = self.at.until
            gaps = [*gaps, 0.2 + 3 * self.mishap.draws[4]]
        moments = _moments(start, end, gaps)
        if moments is None:
            return False
        new = [self.event(moment, *step) for moment, step in zip(moments, steps, strict=True)]
        self.insert(index, new)
        return True

    def delivering(self) -> str:
        phone = f"1{self.mishap.pick(5, tuple('3578'))}{int(self.mishap.draws[6] * 10**9):09d}"
        return f"【{self.city}】快递员正在为您派件，联系电话：{phone}"


def _moments(start: datetime, end: datetime, gaps: list[float]) -> list[datetime] | None:
    """len(gaps) - 1 moments strictly between `start` and `end`: gaps[0] hours after
    `start` comes the first, gaps[i] after it the next, and the last gap runs to `end`.
    Spare time goes before the first (the events keep close to `end`); too little time
    squeezes every gap alike. None when the moments would not be a second apart."""
    span = end - start
    wanted = timedelta(hours=sum(gaps))
    scale = min(1.0, span / wanted) if wanted > timedelta() else 1.0
    moments = []
    at = end
    for gap in reversed(gaps[1:]):
        at -= timedelta(hours=gap) * scale
        moments.append(at.replace(microsecond=0))
    moments.reverse()
    bounds = [start, *moments, end]
    if any(later - earlier < timedelta(seconds=1) for earlier, later in pairwise(bounds)):
        return None
    return moments


def befall(
    journey: Journey,
    mishap: MishapPlan,
    parcel: ParcelPlan,
    number: str,
    address: dict[str, str],
    at: Milestones,
) -> Journey:
    """The journey as it goes when the mishap strikes; unchanged when it cannot strike on
    this stretch of road (a story that stops before it, a timeline with no room for it)."""
    if mishap.kind == Mishap.NO_FIRST_SCAN:
        if at.in_transit_at is not None or at.delivered_at is not None:
            return journey  # a parcel that moves on was scanned
        # The label was printed and the parcel handed over, but the carrier's feed never
        # says a word about it: the desk's first-scan deadline runs from the hand-over.
        return Journey([], [], needs_confirmation_by_hand=False)
    road = _Road(
        [*journey.before_delivery, *journey.delivery],
        len(journey.before_delivery),
        mishap,
        parcel,
        number,
        address.get("city", ""),
        at,
    )
    if not _STRIKES[mishap.kind](road):
        return journey
    return Journey(
        road.events[: road.split], road.events[road.split :], journey.needs_confirmation_by_hand
    )


def _stall(road: _Road) -> bool:
    """The scans stop somewhere between the pick-up and now (the pick-up itself stays)."""
    if not road.is_on_the_way or road.at.in_transit_at is None:
        return False
    picked_up = road.at.in_transit_at
    cut = picked_up + (road.at.until - picked_up) * (0.1 + 0.3 * road.mishap.draws[0])
    road.events = [e for e in road.events if e.occurred_at <= max(cut, picked_up)]
    road.split = len(road.events)
    return True


def _damage(road: _Road) -> bool:
    """A hub finds the parcel damaged, repacks it and sends it on: the next scan follows."""
    hubs = tuple(
        index
        for index, e in enumerate(road.events[:-1])
        if e.status == T.IN_TRANSIT and e.substatus != "picked_up"
    )
    if not hubs:
        return False
    index = road.mishap.pick(0, hubs)
    scan = road.events[index]
    text = road.mishap.pick(1, DAMAGE_TEXTS)
    damaged = (T.EXCEPTION, "damaged", "DAMAGED", text, scan.location)
    return road.happen(index + 1, [0.5, 0.5], [damaged])


def _refusal(road: _Road) -> bool:
    """Out for delivery, and the recipient refuses the parcel: it waits for the shop's word."""
    if not road.is_on_the_way:
        return False
    refused = road.mishap.pick(2, REFUSAL_TEXTS)
    steps = [
        (T.OUT_FOR_DELIVERY, "out_for_delivery", "DELIVERING", road.delivering(), road.city),
        (T.EXCEPTION, "refused", "REFUSED", refused, road.city),
    ]
    return road.happen(len(road.events), [1.0, 2.0], steps)


def _failed_twice(road: _Road) -> bool:
    """Two delivery runs end without a signature; a third is under way, or signs."""
    substatus, text = road.mishap.pick(2, FAILURE_TEXTS)
    run = (T.OUT_FOR_DELIVERY, "out_for_delivery", "DELIVERING", road.delivering(), road.city)
    failed = (T.ATTEMPT_FAILED, substatus, "FAILED", text, road.city)
    attempts = [run, failed, run, failed]
    if road.is_on_the_way:
        return road.happen(len(road.events), [1.0, 2.5, 20.0, 2.5], attempts)
    # Before the run that ends in the signature (or in a delivery confirmed by hand).
    runs = [i for i, e in enumerate(road.events) if e.status == T.OUT_FOR_DELIVERY]
    if not runs or runs[-1] == 0:
        return False
    return road.happen(runs[-1], [1.0, 2.5, 20.0, 2.5, 16.0], attempts)


def _wrong_city(road: _Road) -> bool:
    """The signature is scanned in another city: the parcel went to the wrong station."""
    signatures = [i for i, e in enumerate(road.events) if e.status == T.DELIVERED]
    others = tuple(region.city for region in REGIONS if region.city != road.city)
    if not signatures or not others:
        return False
    index = signatures[-1]
    signed = road.events[index]
    road.events[index] = road.event(
        signed.occurred_at, signed.status, signed.substatus, signed.raw_code, signed.raw_text,
        road.mishap.pick(3, others),
    )  # fmt: skip
    return True


def _customs(road: _Road) -> bool:
    """Customs inspects the parcel and holds it until the papers are complete."""
    if not road.is_on_the_way:
        return False
    inspected, held = CUSTOMS_TEXTS
    place = road.events[-1].location
    steps = [
        (T.IN_TRANSIT, "customs_processing", "CUSTOMS", inspected, place),
        (T.EXCEPTION, "held_by_customs", "CUSTOMS_HOLD", held, place),
    ]
    return road.happen(len(road.events), [1.0, 5.0], steps)


_STRIKES: dict[Mishap, Callable[[_Road], bool]] = {
    Mishap.STALL: _stall,
    Mishap.DAMAGED: _damage,
    Mishap.REFUSED: _refusal,
    Mishap.FAILED_TWICE: _failed_twice,
    Mishap.WRONG_CITY: _wrong_city,
    Mishap.CUSTOMS: _customs,
}
