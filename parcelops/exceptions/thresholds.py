"""The thresholds of the time-driven rules for each parcel: configured per carrier, service
and lane (Threshold), learned from the system's own history (LearnedThreshold), or the
defaults (kinds.DEFAULT_THRESHOLD_HOURS).

Every process keeps both tables in memory, indexed (parcelops.core.process_copy: a
version in the shared cache says when someone changed them): `next_check` asks for each
shipment of each ingestion chunk, so a lookup stays a dict lookup. Learning
(`learn_thresholds`) aggregates in SQL.
"""

import math
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import DatabaseError, connection, transaction

from parcelops.core.process_copy import ProcessCopy
from parcelops.exceptions.detection import CUSTOMS_STATES, STALL_STATUSES, Limits, place_key
from parcelops.exceptions.kinds import DEFAULT_THRESHOLD_HOURS, Measure
from parcelops.exceptions.models import DeskSettings, LearnedThreshold, Threshold

VERSION_KEY = "parcelops:thresholds:version"
# The measures learned from history, and how far back.
LEARNED_MEASURES = (Measure.STALL, Measure.TRANSIT)
LEARNING_WINDOW = timedelta(days=90)
# A learned value never goes below this share of the default.
FLOOR_SHARE = 0.5
# limits_for answers kept per process before the memo starts afresh (lanes x services).
MEMO_SIZE = 20_000


def floor_hours(measure: str) -> float:
    """The least a learned threshold may be: half the default."""
    return DEFAULT_THRESHOLD_HOURS[measure] * FLOOR_SHARE


@dataclass(frozen=True)
class _Row:
    """A configured threshold, its keys compared as place_key and case folded."""

    carrier: str
    service: str
    origin: str
    destination: str
    hours: float

    @property
    def rank(self) -> tuple[int, int, int]:
        """How specific it is: carrier, then lane (both ends, one, none), then service.
        carrier+service+lane > carrier+lane > carrier+service > carrier > lane > any."""
        lane = bool(self.origin) + bool(self.destination)
        return (bool(self.carrier), lane, bool(self.service))

    def matches(self, carrier: str, service: str, origin: str, destination: str) -> bool:
        return (
            (not self.carrier or self.carrier == carrier)
            and (not self.service or self.service == service)
            and (not self.origin or self.origin == origin)
            and (not self.destination or self.destination == destination)
        )

    @property
    def is_catch_all(self) -> bool:
        return not (self.service or self.origin or self.destination)


@dataclass
class _Loaded:
    """The thresholds of one version of the tables, and the answers given from them."""

    rows: dict[str, list[_Row]]  # per measure, most specific first
    learned: dict[tuple[str, str, str, str], tuple[float, int]]  # hours, samples
    use_learned: bool
    min_samples: int
    limits: dict[tuple[str, str, str, str], Limits] = field(default_factory=dict)
    lowest: dict[str, Limits] = field(default_factory=dict)

    def learned_hours(self, key: tuple[str, str, str, str]) -> float | None:
        """A learned value the settings allow, raised to its floor."""
        found = self.learned.get(key) if self.use_learned else None
        if found is None or found[1] < self.min_samples:
            return None
        return max(found[0], floor_hours(key[3]))


def _desk_settings() -> DeskSettings:
    """The desk's settings row, or its defaults before anyone saved it (never written
    here: a threshold lookup does not create rows)."""
    return DeskSettings.objects.filter(pk=1).first() or DeskSettings(pk=1)


def _carrier_key(carrier: str) -> str:
    return carrier.strip().casefold()


def _read_tables() -> _Loaded:
    rows: dict[str, list[_Row]] = {measure: [] for measure in Measure}
    learned: dict[tuple[str, str, str, str], tuple[float, int]] = {}
    try:
        for row in Threshold.objects.all():
            rows.setdefault(row.measure, []).append(
                _Row(
                    _carrier_key(row.carrier),
                    row.service.strip().casefold(),
                    place_key(row.origin_province),
                    place_key(row.destination_province),
                    row.hours,
                )
            )
        for found in LearnedThreshold.objects.all():
            key = (
                _carrier_key(found.carrier),
                place_key(found.origin_province),
                place_key(found.destination_province),
                found.measure,
            )
            # Two spellings of one lane ("浙江省", "浙江"): the one with more history wins.
            if key not in learned or learned[key][1] < found.samples:
                learned[key] = (found.hours, found.samples)
        desk = _desk_settings()
    except DatabaseError:  # not migrated yet: the defaults stand in
        return _Loaded({}, {}, False, 0)
    for measure_rows in rows.values():
        measure_rows.sort(key=lambda row: row.rank, reverse=True)
    return _Loaded(rows, learned, desk.use_learned_thresholds, desk.learning_min_samples)


_COPY = ProcessCopy(VERSION_KEY, _read_tables)


def thresholds_changing() -> None:
    """This process's transaction changed the thresholds (or the desk's learning
    settings): its own lookups see the change now, everyone's once it is committed."""
    _COPY.changing()
    transaction.on_commit(_COPY.changed)


def thresholds_changed() -> None:
    """A change is committed: this process reads the tables again now, the others within
    seconds."""
    _COPY.changed()


def forget_loaded_thresholds() -> None:
    """Drop this process's copy; the next lookup reads the tables."""
    _COPY.forget()


def default_thresholds_only() -> AbstractContextManager[None]:
    """The defaults without asking the database (tests and benchmarks that have none)."""
    return _COPY.overridden(_Loaded({}, {}, False, 0))


def limits_for(carrier: str, service: str, origin: str, destination: str) -> Limits:
    """The hours of each measure for a parcel: the most specific configured row, then the
    lane's learned value (when the desk uses them and it has enough samples; never below
    half the default), then the default."""
    loaded = _COPY.current()
    key = (
        _carrier_key(carrier),
        service.strip().casefold(),
        place_key(origin),
        place_key(destination),
    )
    limits = loaded.limits.get(key)
    if limits is None:
        if len(loaded.limits) >= MEMO_SIZE:
            loaded.limits.clear()
        limits = loaded.limits[key] = Limits.of(
            {measure: _hours_for(loaded, key, measure) for measure in Measure}
        )
    return limits


def _hours_for(loaded: _Loaded, key: tuple[str, str, str, str], measure: str) -> float:
    carrier, service, origin, destination = key
    for row in loaded.rows.get(measure, ()):
        if row.matches(carrier, service, origin, destination):
            return row.hours
    learned = loaded.learned_hours((carrier, origin, destination, measure))
    return DEFAULT_THRESHOLD_HOURS[measure] if learned is None else learned


def lowest_limits(carrier: str) -> Limits:
    """Per measure, the smallest hours limits_for can answer for any parcel of the
    carrier (whatever its service and lane): ingestion's next check is a lower bound."""
    loaded = _COPY.current()
    # Kept under the code as ingestion spells it too: this runs for every parcel of every
    # chunk, and most spell their carrier one way.
    limits = loaded.lowest.get(carrier)
    if limits is None:
        if len(loaded.lowest) >= MEMO_SIZE:
            loaded.lowest.clear()
        code = _carrier_key(carrier)
        limits = loaded.lowest.get(code)
        if limits is None:
            limits = loaded.lowest[code] = Limits.of(
                {measure: _lowest(loaded, code, measure) for measure in Measure}
            )
        loaded.lowest[carrier] = limits
    return limits


def lowest_hours(carrier: str, measure: str) -> float:
    return lowest_limits(carrier).hours(measure)


def _lowest(loaded: _Loaded, carrier: str, measure: str) -> float:
    rows = [row for row in loaded.rows.get(measure, ()) if row.carrier in ("", carrier)]
    # A catch-all row of the carrier outranks every carrier-less row, and any catch-all
    # row outranks the learned values and the default: those can never answer then.
    if any(row.carrier and row.is_catch_all for row in rows):
        rows = [row for row in rows if row.carrier]
    candidates = [row.hours for row in rows]
    if not any(row.is_catch_all for row in rows):
        candidates.append(DEFAULT_THRESHOLD_HOURS[measure])
        candidates.extend(
            hours
            for key in loaded.learned
            if key[0] == carrier
            and key[3] == measure
            and (hours := loaded.learned_hours(key)) is not None
        )
    return min(candidates)


# --- learning from history ------------------------------------------------------------------

# Raw SQL: the gaps between a parcel's consecutive scans need a window function (LAG), and
# the percentile per lane a second one (ROW_NUMBER over the lane's sorted gaps), so that one
# row per lane comes back instead of every event of 90 days; the ORM cannot filter on the
# second window's result, and SQLite has no percentile function. Both databases run it:
# only the difference of two times is written per vendor. The percentile is the nearest
# rank: the smallest value with at least p % of the samples at or below it.
_PERCENTILE = """
SELECT carrier, origin, destination, hours, samples FROM (
    SELECT carrier, origin, destination, hours,
           ROW_NUMBER() OVER (PARTITION BY carrier, origin, destination ORDER BY hours) AS position,
           COUNT(*) OVER (PARTITION BY carrier, origin, destination) AS samples
    FROM ({samples}) AS sampled
) AS ranked
WHERE position >= %s * samples / 100.0 AND position - 1 < %s * samples / 100.0
"""
# Scan gaps: from each scan in a watched status (STALL's statuses, not in customs) to the
# parcel's next scan, both in the window; future-dated events are left out (they moved
# nothing).
_SCAN_GAPS = """
SELECT carrier, origin, destination, {gap} AS hours FROM (
    SELECT s.carrier AS carrier, s.origin_province AS origin,
           s.destination_province AS destination, e.occurred_at AS occurred_at,
           e.status AS status, e.substatus AS substatus,
           LEAD(e.occurred_at) OVER (PARTITION BY e.shipment_id ORDER BY e.occurred_at, e.id)
               AS next_at
    FROM tracking_trackingevent e JOIN tracking_shipment s ON s.id = e.shipment_id
    WHERE e.occurred_at >= %s AND e.occurred_at <= %s AND e.is_future = %s
) AS scans
WHERE next_at IS NOT NULL AND status IN ({statuses}) AND NOT ({customs})
"""
# Transit times: hand-over to delivery of the parcels delivered in the window.
_TRANSIT_TIMES = """
SELECT s.carrier AS carrier, s.origin_province AS origin,
       s.destination_province AS destination, {gap} AS hours
FROM tracking_shipment s
WHERE s.delivered_at >= %s AND s.delivered_at <= %s AND s.delivered_at >= s.created_at
"""


def _hours_between(start: str, end: str) -> str:
    """SQL for the hours from one time column to another, per database."""
    if connection.vendor == "postgresql":
        return f"EXTRACT(EPOCH FROM ({end} - {start})) / 3600.0"
    return f"(julianday({end}) - julianday({start})) * 24.0"


def _customs_condition() -> tuple[str, list[str]]:
    """SQL true for a scan in customs (detection.CUSTOMS_STATES), and its parameters."""
    pairs = sorted((str(status), substatus) for status, substatus in CUSTOMS_STATES)
    sql = " OR ".join("(status = %s AND substatus = %s)" for _pair in pairs)
    return sql, [value for pair in pairs for value in pair]


def _percentiles(
    samples_sql: str, parameters: list[Any], percentile: float
) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(
            _PERCENTILE.format(samples=samples_sql), [*parameters, percentile, percentile]
        )
        return cursor.fetchall()


def learn_thresholds(now: datetime, *, percentile: float | None = None) -> int:
    """Measure each lane's scan gaps (STALL) and hand-over to delivery times (TRANSIT) over
    the last 90 days, per (carrier, origin province, destination province), and keep the
    percentile (DeskSettings.learning_percentile unless given) as that lane's learned
    threshold, replacing the last learning. Returns the number of rows written."""
    if percentile is None:
        percentile = _desk_settings().learning_percentile
    if not 0 < percentile <= 100 or math.isnan(percentile):
        raise ValueError(f"a percentile lies in (0, 100], not {percentile}")
    # Times as the database keeps them (SQLite: naive UTC text, compared as text).
    since = connection.ops.adapt_datetimefield_value(now - LEARNING_WINDOW)
    until = connection.ops.adapt_datetimefield_value(now)
    statuses = sorted(str(status) for status in STALL_STATUSES)
    customs_sql, customs_parameters = _customs_condition()
    gaps_sql = _SCAN_GAPS.format(
        gap=_hours_between("occurred_at", "next_at"),
        statuses=", ".join(["%s"] * len(statuses)),
        customs=customs_sql,
    )
    transit_sql = _TRANSIT_TIMES.format(gap=_hours_between("s.created_at", "s.delivered_at"))
    measured = {
        Measure.STALL: _percentiles(
            gaps_sql, [since, until, False, *statuses, *customs_parameters], percentile
        ),
        Measure.TRANSIT: _percentiles(transit_sql, [since, until], percentile),
    }
    rows = [
        LearnedThreshold(
            carrier=carrier,
            origin_province=origin,
            destination_province=destination,
            measure=measure,
            hours=round(float(hours), 2),
            samples=samples,
            computed_at=now,
        )
        for measure, found in measured.items()
        for carrier, origin, destination, hours, samples in found
    ]
    with transaction.atomic():
        LearnedThreshold.objects.all().delete()
        LearnedThreshold.objects.bulk_create(rows)
        thresholds_changing()
    return len(rows)
