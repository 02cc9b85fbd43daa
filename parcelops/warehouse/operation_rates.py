"""Pick, pack and hand-over rates (R3.1.5) from the Operation rows: per person and per hour
of the day (in the shop's time zone), units per hour of work and the median time of one
operation, over a range of days.

Each table is one query: window functions count, total and rank every group's operations
by their duration, and only each group's middle one or two rows come back (the median),
so a busy week costs the same round trip as a quiet one.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    QuerySet,
    Sum,
    Window,
)
from django.db.models.functions import ExtractHour, RowNumber

from parcelops.warehouse.models import Operation

DEFAULT_DAYS = 7


@dataclass(frozen=True)
class Rate:
    """One group's operations of one kind (a person's, or an hour of the day's)."""

    kind: str
    key: int  # the person's user id, or the hour of the day 0-23
    operations: int
    units: int
    working: timedelta  # the operations' durations added up
    median: timedelta  # of one operation

    @property
    def units_per_hour(self) -> float | None:
        """None when the operations took no measurable time (scans recorded as instants)."""
        hours = self.working.total_seconds() / 3600
        return self.units / hours if hours > 0 else None

    @property
    def median_seconds(self) -> float:
        return self.median.total_seconds()


def shop_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def day_range(first: date, last: date) -> tuple[datetime, datetime]:
    """From the start of `first` to the start of the day after `last`, in the shop's zone."""
    zone = shop_zone()
    return (
        datetime.combine(first, time.min, tzinfo=zone),
        datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone),
    )


def operations_between(first: date, last: date) -> QuerySet[Operation]:
    """The operations that finished on the days `first` to `last` (the shop's dates)."""
    starts, ends = day_range(first, last)
    return Operation.objects.filter(finished_at__gte=starts, finished_at__lt=ends)


def _rates(operations: QuerySet[Operation], group: str) -> list[Rate]:
    duration = ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())
    partition = [F("kind"), F(group)]
    rows = (
        operations.annotate(duration=duration)
        .annotate(
            double_position=ExpressionWrapper(
                Window(
                    RowNumber(),
                    partition_by=partition,
                    order_by=[F("duration").asc(), F("id").asc()],
                )
                * 2,
                output_field=IntegerField(),
            ),
            count=Window(Count("id"), partition_by=partition),
            total_units=Window(Sum("units"), partition_by=partition),
            working=Window(Sum("duration"), partition_by=partition),
        )
        # The middle row of an odd count, the two middle rows of an even one.
        .filter(double_position__gte=F("count"), double_position__lte=F("count") + 2)
        .order_by()
        .values_list("kind", group, "count", "total_units", "working", "duration")
    )
    middles: dict[tuple[str, int], list[timedelta]] = defaultdict(list)
    totals: dict[tuple[str, int], tuple[int, int, timedelta]] = {}
    for kind, key, count, units, working, middle in rows:
        middles[kind, key].append(middle)
        totals[kind, key] = (count, units, working)
    return sorted(
        (
            Rate(
                kind=kind,
                key=key,
                operations=count,
                units=units,
                working=working,
                median=sum(middles[kind, key], timedelta()) / len(middles[kind, key]),
            )
            for (kind, key), (count, units, working) in totals.items()
        ),
        key=lambda rate: (rate.kind, rate.key),
    )


def rates_per_person(first: date, last: date) -> list[Rate]:
    """Per kind and person (operations the system did alone are left out)."""
    return _rates(operations_between(first, last).filter(actor__isnull=False), "actor_id")


def rates_per_hour(first: date, last: date) -> list[Rate]:
    """Per kind and hour of the day the operation started, in the shop's time zone."""
    operations = operations_between(first, last).annotate(
        hour=ExtractHour("started_at", tzinfo=shop_zone())
    )
    return _rates(operations, "hour")
