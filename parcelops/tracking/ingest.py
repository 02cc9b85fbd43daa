"""The ingestion engine: stores parsed carrier events in sets and moves shipments.

This is the hot path (ARCHITECTURE.md section 6): a chunk of events is matched to
shipments (and their orders' states) with one query, checked against stored dedupe keys
with one query, inserted in bulk (executemany on SQLite, COPY through a staging table on
PostgreSQL: parcelops.core.sqlsets.insert_rows), and the shipments are updated in bulk
the same way. Raw SQL is used only for those bulk statements, because the ORM's
bulk_create and per-row updates reach a fraction of the database's speed (decisions 0008
and 0010). Everything else goes through the ORM.
"""

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

import orjson
from django.db import connection, transaction

from parcelops.core.clock import now
from parcelops.core.sqlsets import copy_into_stage, id_set, insert_rows
from parcelops.tracking import rules
from parcelops.tracking.events import ParsedEvent
from parcelops.tracking.models import TrackingEvent

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
    changed_shipments: set[int] = field(default_factory=set)

    def add(self, other: "IngestResult") -> None:
        self.stored += other.stored
        self.duplicates += other.duplicates
        self.unmatched += other.unmatched
        self.regressions += other.regressions
        self.future += other.future
        self.unmapped += other.unmapped
        self.outcomes.extend(other.outcomes)
        self.changed_shipments |= other.changed_shipments

    def as_dict(self) -> dict[str, int]:
        return {
            "stored": self.stored,
            "duplicates": self.duplicates,
            "unmatched": self.unmatched,
            "regressions": self.regressions,
            "future": self.future,
            "unmapped": self.unmapped,
        }


class _ShipmentRow(NamedTuple):
    id: int
    carrier: str
    tracking_number: str
    order_id: int
    order_state: str
    state: rules.ShipmentState
    estimated_delivery: date | None


def _sqlite_time(value: datetime | None) -> Any:
    """A UTC time as Django stores it on SQLite (its own adapter costs ~10 µs a call)."""
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(" ")[:-6]  # without "+00:00"


def _same_time(value: datetime | None) -> Any:
    return value


def _time_adapter() -> Callable[[datetime | None], Any]:
    return _sqlite_time if connection.vendor == "sqlite" else _same_time


def _from_db_time(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite keeps naive UTC text
        return datetime.fromisoformat(value + "+00:00")
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _from_db_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def _find_shipments(numbers: list[str]) -> dict[str, list[_ShipmentRow]]:
    """The shipments of these numbers, with their orders' states: one query (raw, as the
    ORM's row building costs more than the query itself for thousands of rows)."""
    found: dict[str, list[_ShipmentRow]] = defaultdict(list)
    parameter: list[str] | str
    if connection.vendor == "postgresql":
        # = ANY keeps PostgreSQL on the number index; a join to unnest() (estimated at 10
        # rows) made it scan every shipment for each chunk.
        times = "s.last_event_at, s.delivered_at"
        numbers_match = "s.tracking_number = ANY(%s::text[])"
        parameter = numbers
    else:
        # Times as text: sqlite3 would otherwise run Django's Python converter on each
        # value, which costs more than datetime.fromisoformat.
        times = "CAST(s.last_event_at AS TEXT), CAST(s.delivered_at AS TEXT)"
        numbers_match = "s.tracking_number IN (SELECT value FROM json_each(%s))"
        parameter = orjson.dumps(numbers).decode()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.id, s.carrier, s.tracking_number, s.order_id, o.state, s.status, "  # noqa: S608 (no user input in the SQL)
            f"s.substatus, s.status_rank, {times}, s.estimated_delivery_date "
            "FROM tracking_shipment s JOIN orders_order o ON o.id = s.order_id "
            f"WHERE {numbers_match}",
            [parameter],
        )
        rows = cursor.fetchall()
    state = rules.ShipmentState
    for row in rows:
        found[row[2]].append(
            _ShipmentRow(
                row[0],
                row[1],
                row[2],
                row[3],
                row[4],
                state(row[5], row[6], row[7], _from_db_time(row[8]), _from_db_time(row[9])),
                _from_db_date(row[10]),
            )
        )
    return found


def _match(event: ParsedEvent, candidates: list[_ShipmentRow]) -> _ShipmentRow | None:
    """The shipment among those with the event's number that the event belongs to."""
    if event.carrier:
        return next((s for s in candidates if s.carrier == event.carrier), None)
    # No carrier given: the number alone decides only when it is unambiguous.
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
                [[p[0] for p in pairs], [p[1] for p in pairs]],
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
    """Stored events (with their current regression flag) of shipments needing a full fold."""
    history: dict[int, list[tuple[rules.EventFacts, bool]]] = defaultdict(list)
    if not shipment_ids:
        return history
    fields = (
        "shipment_id",
        "dedupe_key",
        "occurred_at",
        "status",
        "substatus",
        "is_future",
        "is_regression",
    )
    events = TrackingEvent.objects.filter(shipment_id__in=id_set(shipment_ids))
    for row in events.values_list(*fields):
        history[row[0]].append((rules.EventFacts(row[1], row[2], row[3], row[4], row[5]), row[6]))
    return history


EVENT_COLUMNS = (
    "shipment_id", "occurred_at", "local_time", "offset_source", "received_at", "provider",
    "raw_code", "raw_text", "location", "status", "substatus", "is_regression", "is_future",
    "dedupe_key", "raw",
)  # fmt: skip
UNMATCHED_COLUMNS = (
    "carrier", "tracking_number", "occurred_at", "local_time", "offset_source", "received_at",
    "provider", "raw_code", "raw_text", "location", "status", "substatus", "dedupe_key",
    "event_id", "raw",
)  # fmt: skip
UPDATE_SHIPMENT = (
    "UPDATE tracking_shipment SET status = %s, substatus = %s, status_rank = %s, "
    "last_event_at = %s, delivered_at = %s, estimated_delivery_date = %s WHERE id = %s"
)
# PostgreSQL: the same update from a COPYed staging table (decision 0010).
SHIPMENT_COLUMNS = (
    "status, substatus, status_rank, last_event_at, delivered_at, estimated_delivery_date, id"
)
UPDATE_STAGED_SHIPMENTS = (
    "UPDATE tracking_shipment AS s SET status = u.status, substatus = u.substatus, "
    "status_rank = u.status_rank, last_event_at = u.last_event_at, "
    "delivered_at = u.delivered_at, estimated_delivery_date = u.estimated_delivery_date "
    "FROM stage_tracking_shipment AS u WHERE s.id = u.id"
)
UPDATE_REGRESSION = "UPDATE tracking_trackingevent SET is_regression = %s WHERE shipment_id = %s AND dedupe_key = %s"


def record_tracking_events(
    events: Sequence[ParsedEvent], *, received_at: datetime | None = None
) -> IngestResult:
    """Store one chunk of events in one transaction; the answer says what became of each."""
    received = received_at or now()
    result = IngestResult(outcomes=[""] * len(events))
    if not events:
        return result
    # Hashes and the number set before the transaction: less time holding the write lock.
    keys = [event.dedupe_key for event in events]
    numbers = sorted({event.tracking_number for event in events})
    with transaction.atomic():
        shipments = _find_shipments(numbers)
        # shipment id -> [(position in the chunk, event, dedupe key)]
        matched: dict[int, list[tuple[int, ParsedEvent, str]]] = defaultdict(list)
        rows_by_id: dict[int, _ShipmentRow] = {}
        unmatched: list[tuple[int, ParsedEvent, str]] = []
        for index, event in enumerate(events):
            candidates = shipments.get(event.tracking_number)
            if candidates is None:
                shipment = None
            elif len(candidates) == 1 and candidates[0].carrier == event.carrier:
                shipment = candidates[0]  # the common case, decided without _match
            else:
                shipment = _match(event, candidates)
            if shipment is None:
                unmatched.append((index, event, keys[index]))
            else:
                rows_by_id[shipment.id] = shipment
                matched[shipment.id].append((index, event, keys[index]))

        seen = _stored_keys(
            sorted({(sid, key) for sid, items in matched.items() for _, _, key in items})
        )
        fresh: dict[int, list[tuple[int, ParsedEvent, str]]] = {}
        outcomes = result.outcomes
        for shipment_id, items in matched.items():
            kept = []
            for item in items:
                pair = (shipment_id, item[2])
                if pair in seen:
                    outcomes[item[0]] = DUPLICATE
                    result.duplicates += 1
                    continue
                seen.add(pair)
                kept.append(item)
            if kept:
                fresh[shipment_id] = kept

        _store_fresh(fresh, rows_by_id, received, result)
        _park_unmatched(unmatched, received, result)
    return result


def _store_fresh(
    fresh: dict[int, list[tuple[int, ParsedEvent, str]]],
    rows_by_id: dict[int, _ShipmentRow],
    received: datetime,
    result: IngestResult,
) -> None:
    # In-order arrival (every new event after the last one stored) continues the fold
    # from the shipment's row; anything else refolds that shipment's whole history.
    needs_history = []
    for shipment_id, items in fresh.items():
        last = rows_by_id[shipment_id].state.last_event_at
        if last is None or min(item[1].occurred_at for item in items) <= last:
            needs_history.append(shipment_id)
    history = _history(needs_history)
    db_time = _time_adapter()
    cutoff = rules.future_cutoff(received)
    received_db = db_time(received)
    outcomes = result.outcomes
    event_rows: list[tuple[Any, ...]] = []
    shipment_rows: list[tuple[Any, ...]] = []
    flag_rows: list[tuple[Any, ...]] = []
    for shipment_id, items in fresh.items():
        row = rows_by_id[shipment_id]
        new_facts = [
            rules.EventFacts(key, e.occurred_at, e.status, e.substatus, e.occurred_at > cutoff)
            for _, e, key in items
        ]
        regressions: set[str] | tuple[str, ...]
        if shipment_id in history:
            old = history[shipment_id]
            state, regressions = rules.fold_events([f for f, _ in old] + new_facts)
            flag_rows.extend(
                (facts.key in regressions, shipment_id, facts.key)
                for facts, was_regression in old
                if (facts.key in regressions) != was_regression
            )
        elif len(new_facts) == 1:  # the common case: the next scan of a parcel, in order
            state, is_regression = rules.apply_event(row.state, new_facts[0])
            regressions = (new_facts[0].key,) if is_regression else ()
        else:
            state, regressions = rules.fold_events(new_facts, start=row.state)
        estimated = row.estimated_delivery
        for (index, event, key), facts in zip(items, new_facts, strict=True):
            outcomes[index] = STORED
            is_regression = key in regressions
            result.regressions += is_regression
            result.future += facts.is_future
            result.unmapped += not event.status
            estimated = event.estimated_delivery or estimated
            event_rows.append(
                (
                    shipment_id,
                    db_time(event.occurred_at),
                    event.local_time,
                    event.offset_source,
                    received_db,
                    event.provider,
                    event.raw_code[:60],
                    event.raw_text,
                    event.location[:200],
                    event.status,
                    event.substatus[:60],
                    is_regression,
                    facts.is_future,
                    key,
                    orjson.dumps(event.raw).decode(),
                )
            )
        result.stored += len(items)
        if state != row.state or estimated != row.estimated_delivery:
            if state.status != row.state.status and rules.may_move_order(
                row.order_state, state.status
            ):
                result.changed_shipments.add(shipment_id)
            shipment_rows.append(
                (
                    state.status,
                    state.substatus,
                    state.rank,
                    db_time(state.last_event_at),
                    db_time(state.delivered_at),
                    estimated,
                    shipment_id,
                )
            )
    insert_rows(
        "tracking_trackingevent",
        EVENT_COLUMNS,
        event_rows,
        on_conflict="ON CONFLICT (shipment_id, dedupe_key) DO NOTHING",
    )
    with connection.cursor() as cursor:
        if shipment_rows and connection.vendor == "postgresql":
            copy_into_stage(
                cursor,
                "tracking_shipment",
                "stage_tracking_shipment",
                SHIPMENT_COLUMNS,
                shipment_rows,
            )
            cursor.execute(UPDATE_STAGED_SHIPMENTS)
        elif shipment_rows:
            cursor.executemany(UPDATE_SHIPMENT, shipment_rows)
        if flag_rows:
            cursor.executemany(UPDATE_REGRESSION, flag_rows)


def _park_unmatched(
    unmatched: list[tuple[int, ParsedEvent, str]], received: datetime, result: IngestResult
) -> None:
    if not unmatched:
        return
    db_time = _time_adapter()
    received_db = db_time(received)
    rows = [
        (
            event.carrier,
            event.tracking_number,
            db_time(event.occurred_at),
            event.local_time,
            event.offset_source,
            received_db,
            event.provider,
            event.raw_code[:60],
            event.raw_text,
            event.location[:200],
            event.status,
            event.substatus[:60],
            key,
            event.event_id[:100],
            orjson.dumps(event.raw).decode(),
        )
        for _, event, key in unmatched
    ]
    insert_rows(
        "tracking_unmatchedevent",
        UNMATCHED_COLUMNS,
        rows,
        on_conflict="ON CONFLICT (carrier, tracking_number, dedupe_key) DO NOTHING",
    )
    for index, _, _ in unmatched:
        result.outcomes[index] = UNMATCHED
        result.unmatched += 1
