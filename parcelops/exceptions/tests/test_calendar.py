"""The business-time calendar (R5.3): deadlines exact to the second across a lunch break, a
night, a weekend, China's National Day, make-up working days, the desk's own calendar
days, and the years the chinese-calendar package does not know yet. No database."""

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parcelops.exceptions.calendar import (
    ALWAYS,
    END_OF_DAY,
    HOLIDAY,
    SHANGHAI,
    WORKDAY,
    BusinessCalendar,
    clock_text,
    official_day_kind,
    parse_clock,
    windows_problem,
)

SECOND = timedelta(seconds=1)
OFFICE = ((time(9), time(12)), (time(13, 30), time(18)))  # 7.5 working hours a day
MONDAY_TO_FRIDAY = frozenset(range(5))


def working_hours(overrides: dict[date, str] | None = None, *, official: bool = True):
    return BusinessCalendar(
        always=False,
        windows=OFFICE,
        weekdays=MONDAY_TO_FRIDAY,
        use_official=official,
        overrides=overrides or {},
        zone=SHANGHAI,
    )


WORKING = working_hours()


def at(text: str) -> datetime:
    """A Shanghai wall-clock time, as the aware UTC moment the calendar answers in."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI).astimezone(UTC)


def assert_deadline(calendar: BusinessCalendar, start: datetime, hours: float, due: datetime):
    """`due` is exactly the deadline: the business time elapsed is `hours` at it and one
    second less one second before, where one second less of time runs out."""
    duration = timedelta(hours=hours)
    assert calendar.add_hours(start, hours) == due
    assert calendar.between(start, due) == duration
    assert calendar.between(start, due - SECOND) == duration - SECOND
    assert calendar.add(start, duration - SECOND) == due - SECOND


# --- around the clock -----------------------------------------------------------------------------


def test_around_the_clock_a_deadline_is_plain_hours_later_in_utc():
    start = at("2026-10-01 23:30")
    due = ALWAYS.add_hours(start, 2)
    assert due == datetime(2026, 10, 1, 17, 30, tzinfo=UTC)
    assert due.tzinfo is UTC
    assert ALWAYS.hours_between(start, due) == 2.0
    assert ALWAYS.between(start, due + SECOND) == timedelta(hours=2, seconds=1)
    assert ALWAYS.is_working_day(date(2026, 10, 1)) is True


def test_around_the_clock_counts_backwards_as_negative():
    assert ALWAYS.hours_between(at("2026-10-01 12:00"), at("2026-10-01 10:30")) == -1.5


# --- working hours on ordinary days --------------------------------------------------------------------


def test_a_deadline_inside_a_window():
    start = at("2026-11-23 10:00")  # a Monday
    assert_deadline(WORKING, start, 1, at("2026-11-23 11:00"))
    # One second after the deadline is one second more of business time.
    assert WORKING.between(start, at("2026-11-23 11:00:01")) == timedelta(hours=1, seconds=1)


def test_a_deadline_that_ends_a_window_is_its_end_not_the_next_start():
    start = at("2026-11-23 10:00")
    assert_deadline(WORKING, start, 2, at("2026-11-23 12:00"))
    # The lunch break does not count: one second after 12:00 is still 2 h.
    assert WORKING.between(start, at("2026-11-23 12:00:01")) == timedelta(hours=2)
    assert WORKING.between(start, at("2026-11-23 13:30:01")) == timedelta(hours=2, seconds=1)


def test_the_lunch_break_is_skipped():
    assert_deadline(WORKING, at("2026-11-23 11:00"), 2, at("2026-11-23 14:30"))


def test_across_a_night():
    start = at("2026-11-23 17:00")
    assert_deadline(WORKING, start, 2, at("2026-11-24 10:00"))
    assert WORKING.hours_between(start, at("2026-11-24 08:59:59")) == 1.0
    assert WORKING.hours_between(start, at("2026-11-24 09:00:01")) == 1 + 1 / 3600


def test_across_a_weekend():
    start = at("2026-11-27 17:00")  # a Friday
    assert_deadline(WORKING, start, 2, at("2026-11-30 10:00"))
    assert WORKING.hours_between(start, at("2026-11-29 23:59:59")) == 1.0


@pytest.mark.parametrize(
    ("start", "due"),
    [
        ("2026-11-28 03:00", "2026-11-30 10:00"),  # Saturday night: Monday's first window
        ("2026-11-23 08:00", "2026-11-23 10:00"),  # before opening
        ("2026-11-23 12:30", "2026-11-23 14:30"),  # at lunch
        ("2026-11-23 18:00", "2026-11-24 10:00"),  # exactly at closing
        ("2026-11-23 13:30", "2026-11-23 14:30"),  # exactly at a window's start
    ],
)
def test_a_start_out_of_working_time_begins_at_the_next_window(start, due):
    assert_deadline(WORKING, at(start), 1, at(due))


def test_a_long_deadline_walks_whole_days():
    # 7.5 h a day: 40 h are five days and 2.5 h, from Monday 09:00 to the next Monday 11:30.
    assert_deadline(WORKING, at("2026-11-23 09:00"), 40, at("2026-11-30 11:30"))


def test_no_time_added_is_the_start_itself_even_out_of_hours():
    assert WORKING.add_hours(at("2026-11-28 03:00"), 0) == at("2026-11-28 03:00")


def test_a_window_can_run_to_midnight():
    late = BusinessCalendar(
        always=False, windows=((time(20), END_OF_DAY),), weekdays=frozenset(range(7))
    )
    assert_deadline(late, at("2026-11-23 23:00"), 2, at("2026-11-24 21:00"))
    assert_deadline(late, at("2026-11-23 22:00"), 2, at("2026-11-24 00:00"))


# --- China's calendar -------------------------------------------------------------------------------


def test_national_day_is_skipped():
    # Wednesday 30 September 17:00, 5 h: one that day, the holiday 1-7 October, then three
    # on Thursday 8 October's morning and one after lunch.
    start = at("2026-09-30 17:00")
    assert_deadline(WORKING, start, 5, at("2026-10-08 14:30"))
    assert WORKING.hours_between(start, at("2026-10-07 23:59:59")) == 1.0
    assert WORKING.is_working_day(date(2026, 10, 1)) is False
    assert official_day_kind(date(2026, 10, 1)) == HOLIDAY


def test_a_make_up_saturday_is_a_working_day():
    # 10 October 2026 is a Saturday China works to make up for National Day.
    assert official_day_kind(date(2026, 10, 10)) == WORKDAY
    assert_deadline(WORKING, at("2026-10-09 17:00"), 2, at("2026-10-10 10:00"))


def test_a_make_up_sunday_is_a_working_day_and_the_saturday_before_is_not():
    # 20 September 2026 is a Sunday worked for National Day; 19 September is a weekend.
    assert official_day_kind(date(2026, 9, 20)) == WORKDAY
    assert official_day_kind(date(2026, 9, 19)) is None
    assert_deadline(WORKING, at("2026-09-18 17:00"), 2, at("2026-09-20 10:00"))


def test_without_the_official_calendar_only_the_weekdays_count():
    plain = working_hours(official=False)
    assert_deadline(plain, at("2026-10-09 17:00"), 2, at("2026-10-12 10:00"))
    assert plain.is_working_day(date(2026, 10, 1)) is True


def test_a_calendar_day_beats_the_official_calendar():
    # The desk works on 1 October, and takes the make-up Saturday 10 October off.
    desk = working_hours({date(2026, 10, 1): WORKDAY, date(2026, 10, 10): HOLIDAY})
    assert_deadline(desk, at("2026-09-30 17:00"), 2, at("2026-10-01 10:00"))
    assert_deadline(desk, at("2026-10-09 17:00"), 2, at("2026-10-12 10:00"))


def test_a_year_the_package_does_not_know_falls_back_to_the_weekdays():
    assert official_day_kind(date(2027, 1, 1)) is None  # the package stops at 2026
    # Friday 1 January 2027 counts as a working day until someone says otherwise...
    assert_deadline(WORKING, at("2026-12-31 17:00"), 2, at("2027-01-01 10:00"))
    # ...which a calendar day does.
    desk = working_hours({date(2027, 1, 1): HOLIDAY})
    assert_deadline(desk, at("2026-12-31 17:00"), 2, at("2027-01-04 10:00"))
    assert desk.is_working_day(date(2027, 1, 2)) is False  # a Saturday


# --- settings the calendar refuses ------------------------------------------------------------------


def test_a_calendar_without_working_time_says_so_instead_of_looking_forever():
    never = BusinessCalendar(always=False, windows=OFFICE, weekdays=frozenset())
    with pytest.raises(ValueError, match="no working time"):
        never.add_hours(at("2026-11-23 10:00"), 1)


@pytest.mark.parametrize(
    "windows",
    [
        (),
        ((time(12), time(9)),),
        ((time(9), time(9)),),
        ((time(9), time(12)), (time(11), time(14))),
        ((time(13), time(14)), (time(9), time(12))),
        ((time(20), END_OF_DAY), (time(21), time(22))),
    ],
)
def test_windows_out_of_order_overlapping_or_empty_are_refused(windows):
    problem = windows_problem(windows)
    assert problem is not None
    with pytest.raises(ValueError, match=re.escape(problem)):
        BusinessCalendar(always=False, windows=windows, weekdays=MONDAY_TO_FRIDAY)


def test_windows_that_touch_are_fine():
    assert windows_problem(((time(9), time(12)), (time(12), END_OF_DAY))) is None


def test_aware_times_only():
    with pytest.raises(ValueError, match="aware"):
        WORKING.add_hours(datetime(2026, 11, 23, 10), 1)


def test_business_time_is_added_forward_only():
    with pytest.raises(ValueError, match="forward only"):
        WORKING.add_hours(at("2026-11-23 10:00"), -1)


@pytest.mark.parametrize(
    ("text", "parsed"),
    [("9:00", time(9)), ("13:30", time(13, 30)), (" 00:00 ", time(0)), ("24:00", END_OF_DAY)],
)
def test_times_of_day_as_people_write_them(text, parsed):
    assert parse_clock(text) == parsed


@pytest.mark.parametrize("text", ["", "9", "9:0", "25:00", "12:60", "24:30", "a:bc", "-1:00"])
def test_times_of_day_that_are_not(text):
    with pytest.raises(ValueError, match="is not a time of day"):
        parse_clock(text)


def test_the_end_of_a_day_reads_back_as_24_00():
    assert clock_text(END_OF_DAY, is_end=True) == "24:00"
    assert clock_text(END_OF_DAY) == "00:00"
    assert clock_text(time(13, 30), is_end=True) == "13:30"


# --- properties --------------------------------------------------------------------------------------

CALENDARS = st.sampled_from(
    [
        ALWAYS,
        WORKING,
        working_hours({date(2026, 10, 1): WORKDAY, date(2027, 1, 1): HOLIDAY}),
        BusinessCalendar(
            always=False,
            windows=((time(0), time(6)), (time(20), END_OF_DAY)),
            weekdays=frozenset({0, 2, 5}),
            use_official=True,
        ),
    ]
)
MOMENTS = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
DURATIONS = st.integers(min_value=0, max_value=300 * 3600).map(lambda s: timedelta(seconds=s))


@given(CALENDARS, MOMENTS, DURATIONS)
def test_the_time_between_a_start_and_its_deadline_is_what_was_added(calendar, start, duration):
    hours = duration.total_seconds() / 3600
    due = calendar.add_hours(start, hours)
    assert calendar.between(start, due) == duration
    assert abs(calendar.hours_between(start, due) - hours) * 3600 < 1e-6
    # Nothing earlier reaches it, and at most a second of business time is lost in the
    # second before it.
    if duration:
        assert duration - SECOND <= calendar.between(start, due - SECOND) < duration


@given(CALENDARS, MOMENTS, DURATIONS, DURATIONS)
def test_more_time_is_never_an_earlier_deadline(calendar, start, first, second):
    shorter, longer = sorted((first, second))
    assert calendar.add(start, shorter) <= calendar.add(start, longer)


@given(CALENDARS, MOMENTS, MOMENTS, DURATIONS)
def test_a_later_start_is_never_an_earlier_deadline(calendar, first, second, duration):
    earlier, later = sorted((first, second))
    assert calendar.add(earlier, duration) <= calendar.add(later, duration)


@given(CALENDARS, MOMENTS, MOMENTS, MOMENTS)
def test_business_time_grows_with_the_end(calendar, start, first, second):
    earlier, later = sorted((first, second))
    assert calendar.between(start, earlier) <= calendar.between(start, later)
    if start <= later:  # business time is part of the time that passed
        assert calendar.between(start, later) <= later - start
