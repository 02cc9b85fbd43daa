"""The business-time calendar SLA deadlines are counted on (R5.3): around the clock, or
working windows on working days, with China's public holidays and make-up working days.

Pure: the desk's settings and CalendarDay rows are read by parcelops.exceptions.sla,
which builds one of these. Times in and out are aware (answers in UTC); windows and days
are read in the calendar's zone.
"""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

import chinese_calendar
from django.utils.translation import gettext as _

HOLIDAY = "holiday"  # CalendarDay.Kind values
WORKDAY = "workday"
SHANGHAI = ZoneInfo("Asia/Shanghai")
# A window's end of 00:00 is the midnight that ends its day (people write it "24:00").
END_OF_DAY = time(0, 0)
# A calendar that finds no working time for this many days in a row has none (no working
# weekday, no window): it says so instead of looking forever.
MAX_IDLE_DAYS = 3660
_ONE_DAY = timedelta(days=1)


def _end_key(end: time) -> tuple[int, time]:
    """An end time ordered so that the midnight ending the day comes last."""
    return (1, end) if end == END_OF_DAY else (0, end)


def windows_problem(windows: Iterable[tuple[time, time]]) -> str | None:
    """Why working windows cannot be used (each must end after it starts, in order of the
    day, without overlapping), or None."""
    previous_end: time | None = None
    listed = list(windows)
    if not listed:
        return _("A working day needs at least one working window.")
    for starts, ends in listed:
        if starts.tzinfo is not None or ends.tzinfo is not None:
            return _("Working windows are local times of day, without a zone.")
        if _end_key(ends) <= (0, starts):
            return _("A working window must end after it starts (%(start)s–%(end)s).") % {
                "start": clock_text(starts),
                "end": clock_text(ends, is_end=True),
            }
        if previous_end is not None and (0, starts) < _end_key(previous_end):
            return _("Working windows must be in order of the day and must not overlap.")
        previous_end = ends
    return None


def parse_clock(text: str) -> time:
    """A time of day as people write it ("9:00", "13:30", "24:00" for the end of the day);
    ValueError otherwise."""
    hours, colon, minutes = text.strip().partition(":")
    if colon and hours.isdigit() and minutes.isdigit() and len(minutes) == 2:
        hour, minute = int(hours), int(minutes)
        if (hour, minute) == (24, 0):
            return END_OF_DAY
        if hour < 24 and minute < 60:
            return time(hour, minute)
    raise ValueError(f"{text!r} is not a time of day such as 09:00")


def clock_text(moment: time, *, is_end: bool = False) -> str:
    """A time of day as parse_clock reads it back ("24:00" for the end of a window)."""
    return "24:00" if is_end and moment == END_OF_DAY else moment.strftime("%H:%M")


# Remembered: the package looks through all its years on every call (about 16 µs), and a
# deadline asks about each day it spans.
@lru_cache(maxsize=8192)
def official_day_kind(day: date) -> str | None:
    """HOLIDAY or WORKDAY where China's official calendar makes the day other than its
    weekday (a public holiday, a make-up working day on a weekend); None for an ordinary
    day and for the years the chinese-calendar package does not know yet."""
    try:
        is_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:  # a year the package has no data for: the weekday rule
        return None
    if name is None:  # an ordinary weekday or weekend
        return None
    return HOLIDAY if is_holiday else WORKDAY


def official_calendar_knows(year: int) -> bool:
    """Whether the chinese-calendar package has China's holidays for the year (the State
    Council publishes them late in the year before; until the package is updated, the
    desk adds them as calendar days)."""
    try:
        chinese_calendar.get_holiday_detail(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


@dataclass(frozen=True)
class BusinessCalendar:
    """When the SLA clock runs: always, or in `windows` (local times of day, in order; an
    end of 00:00 is the midnight ending the day) on working days. A working day is an
    override's word if there is one (CalendarDay rows), else China's official calendar's
    (`use_official`) for a holiday or make-up day, else the weekday rule (`weekdays`,
    Monday 0 .. Sunday 6)."""

    always: bool = True
    windows: tuple[tuple[time, time], ...] = ()
    weekdays: frozenset[int] = frozenset()
    use_official: bool = False
    overrides: Mapping[date, str] = field(default_factory=lambda: MappingProxyType({}), hash=False)
    zone: tzinfo = SHANGHAI

    def __post_init__(self) -> None:
        if self.always:
            return
        problem = windows_problem(self.windows)
        if problem is not None:
            raise ValueError(problem)
        if not self.weekdays <= frozenset(range(7)):
            raise ValueError(f"weekdays are 0 (Monday) .. 6 (Sunday), not {sorted(self.weekdays)}")
        unknown = {kind for kind in self.overrides.values() if kind not in (HOLIDAY, WORKDAY)}
        if unknown:
            raise ValueError(f"a calendar day is a {HOLIDAY} or a {WORKDAY}, not {unknown}")

    def is_working_day(self, day: date) -> bool:
        if self.always:
            return True
        kind = self.overrides.get(day)
        if kind is None and self.use_official:
            kind = official_day_kind(day)
        if kind is not None:
            return kind == WORKDAY
        return day.weekday() in self.weekdays

    def _windows_of(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        """The day's working windows in UTC (none on a day off)."""
        if not self.is_working_day(day):
            return
        for starts, ends in self.windows:
            opens = datetime.combine(day, starts, self.zone).astimezone(UTC)
            end_day = day + _ONE_DAY if ends == END_OF_DAY else day
            closes = datetime.combine(end_day, ends, self.zone).astimezone(UTC)
            if closes > opens:  # a window a clock change swallowed counts for nothing
                yield opens, closes

    def _local_day(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The moment `duration` of business time after `start` has passed (a start out of
        working time begins at the next window; a deadline that ends a window is that
        window's end, not the next one's start)."""
        start = _utc(start)
        if duration < timedelta(0):
            raise ValueError("business time is added forward only")
        if self.always or not duration:
            return start + duration
        remaining = duration
        day = self._local_day(start)
        idle_days = 0
        # One step per calendar day: a long deadline walks days, never minutes.
        while idle_days < MAX_IDLE_DAYS:
            idle_days += 1
            for opens, closes in self._windows_of(day):
                if closes <= start:
                    continue
                begin = max(opens, start)
                available = closes - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
                idle_days = 0
            day += _ONE_DAY
        raise ValueError(f"the calendar has no working time in {MAX_IDLE_DAYS} days")

    def between(self, start: datetime, end: datetime) -> timedelta:
        """The business time from `start` to `end` (negative when `end` is earlier)."""
        start, end = _utc(start), _utc(end)
        if end < start:
            return -self.between(end, start)
        if self.always:
            return end - start
        total = timedelta(0)
        day, last_day = self._local_day(start), self._local_day(end)
        while day <= last_day:
            for opens, closes in self._windows_of(day):
                overlap = min(closes, end) - max(opens, start)
                if overlap > timedelta(0):
                    total += overlap
            day += _ONE_DAY
        return total

    def add_hours(self, start: datetime, hours: float) -> datetime:
        """`add` in hours (to the microsecond, as timedelta rounds)."""
        return self.add(start, timedelta(hours=hours))

    def hours_between(self, start: datetime, end: datetime) -> float:
        return self.between(start, end).total_seconds() / 3600


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("the calendar needs aware times, such as 2026-10-01T09:00+08:00")
    return moment.astimezone(UTC)


ALWAYS = BusinessCalendar()
