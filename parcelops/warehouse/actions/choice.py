"""Carrier choice's measurements (R4.1): rebuild CarrierScore, per carrier and lane, from
the last year of the system's own tracking history and the exception desk's cases. Run each
night by parcelops.warehouse.choice_tasks and on demand by `parcelops carriers
refresh-scores` (decision 0033)."""

import math
from array import array
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction

from parcelops.accounts import roles
from parcelops.accounts.permissions import Actor, require_permission
from parcelops.audit.actions import record_audit
from parcelops.carriers.coverage import province_key
from parcelops.core.clock import now
from parcelops.tracking import transitions
from parcelops.tracking.status import TrackingStatus
from parcelops.warehouse.models import CarrierScore

WINDOW = timedelta(days=365)  # the history scores are measured over
DAMAGED = "damaged"  # the substatus a carrier's damage scan maps to

# Raw SQL: one pass over a year of parcels (a million rows), streamed, with the transit
# hours and the on-time verdict computed by the database; the ORM would build a model (or
# convert two datetimes in Python) per row. Percentiles are picked in Python per lane
# (decision 0033): the lane's provinces are compared as keys ("浙江省" = "浙江"), which
# the database cannot group by, and one method answers alike on SQLite and PostgreSQL.
_HISTORY = """
SELECT carrier, origin_province, destination_province, status, substatus,
       CASE WHEN delivered_at IS NOT NULL AND delivered_at >= created_at
            THEN {hours} END AS transit_hours,
       CASE WHEN delivered_at IS NOT NULL AND delivered_at >= created_at
                 AND promised_delivery_date IS NOT NULL
            THEN CASE WHEN delivered_at < {deadline} THEN 1 ELSE 0 END END AS on_time
FROM tracking_shipment
WHERE created_at >= %s AND created_at < %s
"""


@dataclass
class _Lane:
    shipments: int = 0
    hours: array = field(default_factory=lambda: array("d"))
    promised: int = 0
    on_time: int = 0
    damaged: int = 0
    lost: int = 0
    cases: int = 0


def nearest_rank(ordered: "array[float] | list[float]", percent: int) -> float:
    """The smallest value with at least `percent` % of the sorted values at or below it."""
    position = max(1, math.ceil(percent * len(ordered) / 100))
    return float(ordered[position - 1])


def _history_sql(moment: datetime) -> tuple[str, list[str]]:
    """The statement for this database: the hours from hand-over to delivery, and "on
    time" = delivered before the end of the promised day in the shop's time zone."""
    zone = settings.TIME_ZONE
    if connection.vendor == "postgresql":
        hours = "EXTRACT(EPOCH FROM (delivered_at - created_at)) / 3600.0"
        deadline = "((promised_delivery_date + 1)::timestamp AT TIME ZONE %s)"
        return _HISTORY.format(hours=hours, deadline=deadline), [zone]
    # SQLite keeps naive UTC text: the day ends at midnight minus the zone's offset (the
    # offset at this refresh: an hour off around a daylight-saving change, none in China).
    offset = ZoneInfo(zone).utcoffset(moment.replace(tzinfo=None)) or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    hours = "(julianday(delivered_at) - julianday(created_at)) * 24.0"
    deadline = f"datetime(promised_delivery_date, '+1 day', '{-minutes:+d} minutes')"
    return _HISTORY.format(hours=hours, deadline=deadline), []


def measure_lanes(moment: datetime) -> dict[tuple[str, str, str], _Lane]:
    """Each (carrier, origin key, destination key) of the parcels handed over in the year
    before `moment`, with what happened to them."""
    since = moment - WINDOW
    sql, parameters = _history_sql(moment)
    lanes: dict[tuple[str, str, str], _Lane] = {}
    keys: dict[tuple[str, str, str], _Lane] = {}  # the raw lane's accumulator
    lost = str(TrackingStatus.LOST)
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                *parameters,
                connection.ops.adapt_datetimefield_value(since),
                connection.ops.adapt_datetimefield_value(moment),
            ],
        )
        while rows := cursor.fetchmany(10_000):
            for carrier, origin, destination, status, substatus, hours, on_time in rows:
                raw = (carrier, origin, destination)
                lane = keys.get(raw)
                if lane is None:
                    key = (carrier, province_key(origin), province_key(destination))
                    lane = keys[raw] = lanes.setdefault(key, _Lane())
                lane.shipments += 1
                if hours is not None:
                    lane.hours.append(hours)
                if on_time is not None:
                    lane.promised += 1
                    lane.on_time += on_time
                if substatus == DAMAGED:
                    lane.damaged += 1
                if status == lost:
                    lane.lost += 1
    counted = transitions.case_counts(since, moment)
    for (carrier, origin, destination), parcels in (counted or {}).items():
        lane = lanes.get((carrier, province_key(origin), province_key(destination)))
        if lane is not None:
            lane.cases += parcels
    if counted is None:
        for lane in lanes.values():
            lane.cases = -1  # not counted: no desk
    return lanes


def _score(
    key: tuple[str, str, str], lane: _Lane, since: datetime, moment: datetime
) -> CarrierScore:
    ordered = sorted(lane.hours)
    carrier, origin, destination = key
    return CarrierScore(
        carrier=carrier,
        origin_province=origin[:40],
        destination_province=destination[:40],
        shipments=lane.shipments,
        delivered=len(ordered),
        transit_hours_p50=round(nearest_rank(ordered, 50), 2) if ordered else None,
        transit_hours_p90=round(nearest_rank(ordered, 90), 2) if ordered else None,
        promised=lane.promised,
        on_time_rate=round(lane.on_time / lane.promised, 4) if lane.promised else None,
        damage_rate=round(lane.damaged / lane.shipments, 4),
        loss_rate=round(lane.lost / lane.shipments, 4),
        case_rate=None
        if lane.cases < 0
        else round(min(lane.cases, lane.shipments) / lane.shipments, 4),
        window_start=since,
        refreshed_at=moment,
    )


def refresh_carrier_scores(actor: Actor = None, moment: datetime | None = None) -> int:
    """Replace every CarrierScore with the last year's measurements; the number of lanes.
    The system (actor None: the nightly task) or a warehouse manager."""
    require_permission(actor, roles.MANAGE_WAREHOUSE)
    moment = moment or now()
    since = moment - WINDOW
    lanes = measure_lanes(moment)
    rows = [_score(key, lane, since, moment) for key, lane in sorted(lanes.items())]
    with transaction.atomic():
        CarrierScore.objects.all().delete()
        CarrierScore.objects.bulk_create(rows, batch_size=1000)
        record_audit(
            actor,
            "carrier_scores.refreshed",
            ("carrier_scores", "all"),
            detail={
                "lanes": len(rows),
                "shipments": sum(row.shipments for row in rows),
                "window_start": since.isoformat(),
                "refreshed_at": moment.isoformat(),
            },
        )
    return len(rows)
