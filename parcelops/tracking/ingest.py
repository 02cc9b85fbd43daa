"""The ingestion engine: stores parsed carrier events in sets and moves shipments.

This is the hot path (ARCHITECTURE.md section 6): a chunk of events is matched to
shipments with one query, checked against stored dedupe keys with one query, inserted
with one executemany, and the shipments are updated with one executemany. Raw SQL is
used only for those bulk statements, because the ORM's bulk_create and per-row updates
reach a fraction of the database's speed. Everything else goes through the ORM.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import orjson
from django.db import connection, transaction

from parcelops.core.clock import now
from parcelops.tracking import rules
from parcelops.tracking.events import ParsedEvent
from parcelops.tracking.models import TrackingEvent

STORED = "stored"
DUPLICATE = "duplicate"
UNMATCHED = "unmatched"

IN_CHUNK = 500  # ids per IN (...) list: well under every backend's parameter limit


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


@dataclass
class _ShipmentRow:
    id: int
    carrier: str
    tracking_number: str
    order_id: int
    state: rules.ShipmentState
    estimated_delivery: Any = None


def _chunks(items: Sequence[Any], size: int = IN_CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _sqlite_time(value: datetime | None) -> Any:
    """A UTC time as Django stores it on SQLite (its own adapter costs ~10 µs a call)."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def _same_time(value: datetime | None) -> Any:
    return value


def _time_adapter() -> Callable[[datetime | None], Any]:
    return _sqlite_time if connection.vendor == "sqlite" else _same_time


def _from_db_time(value: Any) -> datetime | None:
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite keeps naive UTC


def _from_db_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def _find_shipments(numbers: list[str]) -> dict[str, list[_ShipmentRow]]:
    """The shipments of these numbers: one query (raw, as the ORM's row building costs more
    than the query itself for thousands of rows)."""
    found: dict[str, list[_ShipmentRow]] = defaultdict(list)
    parameter: list[str] | str
    if connection.vendor == "postgresql":
        source, parameter = "unnest(%s::text[]) AS n(number)", numbers
    else:
        source, parameter = "json_each(%s) AS n", orjson.dumps(numbers).decode()
    number_column = "n.number" if connection.vendor == "postgresql" else "n.value"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.id, s.carrier, s.tracking_number, s.order_id, s.status, s.substatus, "  # noqa: S608 (no user input in the SQL)
            "s.status_rank, s.last_event_at, s.delivered_at, s.estimated_delivery_date "
            f"FROM {source} JOIN tracking_shipment s ON s.tracking_number = {number_column}",
            [parameter],
        )
        for row in cursor.fetchall():
            state = rules.ShipmentState(
                row[4], row[5], row[6], _from_db_time(row[7]), _from_db_time(row[8])
            )
            found[row[2]].append(
                _ShipmentRow(row[0], row[1], row[2], row[3], state, _from_db_date(row[9]))
            )
    return found


def _match(event: ParsedEvent, shipments: dict[str, list[_ShipmentRow]]) -> _ShipmentRow | None:
    candidates = shipments.get(event.tracking_number, [])
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
    for part in _chunks(shipment_ids):
        for row in TrackingEvent.objects.filter(shipment_id__in=part).values_list(*fields):
            history[row[0]].append(
                (rules.EventFacts(row[1], row[2], row[3], row[4], row[5]), row[6])
            )
    return history


INSERT_EVENT = (
    "INSERT INTO tracking_trackingevent (shipment_id, occurred_at, local_time, offset_source, "
    "received_at, provider, raw_code, raw_text, location, status, substatus, is_regression, "
    "is_future, dedupe_key, raw) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
    "ON CONFLICT (shipment_id, dedupe_key) DO NOTHING"
)
INSERT_UNMATCHED = (
    "INSERT INTO tracking_unmatchedevent (carrier, tracking_number, occurred_at, local_time, "
    "offset_source, received_at, provider, raw_code, raw_text, location, status, substatus, "
    "dedupe_key, event_id, raw) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
    "ON CONFLICT (carrier, tracking_number, dedupe_key) DO NOTHING"
)
UPDATE_SHIPMENT = (
    "UPDATE tracking_shipment SET status = %s, substatus = %s, status_rank = %s, "
    "last_event_at = %s, delivered_at = %s, estimated_delivery_date = %s WHERE id = %s"
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
    with transaction.atomic():
        keys = [event.dedupe_key for event in events]  # a hash each: computed once
        shipments = _find_shipments(sorted({e.tracking_number for e in events}))
        matched: dict[int, list[tuple[int, ParsedEvent]]] = defaultdict(list)
        rows_by_id: dict[int, _ShipmentRow] = {}
        unmatched: list[tuple[int, ParsedEvent]] = []
        for index, event in enumerate(events):
            shipment = _match(event, shipments)
            if shipment is None:
                unmatched.append((index, event))
            else:
                rows_by_id[shipment.id] = shipment
                matched[shipment.id].append((index, event))

        stored_keys = _stored_keys(
            sorted({(sid, keys[index]) for sid, pairs in matched.items() for index, _ in pairs})
        )

        fresh: dict[int, list[tuple[int, ParsedEvent]]] = defaultdict(list)
        seen: set[tuple[int, str]] = set(stored_keys)
        for shipment_id, pairs in matched.items():
            for index, event in pairs:
                if (shipment_id, keys[index]) in seen:
                    result.outcomes[index] = DUPLICATE
                    result.duplicates += 1
                    continue
                seen.add((shipment_id, keys[index]))
                fresh[shipment_id].append((index, event))

        _store_fresh(fresh, rows_by_id, keys, received, result)
        _park_unmatched(unmatched, keys, received, result)
    return result


def _facts(event: ParsedEvent, key: str, received: datetime) -> rules.EventFacts:
    return rules.EventFacts(
        key,
        event.occurred_at,
        event.status,
        event.substatus,
        rules.is_future_event(event.occurred_at, received),
    )


def _store_fresh(
    fresh: dict[int, list[tuple[int, ParsedEvent]]],
    rows_by_id: dict[int, _ShipmentRow],
    keys: list[str],
    received: datetime,
    result: IngestResult,
) -> None:
    # In-order arrival (every new event after the last one stored) continues the fold
    # from the shipment's row; anything else refolds that shipment's whole history.
    needs_history = [
        shipment_id
        for shipment_id, pairs in fresh.items()
        if rows_by_id[shipment_id].state.last_event_at is None
        or min(e.occurred_at for _, e in pairs) <= rows_by_id[shipment_id].state.last_event_at  # type: ignore[operator]
    ]
    history = _history(needs_history)
    _db_time = _time_adapter()
    event_rows: list[tuple[Any, ...]] = []
    shipment_rows: list[tuple[Any, ...]] = []
    flag_rows: list[tuple[Any, ...]] = []
    received_db = _db_time(received)
    for shipment_id, pairs in fresh.items():
        row = rows_by_id[shipment_id]
        new_facts = [_facts(event, keys[index], received) for index, event in pairs]
        if shipment_id in history:
            old = history[shipment_id]
            state, regressions = rules.fold_events([f for f, _ in old] + new_facts)
            flag_rows.extend(
                (facts.key in regressions, shipment_id, facts.key)
                for facts, was_regression in old
                if (facts.key in regressions) != was_regression
            )
        else:
            state, regressions = rules.fold_events(new_facts, start=row.state)
        estimated = row.estimated_delivery
        for (index, event), facts in zip(pairs, new_facts, strict=True):
            result.outcomes[index] = STORED
            result.stored += 1
            result.regressions += facts.key in regressions
            result.future += facts.is_future
            result.unmapped += not event.status
            estimated = event.estimated_delivery or estimated
            event_rows.append(
                (
                    shipment_id,
                    _db_time(event.occurred_at),
                    event.local_time,
                    event.offset_source,
                    received_db,
                    event.provider,
                    event.raw_code[:60],
                    event.raw_text,
                    event.location[:200],
                    event.status,
                    event.substatus[:60],
                    facts.key in regressions,
                    facts.is_future,
                    facts.key,
                    orjson.dumps(event.raw).decode(),
                )
            )
        if state != row.state or estimated != row.estimated_delivery:
            if state.status != row.state.status:
                result.changed_shipments.add(shipment_id)
            shipment_rows.append(
                (
                    state.status,
                    state.substatus,
                    state.rank,
                    _db_time(state.last_event_at),
                    _db_time(state.delivered_at),
                    estimated,
                    shipment_id,
                )
            )
    with connection.cursor() as cursor:
        if event_rows:
            cursor.executemany(INSERT_EVENT, event_rows)
        if shipment_rows:
            cursor.executemany(UPDATE_SHIPMENT, shipment_rows)
        if flag_rows:
            cursor.executemany(UPDATE_REGRESSION, flag_rows)


def _park_unmatched(
    unmatched: list[tuple[int, ParsedEvent]],
    keys: list[str],
    received: datetime,
    result: IngestResult,
) -> None:
    if not unmatched:
        return
    _db_time = _time_adapter()
    received_db = _db_time(received)
    rows = [
        (
            event.carrier,
            event.tracking_number,
            _db_time(event.occurred_at),
            event.local_time,
            event.offset_source,
            received_db,
            event.provider,
            event.raw_code[:60],
            event.raw_text,
            event.location[:200],
            event.status,
            event.substatus[:60],
            keys[index],
            event.event_id[:100],
            orjson.dumps(event.raw).decode(),
        )
        for index, event in unmatched
    ]
    with connection.cursor() as cursor:
        cursor.executemany(INSERT_UNMATCHED, rows)
    for index, _ in unmatched:
        result.outcomes[index] = UNMATCHED
        result.unmatched += 1
