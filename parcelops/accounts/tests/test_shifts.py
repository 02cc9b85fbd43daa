"""Weekly shifts: who is on shift at a moment, at the edges of their windows (start
included, end excluded), across midnight and the week's end; the admin edits them."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from parcelops.accounts.models import ShiftWindow
from parcelops.accounts.shifts import is_on_shift, on_shift_user_ids

SHANGHAI = ZoneInfo("Asia/Shanghai")

MONDAY, TUESDAY, SUNDAY = 0, 1, 6
DAY_SHIFT = [(MONDAY, time(9), time(18))]
NIGHT_SHIFT = [(MONDAY, time(22), time(6))]  # Monday 22:00 to Tuesday 06:00
LATE_SUNDAY = [(SUNDAY, time(20), time(2))]  # Sunday 20:00 to Monday 02:00


def at(text: str) -> datetime:
    """A Shanghai wall-clock time as an aware UTC moment (2026-11-23 is a Monday)."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI).astimezone(UTC)


def on(windows, text: str, *, available: bool = True) -> bool:
    return is_on_shift(windows, available, at(text), SHANGHAI)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2026-11-23 08:59:59", False),
        ("2026-11-23 09:00:00", True),
        ("2026-11-23 17:59:59", True),
        ("2026-11-23 18:00:00", False),
        ("2026-11-24 10:00:00", False),  # Tuesday: no window
        ("2026-11-30 09:00:00", True),  # next Monday
    ],
)
def test_a_day_shift_at_its_edges(moment, expected):
    assert on(DAY_SHIFT, moment) is expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2026-11-23 21:59:59", False),
        ("2026-11-23 22:00:00", True),
        ("2026-11-23 23:59:59", True),
        ("2026-11-24 00:00:00", True),
        ("2026-11-24 05:59:59", True),
        ("2026-11-24 06:00:00", False),
        ("2026-11-23 05:00:00", False),  # Monday early: the window starts Monday night
        ("2026-11-24 22:30:00", False),  # Tuesday night: no window starts on Tuesday
    ],
)
def test_a_night_shift_runs_past_midnight_into_the_next_day(moment, expected):
    assert on(NIGHT_SHIFT, moment) is expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2026-11-29 19:59:59", False),
        ("2026-11-29 20:00:00", True),
        ("2026-11-30 01:59:59", True),  # Monday, after the week turned
        ("2026-11-30 02:00:00", False),
    ],
)
def test_a_sunday_night_shift_runs_into_monday(moment, expected):
    assert on(LATE_SUNDAY, moment) is expected


def test_a_window_ending_where_it_starts_lasts_a_whole_day():
    windows = [(MONDAY, time(8), time(8))]
    assert on(windows, "2026-11-23 07:59:59") is False
    assert on(windows, "2026-11-23 08:00:00") is True
    assert on(windows, "2026-11-24 07:59:59") is True
    assert on(windows, "2026-11-24 08:00:00") is False


def test_the_moment_is_read_in_the_zone_given():
    # 01:00 UTC on Monday is 09:00 in Shanghai.
    assert is_on_shift(DAY_SHIFT, True, datetime(2026, 11, 23, 1, tzinfo=UTC), SHANGHAI) is True
    assert (
        is_on_shift(DAY_SHIFT, True, datetime(2026, 11, 23, 0, 59, 59, tzinfo=UTC), SHANGHAI)
        is False
    )


def test_without_windows_a_person_is_on_shift_whenever_available():
    assert on([], "2026-11-29 03:00") is True
    assert on([], "2026-11-29 03:00", available=False) is False


def test_an_unavailable_person_is_off_shift_even_in_a_window():
    assert on(DAY_SHIFT, "2026-11-23 10:00", available=False) is False


def test_windows_may_be_any_iterable_read_once():
    assert on(iter(DAY_SHIFT), "2026-11-23 10:00") is True


@pytest.mark.django_db
def test_on_shift_user_ids_reads_profiles_and_windows_in_two_queries(make_staff):
    day = make_staff("day", "logistics_staff")
    night = make_staff("night", "logistics_staff")
    anytime = make_staff("anytime", "logistics_staff")
    away = make_staff("away", "logistics_staff", on_shift=False)
    for user, (weekday, starts, ends) in ((day, DAY_SHIFT[0]), (night, NIGHT_SHIFT[0])):
        ShiftWindow.objects.create(
            profile=user.staff_profile, weekday=weekday, starts=starts, ends=ends
        )
    everyone = [day.pk, night.pk, anytime.pk, away.pk, 999_999]  # the last: no such person

    with CaptureQueriesContext(connection) as queries:
        monday_morning = on_shift_user_ids(everyone, at("2026-11-23 10:00"))
    assert len(queries) == 2
    assert monday_morning == {day.pk, anytime.pk}
    assert on_shift_user_ids(iter(everyone), at("2026-11-24 01:00")) == {night.pk, anytime.pk}
    assert on_shift_user_ids([], at("2026-11-24 01:00")) == set()


@pytest.mark.django_db
def test_the_admin_edits_a_persons_weekly_shifts(make_staff, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="correct-horse-battery")
    person = make_staff("night", "logistics_staff")
    profile = person.staff_profile
    client = Client()
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    url = f"/admin/accounts/staffprofile/{profile.pk}/change/"

    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "user": person.pk,
            "skills": '["normal"]',
            "workload_limit": 50,
            "is_on_shift": "on",
            "display_name": "",
            "shifts-TOTAL_FORMS": 1,
            "shifts-INITIAL_FORMS": 0,
            "shifts-MIN_NUM_FORMS": 0,
            "shifts-MAX_NUM_FORMS": 1000,
            "shifts-0-weekday": MONDAY,
            "shifts-0-starts": "22:00",
            "shifts-0-ends": "06:00",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(profile.shifts.values_list("weekday", "starts", "ends")) == [
        (MONDAY, time(22), time(6))
    ]
