"""Detection does not depend on how the carriers deliver the news: any arrival order and
any chunking of the same events of a parcel leave the same cases open, holding the same
scans as evidence (issue 15, "Speed and correctness").

What is generated: the events carriers send as things happen, delayed and reshuffled on
the way: sequences that never go backwards in time order, and end with the delivery if
there is one. Left out, because the desk judges a scan on what it knows when the scan
arrives and does not judge it again when an older scan comes later:
- an event going backwards (a regression), which the rules take as wrong information
  and for nothing else (test_detection): whether an event is one depends on the events
  known when it arrives, and a damaged scan that opened a DAMAGED case on arrival stays
  so when an older scan arriving later makes it a regression. The reference run, in time
  order, makes none, and each run asserts it made none either;
- a scan after the delivery: the parcel's order is delivered by then, and the desk
  leaves a delivered order's parcel alone unless the parcel is delivered too
  (detecting.is_settled), so a damaged scan after the delivery opens a case only when
  it arrives before the delivery's.

What is compared: the parcel's cases open at the end, by type, and the scans each holds
as evidence, except for the types that clear themselves (customs hold, delay): one whose
condition ended and began again between chunks is a new case, so which scans the open
one holds depends on where the chunks cut; that it is open is compared.
"""

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parcelops.exceptions.kinds import SELF_CLEARING_TYPES, CaseState
from parcelops.exceptions.models import Case, CaseEvidence
from parcelops.exceptions.tests.conftest import carrier_event, feed, parcel
from parcelops.tracking.models import TrackingEvent
from parcelops.tracking.status import STATUS_RANK
from parcelops.tracking.status import TrackingStatus as T

# What a carrier says of a parcel, detection's statuses among them: exceptions, failed
# attempts, a return, the delivery, and the ordinary scans between them.
SCANS = [
    (T.IN_TRANSIT, "arrived_facility"),
    (T.OUT_FOR_DELIVERY, ""),
    (T.ATTEMPT_FAILED, "recipient_unavailable"),
    (T.EXCEPTION, "damaged"),
    (T.EXCEPTION, "delayed_weather"),
    (T.EXCEPTION, "held_by_customs"),
    (T.RETURNING, ""),
    (T.DELIVERED, ""),
]
PARCELS = itertools.count(2_000_000_001)  # the parcels' numbers, one each
# A carrier's events in time order, from these scans, never going backwards and ending
# with the delivery if there is one: sorted by rank, each exception (which keeps the rank
# it finds) at a place drawn among them, before the delivery.
DELIVERED_RANK = STATUS_RANK[T.DELIVERED]
scan_lists = st.lists(
    st.tuples(st.sampled_from(SCANS), st.integers(0, DELIVERED_RANK - 1)), min_size=1, max_size=8
).map(
    lambda drawn: [
        scan for scan, _place in sorted(drawn, key=lambda d: STATUS_RANK.get(d[0][0], d[1]))
    ]
)
# Hours after the tests' T0, one for each scan in that order; the clock stands at 26 h
# (FIXED_NOW), so the last ones may be dated in the future.
event_lists = scan_lists.flatmap(
    lambda scans: st.lists(
        st.integers(1, 28), min_size=len(scans), max_size=len(scans), unique=True
    ).map(lambda hours: list(zip(sorted(hours), scans, strict=True)))
)


def outcome(number: str, external_id: str, specs, order: list[int], chunk_size: int):
    """The open cases a new parcel ends with when the events of `specs` arrive in `order`
    (their positions), `chunk_size` at a time: (type, the positions in `specs` of the
    scans it holds) each."""
    shipment = parcel(number, external_id=external_id)
    events = [
        carrier_event(number, hours, status, substatus, text=f"{hours} {status} {substatus}")
        for hours, (status, substatus) in specs
    ]
    position_of = {event.dedupe_key: index for index, event in enumerate(events)}
    arriving = [events[index] for index in order]
    for start in range(0, len(arriving), chunk_size):
        feed(*arriving[start : start + chunk_size])
    assert not TrackingEvent.objects.filter(shipment=shipment, is_regression=True).exists()
    cases = Case.objects.filter(shipment=shipment, state=CaseState.OPEN)
    return sorted(
        (
            case.type,
            # Which scans a self-clearing case holds depends on where the chunks cut
            # (the note at the top).
            None
            if case.type in SELF_CLEARING_TYPES
            else sorted(
                position_of[key]
                for key in CaseEvidence.objects.filter(case=case, kind="event").values_list(
                    "event_key", flat=True
                )
            ),
        )
        for case in cases
    )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(event_lists, st.randoms(use_true_random=False), st.integers(1, 4))
def test_any_arrival_order_and_chunking_opens_the_same_cases(desk, specs, rng, chunk_size):
    # A new parcel for each way the events come (a number and an order of its own).
    first, second = next(PARCELS), next(PARCELS)
    in_time_order = sorted(range(len(specs)), key=lambda i: specs[i][0])
    shuffled = list(range(len(specs)))
    rng.shuffle(shuffled)

    expected = outcome(f"ZT{first:010d}", f"P-{first}", specs, in_time_order, 1)
    got = outcome(f"ZT{second:010d}", f"P-{second}", specs, shuffled, chunk_size)

    assert got == expected
