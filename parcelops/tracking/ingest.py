"""The ingestion engine: stores parsed carrier events in sets and moves shipments.

This is the hot path (ARCHITECTURE.md section 6): a chunk of events is matched to
shipments (and their orders' states) with one query, checked against stored dedupe keys
with one query, inserted in bulk (executemany on SQLite, COPY through a staging table on
PostgreSQL: parcelops.core.sqlsets.insert_rows), and the shipments are updated in bulk
the same way. Every statement here is SQL, because the ORM's bulk_create and per-row
updates reach a fraction of the database's speed, and building its queries cost more
than running them (decisions 0008, 0010 and 0014); the rest of the product uses the ORM.

A chunk is read and folded before the write transaction, and written with a
compare-and-set on each shipment's version (decision 0015): on SQLite the write lock is
held only while the rows go in, so several processes can ingest at once, and on
PostgreSQL two ingestions touching one parcel can no longer overwrite each other's
state. A chunk whose parcels changed in between is read again inside the transaction.
"""

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

import orjson
import psycopg
from django.db import DatabaseError, IntegrityError, connection, transaction

from parcelops.core import metrics
from parcelops.core.clock import now
from parcelops.core.sqlsets import array_literal, copy_into_stage, in_set, insert_rows
from parcelops.tracking import rules, transitions
from parcelops.tracking.events import (
    CARRIER_CORRECTING_PROVIDERS,
    ParsedEvent,
    ProviderSummary,
    as_utc_text,
)
from parcelops.tracking.status import StatusSource, TrackingStatus
from parcelops.tracking.transitions import Transition

STORED = "stored"
DUPLICATE = "duplicate"
UNMATCHED = "unmatched"


@dataclass
class IngestResult:
    stored: int = 0
    duplicates: int = 0
    unmatched: int = 0
    regressions: int = 0
    future: int = 0
    unmapped: int = 0
    outcomes: list[str] = field(default_factory=list)  # per input event, in order
    changed_shipments: set[int] = field(default_factory=set)  # those that may move orders
    changed_orders: set[int] = field(default_factory=set)  # the orders of those
    # Each shipment written, for the floors above (only when one listens: transitions).
    transitions: list[Transition] = field(default_factory=list)
    rereads: int = 0  # chunks read again because a parcel changed between read and write

    def add(self, other: "IngestResult") -> None:
        self.stored += other.stored
        self.duplicates += other.duplicates
        self.unmatched += other.unmatched
        self.regressions += other.regressions
        self.future += other.future
        self.unmapped += other.unmapped
        self.outcomes.extend(other.outcomes)
        self.changed_shipments |= other.changed_shipments
        self.changed_orders |= other.changed_orders
        self.transitions.extend(other.transitions)
        self.rereads += other.rereads

    def as_dict(self) -> dict[str, int]:
        return {
            "stored": self.stored,
            "duplicates": self.duplicates,
            "unmatched": self.unmatched,
            "regressions": self.regressions,
            "future": self.future,
            "unmapped": self.unmapped,
        }


# A shipment as the engine reads it: (id, carrier, tracking_number, order_id, order_state,
# status, substatus, status_rank, last_event_at, delivered_at, estimated_delivery_date,
# version, status_source, summary_provider, has_open_case), the cursor's own tuple. Building an object per
# row cost more than the query.
_ID, _CARRIER, _ORDER, _ORDER_STATE, _LAST_EVENT_AT, _ESTIMATE, _VERSION = 0, 1, 3, 4, 8, 10, 11
_SOURCE, _SUMMARY_PROVIDER, _HAS_OPEN_CASE = 12, 13, 14
_STATE = slice(5, 10)
_FROM_EVENTS = StatusSource.EVENT.value
_FROM_SUMMARY = StatusSource.PROVIDER_SUMMARY.value


def _moments_of(events: Sequence[ParsedEvent]) -> list[Any]:
    """Each event's time as the engine folds and writes it: naive UTC text
    (events.as_utc_text), which sorts as the times do and which the parsers give for free.

    Both databases: SQLite keeps times in this form, and PostgreSQL reads it as UTC (Django
    sets every connection's time zone to UTC) and gives it back through _moment_column.
    Loading aware datetimes through Django's converters cost PostgreSQL's ingestion more
    than the rest of reading the chunk's shipments (decision 0016).
    """
    return [event.occurred_text for event in events]


# PostgreSQL's text of a time in the form of events.as_utc_text: microseconds only when
# there are some ("%s" is the column; '.000000' can only be the end of this text).
_PG_UTC_TEXT = "replace(to_char(%s AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), '.000000', '')"


def _moment_column(column: str) -> str:
    """A time column read in the form _moments_of gives: SQLite's stored text without
    Django's converter, PostgreSQL's time formatted so on the server."""
    if connection.vendor == "postgresql":
        return _PG_UTC_TEXT % column
    return f"CAST({column} AS TEXT)"


# From about this many numbers PostgreSQL's planner hands half of the shipments' lookup to
# a parallel worker. While ingestion keeps every core busy, that costs more CPU than one
# process doing all of it (decision 0016); it is turned off for the lookup's transaction.
SERIAL_LOOKUP_FROM = 1000
# The setting as it was, and set for the rest of the transaction.
_SET_PARALLEL = (
    "SELECT current_setting('max_parallel_workers_per_gather'), "
    "set_config('max_parallel_workers_per_gather', %s, true)"
)


def _find_shipments(numbers: list[str], *, lock: bool = False) -> dict[str, list[tuple[Any, ...]]]:
    """The shipments of these numbers, with their orders' states: one query (raw, as the
    ORM's row building costs more than the query itself for thousands of rows).

    `lock`: on PostgreSQL, lock the shipments' rows until the transaction ends (SQLite's
    writer already holds the whole database)."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    numbers_match, parameter = in_set("s.tracking_number", numbers, "text")
    times = f"{_moment_column('s.last_event_at')}, {_moment_column('s.delivered_at')}"
    serial = connection.vendor == "postgresql" and len(numbers) >= SERIAL_LOOKUP_FROM
    inside = connection.in_atomic_block  # a transaction that goes on after the lookup
    with (
        transaction.atomic(savepoint=False) if serial else nullcontext(),
        connection.cursor() as cursor,
    ):
        if serial:  # for this transaction only, and put back if it goes on
            cursor.execute(_SET_PARALLEL, ["0"])
            previous = cursor.fetchone()[0]
        cursor.execute(
            "SELECT s.id, s.carrier, s.tracking_number, s.order_id, o.state, s.status, "  # noqa: S608 (no user input in the SQL)
            f"s.substatus, s.status_rank, {times}, s.estimated_delivery_date, s.version, "
            "s.status_source, s.summary_provider, s.has_open_case "
            "FROM tracking_shipment s JOIN orders_order o ON o.id = s.order_id "
            f"WHERE {numbers_match}"
            + (
                " ORDER BY s.id FOR UPDATE OF s"
                if lock and connection.vendor == "postgresql"
                else ""
            ),
            [parameter],
        )
        rows = cursor.fetchall()
        if serial and inside:
            cursor.execute(_SET_PARALLEL, [previous])
    for row in rows:
        same_number = found.get(row[2])
        if same_number is None:
            found[row[2]] = [row]
        else:
            same_number.append(row)
    return found


def _match(
    event: ParsedEvent | ProviderSummary, candidates: list[tuple[Any, ...]]
) -> tuple[Any, ...] | None:
    """The shipment among those with the event's number that the event belongs to."""
    if event.carrier:
        same = next((s for s in candidates if s[_CARRIER] == event.carrier), None)
        if same is not None or event.provider not in CARRIER_CORRECTING_PROVIDERS:
            return same
    # No carrier given, or a provider that corrected ours (decision 0020): the number alone
    # decides, when it is unambiguous.
    return candidates[0] if len(candidates) == 1 else None


def _stored_keys(pairs: list[tuple[int, str]]) -> set[tuple[int, str]]:
    """Which (shipment, dedupe key) pairs are stored already: one indexed join per chunk.

    The pairs travel as one parameter (a JSON array on SQLite, two arrays on PostgreSQL):
    IN lists of ids times keys made the planner probe the index for every combination.
    """
    if not pairs:
        return set()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT e.shipment_id, e.dedupe_key FROM unnest(%s::bigint[], %s::text[]) AS p(sid, k) "
                "JOIN tracking_trackingevent e ON e.shipment_id = p.sid AND e.dedupe_key = p.k",
                [array_literal([p[0] for p in pairs]), array_literal([p[1] for p in pairs])],
            )
        else:
            cursor.execute(
                "SELECT e.shipment_id, e.dedupe_key FROM json_each(%s) AS p "
                "JOIN tracking_trackingevent e ON e.shipment_id = json_extract(p.value, '$[0]') "
                "AND e.dedupe_key = json_extract(p.value, '$[1]')",
                [orjson.dumps(pairs).decode()],
            )
        return {(row[0], row[1]) for row in cursor.fetchall()}


def _history(shipment_ids: list[int]) -> dict[int, list[tuple[rules.EventFacts, bool]]]:
    """Stored events (with their current regression flag) of shipments needing a full fold.

    Raw, like _find_shipments: a single pushed event for a parcel with no events yet asks
    this, and building the ORM query cost about half of a push (decision 0016)."""
    history: dict[int, list[tuple[rules.EventFacts, bool]]] = defaultdict(list)
    if not shipment_ids:
        return history
    ids_match, parameter = in_set("shipment_id", shipment_ids, "bigint")
    occurred = _moment_column("occurred_at")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT shipment_id, dedupe_key, {occurred}, status, substatus, is_future, "  # noqa: S608 (no user input in the SQL)
            f"is_regression FROM tracking_trackingevent WHERE {ids_match}",
            [parameter],
        )
        for row in cursor.fetchall():
            facts = rules.EventFacts(row[1], row[2], row[3], row[4], bool(row[5]))
            history[row[0]].append((facts, bool(row[6])))
    return history


EVENT_COLUMNS = (
    "shipment_id", "occurred_at", "local_time", "offset_source", "received_at", "provider",
    "raw_code", "raw_text", "location", "status", "substatus", "is_regression", "is_future",
    "dedupe_key", "raw",
)  # fmt: skip
UNMATCHED_COLUMNS = (
    "carrier", "tracking_number", "occurred_at", "local_time", "offset_source", "received_at",
    "provider", "raw_code", "raw_text", "location", "status", "substatus", "dedupe_key",
    "event_id", "raw", "provider_carrier",
)  # fmt: skip
# Compare-and-set: a shipment is written only if its version is still the one read.
UPDATE_SHIPMENT = (
    "UPDATE tracking_shipment SET status = %s, substatus = %s, status_rank = %s, "
    "last_event_at = %s, delivered_at = %s, estimated_delivery_date = %s, "
    # When the status began (None: it did not change), and the next check, which
    # ingestion only ever lowers (decision 0028): the smaller of the two, either if the
    # other is None.
    "status_changed_at = COALESCE(%s, status_changed_at), "
    "next_check_at = COALESCE(MIN(next_check_at, %s), next_check_at, %s), "
    "version = version + 1 WHERE id = %s AND version = %s"
)
# PostgreSQL: the same update from a COPYed staging table (decision 0010).
SHIPMENT_COLUMNS = (  # a ShipmentState, the estimate, the status's start, the next check,
    # then the id and the version read
    "status, substatus, status_rank, last_event_at, delivered_at, estimated_delivery_date, "
    "status_changed_at, next_check_at, id, version"
)
UPDATE_STAGED_SHIPMENTS = (
    "UPDATE tracking_shipment AS s SET status = u.status, substatus = u.substatus, "
    "status_rank = u.status_rank, last_event_at = u.last_event_at, "
    "delivered_at = u.delivered_at, estimated_delivery_date = u.estimated_delivery_date, "
    "status_changed_at = COALESCE(u.status_changed_at, s.status_changed_at), "
    "next_check_at = LEAST(s.next_check_at, u.next_check_at), "  # LEAST skips NULLs
    "version = s.version + 1 "
    "FROM stage_tracking_shipment AS u WHERE s.id = u.id AND s.version = u.version "
    # The same ids again, as an array the planner can see: the staged table has no
    # statistics, and joining it alone made PostgreSQL hash every shipment of the table
    # for each chunk, a cost growing with the table (decision 0016).
    "AND s.id = ANY(%s::bigint[])"
)
UPDATE_REGRESSION = "UPDATE tracking_trackingevent SET is_regression = %s WHERE shipment_id = %s AND dedupe_key = %s"
# Where a status came from, and a provider's carrier correction (the first time it said
# so is kept): few shipments a chunk, only those of pushes carrying a summary.
UPDATE_SOURCE = (
    "UPDATE tracking_shipment SET status_source = %s, summary_provider = %s WHERE id = %s"
)
UPDATE_CORRECTION = (
    "UPDATE tracking_shipment SET carrier_corrected_at = CASE WHEN carrier_correction = %s "
    "THEN carrier_corrected_at ELSE %s END, carrier_correction = %s WHERE id = %s"
)


logger = logging.getLogger(__name__)

# Tries of a chunk in all (the first included) when PostgreSQL keeps picking it to break a
# deadlock (another writer locked some of the same parcels in another order), before the
# error reaches the caller.
DEADLOCK_ATTEMPTS = 3


class _ChangedMeanwhileError(Exception):
    """A parcel changed between the engine's reads and its write."""


class _Chunk(NamedTuple):
    events: Sequence[ParsedEvent]
    # Times as UTC text (_moments_of); the rules compare them as they would datetimes.
    moments: list[Any]  # each event's time
    keys: list[str]  # each event's dedupe key
    received: Any  # the arrival time, in the same form
    cutoff: Any  # events after this are in the future, in the same form
    summaries: Sequence[ProviderSummary]  # the providers' verdicts sent with the events


@dataclass
class _Plan:
    """What a chunk will write, worked out from what was read."""

    result: IngestResult
    checked: bool  # read outside the write transaction: the write checks nothing changed
    event_rows: list[tuple[Any, ...]] = field(default_factory=list)
    shipment_rows: list[tuple[Any, ...]] = field(default_factory=list)  # UPDATE_SHIPMENT's
    flag_rows: list[tuple[Any, ...]] = field(default_factory=list)
    unmatched_rows: list[tuple[Any, ...]] = field(default_factory=list)
    source_rows: list[tuple[Any, ...]] = field(default_factory=list)  # UPDATE_SOURCE's
    correction_rows: list[tuple[Any, ...]] = field(default_factory=list)  # UPDATE_CORRECTION's
    # Whether the floors above want transitions, and the next-check function they gave.
    watched: bool = False
    next_check: transitions.NextCheck | None = None


def record_tracking_events(
    events: Sequence[ParsedEvent],
    *,
    received_at: datetime | None = None,
    summaries: Sequence[ProviderSummary] = (),
    then: Callable[[IngestResult], None] | None = None,
) -> IngestResult:
    """Store one chunk of events in one transaction; the answer says what became of each.

    `summaries`: the providers' verdicts on whole parcels that came with the events (a
    push's tag), which count where they run ahead of the events (rules.apply_summary).

    `then` runs inside that transaction once the events are stored (the orders follow).
    The chunk is read and folded before the transaction (SQLite's write lock is not held
    meanwhile), then written only if none of its parcels changed since; if one did, it is
    read, folded and written again inside the transaction, where nothing can change it.
    """
    received = received_at or now()
    if not events and not summaries:
        result = IngestResult()
        if then is not None:
            with transaction.atomic():
                then(result)
        return result
    chunk = _Chunk(
        events,
        _moments_of(events),
        [event.dedupe_key for event in events],
        as_utc_text(received),
        as_utc_text(rules.future_cutoff(received)),
        summaries,
    )
    checked, tries = True, 0
    while True:
        tries += 1
        try:
            if checked:
                plan = _prepare(chunk, checked=True)
            with transaction.atomic():
                if not checked:
                    # SQLite: the write lock is held from BEGIN. PostgreSQL: the parcels'
                    # rows are locked, in the order of their ids, so two chunks read again
                    # do not deadlock over them.
                    plan = _prepare(chunk, checked=False)
                    plan.result.rereads = 1
                _write(chunk, plan)
                if then is not None:
                    then(plan.result)
            count_outcomes(plan.result)
            return plan.result
        except _ChangedMeanwhileError:
            pass  # raised by a checked write only
        except DatabaseError as error:
            if tries >= DEADLOCK_ATTEMPTS or not _is_deadlock(error):
                raise
            logger.info(
                "a chunk of %d events deadlocked %s; trying again",
                len(events),
                "with another writer" if tries == 1 else "again",
            )
        checked = False


def count_outcomes(result: IngestResult) -> None:
    """The chunk's events in /metrics, once committed (parcelops.core.metrics)."""
    name = "parcelops_tracking_events_total"
    metrics.count(name, result.stored, outcome="ingested")
    metrics.count(name, result.duplicates, outcome="duplicate")
    metrics.count(name, result.unmatched, outcome="parked")


def _is_deadlock(error: BaseException) -> bool:
    """PostgreSQL rolled this transaction back to break a cycle of writers waiting for
    each other's row locks (SQLSTATE 40P01): nothing of it was stored, and trying again
    succeeds once the other writer is through. Django's errors carry the driver's as
    their cause."""
    return isinstance(error.__cause__, psycopg.errors.DeadlockDetected)


def _prepare(chunk: _Chunk, *, checked: bool) -> _Plan:
    """Match the chunk to shipments, drop what is stored already, and fold the rest."""
    events, moments, keys = chunk.events, chunk.moments, chunk.keys
    plan = _Plan(
        IngestResult(outcomes=[""] * len(events)),
        checked,
        watched=transitions.is_on(),
        next_check=transitions.next_check_function(),
    )
    result = plan.result
    numbers = {event.tracking_number for event in events}
    numbers.update(summary.tracking_number for summary in chunk.summaries)
    shipments = _find_shipments(list(numbers), lock=not checked)
    positions_of: dict[int, list[int]] = {}  # shipment id -> positions in the chunk
    rows_by_id: dict[int, tuple[Any, ...]] = {}
    unmatched: list[int] = []
    for index, event in enumerate(events):
        candidates = shipments.get(event.tracking_number)
        if candidates is None:
            unmatched.append(index)
            continue
        if len(candidates) == 1 and candidates[0][_CARRIER] == event.carrier:
            row: tuple[Any, ...] | None = candidates[0]  # the common case
        else:
            row = _match(event, candidates)
        if row is None:
            unmatched.append(index)
            continue
        positions = positions_of.get(row[_ID])
        if positions is None:
            positions_of[row[_ID]] = [index]
            rows_by_id[row[_ID]] = row
        else:
            positions.append(index)
    summary_of = _match_summaries(chunk, plan, shipments, rows_by_id)

    # Which keys are stored already. When checked, a parcel whose new events all come
    # after its last one is not asked: a key is made of the event's time, so none of them
    # can be stored. A provider's id resent with a new time, or a future event resent, is
    # the exception; the insert then stores fewer rows than planned, and the chunk is
    # prepared again without this shortcut.
    first_new = {
        sid: moments[positions[0]] if len(positions) == 1 else min(moments[i] for i in positions)
        for sid, positions in positions_of.items()
    }
    seen = _stored_keys(
        [
            (sid, keys[index])
            for sid, positions in positions_of.items()
            if not checked
            or rows_by_id[sid][_LAST_EVENT_AT] is None
            or first_new[sid] <= rows_by_id[sid][_LAST_EVENT_AT]
            for index in positions
        ]
    )
    fresh: dict[int, list[int]] = {}
    outcomes = result.outcomes
    for shipment_id, positions in positions_of.items():
        if len(positions) == 1:  # nothing in the chunk can repeat it
            if seen and (shipment_id, keys[positions[0]]) in seen:
                outcomes[positions[0]] = DUPLICATE
                result.duplicates += 1
            else:
                fresh[shipment_id] = positions
            continue
        kept = []
        for index in positions:
            pair = (shipment_id, keys[index])
            if pair in seen:
                outcomes[index] = DUPLICATE
                result.duplicates += 1
                continue
            seen.add(pair)
            kept.append(index)
        if kept:
            fresh[shipment_id] = kept

    _fold_fresh(chunk, plan, fresh, rows_by_id, first_new, summary_of)
    for shipment_id, summary in summary_of.items():
        if shipment_id not in fresh:  # a verdict without new events: on the state as stored
            row = rows_by_id[shipment_id]
            before = rules.ShipmentState._make(row[_STATE])
            state = _with_summaries(plan, row, before, summary, refolded=False)
            if state != before:
                _plan_shipment(plan, row, before, state, row[_ESTIMATE])
    _plan_unmatched(chunk, plan, unmatched)
    return plan


def _match_summaries(
    chunk: _Chunk,
    plan: _Plan,
    shipments: dict[str, list[tuple[Any, ...]]],
    rows_by_id: dict[int, tuple[Any, ...]],
) -> dict[int, ProviderSummary]:
    """The shipment of each verdict (as its events would match), and the carrier
    corrections to record. A verdict on a number with no shipment is dropped: the push is
    kept, and the provider sends its verdict again with its next push."""
    summary_of: dict[int, ProviderSummary] = {}
    for summary in chunk.summaries:
        row = _match(summary, shipments.get(summary.tracking_number, []))
        if row is None:
            continue
        summary_of[row[_ID]] = summary
        rows_by_id.setdefault(row[_ID], row)
        if summary.provider_carrier and summary.carrier != row[_CARRIER]:
            code = summary.provider_carrier
            plan.correction_rows.append((code, chunk.received, code, row[_ID]))
    return summary_of


def _with_summaries(
    plan: _Plan,
    row: tuple[Any, ...],
    state: rules.ShipmentState,
    summary: ProviderSummary | None,
    *,
    refolded: bool,
) -> rules.ShipmentState:
    """The state with the providers' verdicts laid over it, planning where it came from.

    `refolded`: `state` is the fold of the events alone, so a verdict that set the stored
    status is laid over it again (until the events catch up with it); otherwise `state`
    is the stored one, which already holds it."""
    source, provider = row[_SOURCE], row[_SUMMARY_PROVIDER]
    if refolded:
        earlier, (status, substatus) = None, row[_STATE][:2]
        # An expired verdict falls to any new event, as an expired status reopens on one.
        if source == _FROM_SUMMARY and status != TrackingStatus.EXPIRED:
            earlier = rules.apply_summary(state, status, substatus)
        if earlier is None:
            source, provider = _FROM_EVENTS, ""
        else:
            state = earlier
    if summary is not None:
        verdict = rules.apply_summary(state, summary.status, summary.substatus)
        if verdict is not None:
            state, source, provider = verdict, _FROM_SUMMARY, summary.provider
    if (source, provider) != (row[_SOURCE], row[_SUMMARY_PROVIDER]):
        plan.source_rows.append((source, provider, row[_ID]))
    return state


def _plan_shipment(
    plan: _Plan,
    row: tuple[Any, ...],
    before: rules.ShipmentState,
    state: rules.ShipmentState,
    estimated: Any,
    notable: tuple[transitions.NotableEvent, ...] = (),
) -> None:
    """Write the shipment's new state (with a compare-and-set on its version); its order
    is asked to follow when the new status can move it, and the floors above are told
    (parcelops.tracking.transitions) when something listens."""
    moved = state.status != before.status
    if moved and rules.may_move_order(row[_ORDER_STATE], state.status):
        plan.result.changed_shipments.add(row[_ID])
        plan.result.changed_orders.add(row[_ORDER])
    since = state.last_event_at if moved else None
    next_check = None
    if plan.watched:
        # Positional, in the field order of Transition: once per parcel of every chunk.
        transition = transitions.Transition(
            row[_ID], row[_ORDER], row[_ORDER_STATE], row[_CARRIER], before.status,
            before.substatus, state.status, state.substatus, since, state.last_event_at,
            estimated, row[_ESTIMATE], notable, bool(row[_HAS_OPEN_CASE]),
        )  # fmt: skip
        plan.result.transitions.append(transition)
        if plan.next_check is not None:
            moment = plan.next_check(transition)
            next_check = None if moment is None else as_utc_text(moment)
    plan.shipment_rows.append((*state, estimated, since, next_check, row[_ID], row[_VERSION]))


def _fold_fresh(
    chunk: _Chunk,
    plan: _Plan,
    fresh: dict[int, list[int]],
    rows_by_id: dict[int, tuple[Any, ...]],
    first_new: dict[int, Any],
    summary_of: dict[int, ProviderSummary],
) -> None:
    events, moments, keys, received, cutoff, _summaries = chunk
    # In-order arrival (every new event after the last one stored) continues the fold
    # from the shipment's row; anything else refolds that shipment's whole history, as does
    # a status set by a provider's verdict (its events fold among themselves).
    history = _history(
        [
            sid
            for sid in fresh
            if rows_by_id[sid][_LAST_EVENT_AT] is None
            or first_new[sid] <= rows_by_id[sid][_LAST_EVENT_AT]
            or rows_by_id[sid][_SOURCE] != _FROM_EVENTS
        ]
    )
    result = plan.result
    outcomes = result.outcomes
    event_rows, flag_rows = plan.event_rows, plan.flag_rows
    facts_of, state_of, dumps = rules.EventFacts, rules.ShipmentState._make, orjson.dumps
    apply_event, plan_shipment, as_stored = rules.apply_event, _plan_shipment, _as_stored
    regression_count = future_count = unmapped_count = 0
    watched, notable_statuses = plan.watched, transitions.NOTABLE_STATUSES
    new: Sequence[tuple[int, rules.EventFacts, bool]]  # position, facts, is a regression
    for shipment_id, positions in fresh.items():
        row = rows_by_id[shipment_id]
        before = state_of(row[_STATE])
        from_events = row[_SOURCE] == _FROM_EVENTS
        start = before if from_events else rules.INITIAL_STATE  # no events stored yet
        if len(positions) == 1 and shipment_id not in history:
            # The common case: the next scan of a parcel, in order.
            index = positions[0]
            event = events[index]
            moment = moments[index]
            facts = facts_of(keys[index], moment, event.status, event.substatus, moment > cutoff)
            state, is_regression = apply_event(start, facts)
            new = ((index, facts, is_regression),)
        else:
            new_facts = [
                facts_of(
                    keys[index],
                    moments[index],
                    events[index].status,
                    events[index].substatus,
                    moments[index] > cutoff,
                )
                for index in positions
            ]
            regressions: set[str]
            if shipment_id in history:
                old = history[shipment_id]
                state, regressions = rules.fold_events([f for f, _ in old] + new_facts)
                flag_rows.extend(
                    (facts.key in regressions, shipment_id, facts.key)
                    for facts, was_regression in old
                    if (facts.key in regressions) != was_regression
                )
            else:
                state, regressions = rules.fold_events(new_facts, start=start)
            new = [
                (index, facts, facts.key in regressions)
                for index, facts in zip(positions, new_facts, strict=True)
            ]
        estimated = row[_ESTIMATE]
        notable: list[transitions.NotableEvent] = []
        for index, facts, is_regression in new:
            event = events[index]
            outcomes[index] = STORED
            key, moment, status, substatus, is_future = facts
            regression_count += is_regression
            future_count += is_future
            unmapped_count += not status
            if watched and (status in notable_statuses or is_regression or is_future):
                notable.append(
                    transitions.NotableEvent(
                        key, moment, status, substatus, event.location[:200], is_regression,
                        is_future,
                    )
                )  # fmt: skip
            if event.estimated_delivery is not None:
                estimated = event.estimated_delivery
            event_rows.append(
                (
                    shipment_id,
                    *as_stored(event, moment, received, status, substatus),
                    is_regression,
                    is_future,
                    key,
                    dumps(event.raw).decode(),
                )
            )
        if not from_events or shipment_id in summary_of:  # rare: pushes with a verdict
            state = _with_summaries(
                plan, row, state, summary_of.get(shipment_id), refolded=not from_events
            )
        # Written even when its state stays: the version says its events changed.
        plan_shipment(plan, row, before, state, estimated, tuple(notable))
    result.stored += len(event_rows)
    result.regressions += regression_count
    result.future += future_count
    result.unmapped += unmapped_count


def _as_stored(
    event: ParsedEvent, moment: Any, received: Any, status: str, substatus: str
) -> tuple[Any, ...]:
    """The columns a stored event and a parked one share, from occurred_at to substatus
    (EVENT_COLUMNS and UNMATCHED_COLUMNS), cut to the columns' lengths."""
    return (
        moment,
        event.local_time,
        event.offset_source,
        received,
        event.provider,
        event.raw_code[:60],
        event.raw_text,
        event.location[:200],
        status,
        substatus[:60],
    )


def _plan_unmatched(chunk: _Chunk, plan: _Plan, unmatched: list[int]) -> None:
    events, moments, keys, received, _cutoff, _summaries = chunk
    rows = plan.unmatched_rows
    for index in unmatched:
        event = events[index]
        rows.append(
            (
                event.carrier,
                event.tracking_number,
                *_as_stored(event, moments[index], received, event.status, event.substatus),
                keys[index],
                event.event_id[:100],
                orjson.dumps(event.raw).decode(),
                event.provider_carrier[:60],
            )
        )
        plan.result.outcomes[index] = UNMATCHED
    plan.result.unmatched += len(unmatched)


def _write(chunk: _Chunk, plan: _Plan) -> None:
    """Write a plan. One read outside this transaction is checked as it is written: a
    parcel changed since (its version), an event stored since, or a shipment appeared for
    a parked event raise _ChangedMeanwhileError, and the savepoint is rolled back."""
    checked, updated = plan.checked, 0
    with connection.cursor() as cursor:
        # Shipments first: on PostgreSQL their row locks then order every writer of a
        # parcel's events, so two of them never wait on each other's event keys.
        if plan.shipment_rows and connection.vendor == "postgresql":
            copy_into_stage(
                cursor,
                "tracking_shipment",
                "stage_tracking_shipment",
                SHIPMENT_COLUMNS,
                plan.shipment_rows,
            )
            ids = array_literal([row[-2] for row in plan.shipment_rows])
            cursor.execute(UPDATE_STAGED_SHIPMENTS, [ids])
            updated = cursor.rowcount
        elif plan.shipment_rows:
            # SQLite's statement names the next check twice (UPDATE_SHIPMENT).
            cursor.executemany(
                UPDATE_SHIPMENT, [(*r[:8], r[7], r[8], r[9]) for r in plan.shipment_rows]
            )
            updated = cursor.rowcount
        if checked and plan.shipment_rows and updated != len(plan.shipment_rows):
            raise _ChangedMeanwhileError
    # Checked on PostgreSQL, none of the keys is stored (looked up, or newer than the
    # parcel's last event): without a conflict clause the rows are COPYed straight into
    # the table, which costs the server less than staging them (decision 0015), and a key
    # stored meanwhile fails the insert.
    straight = checked and connection.vendor == "postgresql"
    try:
        stored = insert_rows(
            "tracking_trackingevent",
            EVENT_COLUMNS,
            plan.event_rows,
            on_conflict="" if straight else "ON CONFLICT (shipment_id, dedupe_key) DO NOTHING",
        )
    except IntegrityError:
        if not straight:
            raise
        raise _ChangedMeanwhileError from None
    if checked and stored != len(plan.event_rows):
        raise _ChangedMeanwhileError
    if plan.flag_rows or plan.source_rows or plan.correction_rows:
        with connection.cursor() as cursor:
            if plan.flag_rows:
                cursor.executemany(UPDATE_REGRESSION, plan.flag_rows)
            if plan.source_rows:
                cursor.executemany(UPDATE_SOURCE, plan.source_rows)
            if plan.correction_rows:
                cursor.executemany(UPDATE_CORRECTION, _with_times(plan.correction_rows))
    if plan.unmatched_rows:
        if checked and _now_matched(chunk, plan):
            raise _ChangedMeanwhileError
        insert_rows(
            "tracking_unmatchedevent",
            UNMATCHED_COLUMNS,
            plan.unmatched_rows,
            on_conflict="ON CONFLICT (carrier, tracking_number, dedupe_key) DO NOTHING",
        )


def _with_times(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Correction rows with their time (the chunk's UTC text) as the database takes it
    in a parameter: SQLite's stored text as it is, an aware time for PostgreSQL."""
    if connection.vendor != "postgresql":
        return rows
    return [
        (code, datetime.fromisoformat(at).replace(tzinfo=UTC), *rest) for code, at, *rest in rows
    ]


def _now_matched(chunk: _Chunk, plan: _Plan) -> bool:
    """Whether a shipment appeared, since the chunk was read, for an event to be parked."""
    parked = [i for i, outcome in enumerate(plan.result.outcomes) if outcome == UNMATCHED]
    shipments = _find_shipments(list({chunk.events[i].tracking_number for i in parked}))
    return any(
        _match(chunk.events[i], shipments.get(chunk.events[i].tracking_number, [])) is not None
        for i in parked
    )
