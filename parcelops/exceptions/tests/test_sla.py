"""A case's clock from the desk's settings (R5.3): the default settings row, targets per
type and severity, deadlines and warnings on the chosen calendar, the escalation
deadline, and each process's copy of the settings following a change."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from parcelops.audit.models import AuditRecord
from parcelops.core.errors import InputError, NotPermittedError
from parcelops.exceptions import sla
from parcelops.exceptions.calendar import ALWAYS, HOLIDAY, SHANGHAI, WORKDAY
from parcelops.exceptions.models import CalendarDay, DeskSettings, SlaTarget
from parcelops.exceptions.settings_actions import (
    remove_calendar_day,
    save_calendar_day,
    set_calendar,
    set_sla_settings,
)

pytestmark = pytest.mark.django_db

SECOND = timedelta(seconds=1)
OFFICE = [(time(9), time(12)), (time(13, 30), time(18))]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI).astimezone(UTC)


@pytest.fixture
def head(staff):
    return staff["logistics_head"]


@pytest.fixture
def working_hours(head):
    set_calendar("working_hours", OFFICE, range(5), use_official=True, actor=head)


# --- the settings row ------------------------------------------------------------------------------


def test_the_first_read_makes_the_settings_row_with_the_defaults():
    assert not DeskSettings.objects.exists()
    row = sla.desk_settings()
    assert row.pk == 1
    assert row.calendar == "24x7"
    assert row.working_windows == [["09:00", "12:00"], ["13:30", "18:00"]]
    assert row.working_weekdays == [0, 1, 2, 3, 4]
    assert row.use_official_calendar is True
    assert row.warning_fractions == [0.5, 0.8]
    assert sla.desk_settings().pk == 1
    assert DeskSettings.objects.count() == 1


def test_the_desk_counts_around_the_clock_by_default():
    assert sla.desk_calendar() is ALWAYS
    assert sla.warning_fractions() == (0.5, 0.8)


# --- targets -----------------------------------------------------------------------------------------


def test_the_manuals_targets_are_the_defaults():
    assert [sla.sla_hours("stalled", severity) for severity in ("minor", "moderate", "major")] == [
        2,
        4,
        8,
    ]


def test_a_type_target_beats_the_severitys_which_beats_the_default(head):
    set_sla_settings({("", "minor"): 3, ("lost", "minor"): 1.5}, [0.5, 0.8], head)
    assert sla.sla_hours("lost", "minor") == 1.5
    assert sla.sla_hours("stalled", "minor") == 3
    assert sla.sla_hours("stalled", "major") == 8
    set_sla_settings({("lost", "minor"): None}, [0.5, 0.8], head)
    assert sla.sla_hours("lost", "minor") == 3


# --- deadlines ---------------------------------------------------------------------------------------


def test_around_the_clock_a_minor_case_is_due_two_hours_after_discovery():
    opened = at("2026-11-28 23:00")  # a Saturday night
    assert sla.due_at("stalled", "minor", opened) == at("2026-11-29 01:00")


@pytest.mark.usefixtures("working_hours")
def test_on_working_hours_a_deadline_skips_national_day():
    opened = at("2026-09-30 17:00")
    due = sla.due_at("damaged", "moderate", opened)  # 4 h: one on 30 September, three on 8 October
    assert due == at("2026-10-08 12:00")
    calendar = sla.desk_calendar()
    assert calendar.between(opened, due - SECOND) == timedelta(hours=4) - SECOND
    assert calendar.between(opened, due + SECOND) == timedelta(hours=4)  # lunch


@pytest.mark.usefixtures("working_hours")
def test_on_working_hours_a_make_up_sunday_counts():
    assert sla.due_at("lost", "minor", at("2026-09-18 17:00")) == at("2026-09-20 10:00")


@pytest.mark.usefixtures("working_hours")
def test_a_calendar_day_of_the_desk_counts_at_once(head):
    save_calendar_day(date(2026, 10, 1), WORKDAY, "Desk open on National Day", head)
    assert sla.due_at("lost", "minor", at("2026-09-30 17:00")) == at("2026-10-01 10:00")
    remove_calendar_day(CalendarDay.objects.get().pk, head)
    assert sla.due_at("lost", "minor", at("2026-09-30 17:00")) == at("2026-10-08 10:00")


@pytest.mark.usefixtures("working_hours")
def test_a_changed_severity_re_targets_from_discovery():
    opened = at("2026-11-23 10:00")
    assert sla.due_at("refused", "minor", opened) == at("2026-11-23 12:00")
    # Raised to major an hour later: 8 h from 10:00, not from the change.
    assert sla.due_at("refused", "major", opened) == at("2026-11-24 10:30")


@pytest.mark.usefixtures("working_hours")
def test_warnings_come_at_the_desks_fractions_of_business_time():
    opened = at("2026-11-23 11:00")
    due = sla.due_at("stalled", "minor", opened)
    assert due == at("2026-11-23 14:30")
    # Half of 2 h is at noon; 80 % (96 min) is 36 min into the afternoon.
    assert sla.warning_moments(opened, due) == [at("2026-11-23 12:00"), at("2026-11-23 14:06")]
    assert sla.warning_moments(opened, due, [0.25]) == [at("2026-11-23 11:30")]
    assert sla.warning_moments(opened, due, []) == []


def test_warnings_follow_the_desks_fractions(head):
    set_sla_settings({}, [0.75], head)
    opened = at("2026-11-23 10:00")
    assert sla.warning_moments(opened, opened + timedelta(hours=4)) == [at("2026-11-23 13:00")]


def test_an_escalated_case_gets_the_new_tiers_handling_time_from_the_escalation(head):
    escalated = at("2026-11-23 12:00")
    assert sla.escalation_due_at("lost", "head", escalated) == at("2026-11-23 16:00")
    assert sla.escalation_due_at("lost", "leadership", escalated) == at("2026-11-23 20:00")
    set_sla_settings({("lost", "major"): 1}, [0.5, 0.8], head)
    assert sla.escalation_due_at("lost", "leadership", escalated) == at("2026-11-23 13:00")


# --- each process's copy --------------------------------------------------------------------------------


def test_the_settings_are_read_once_then_served_from_memory():
    sla.desk_calendar()
    with CaptureQueriesContext(connection) as queries:
        sla.desk_calendar()
        sla.sla_hours("lost", "major")
        sla.warning_fractions()
    assert len(queries) == 0


def test_another_processes_committed_change_is_seen_at_the_next_check(monkeypatch):
    sla.desk_settings()
    sla.desk_calendar()
    DeskSettings.objects.filter(pk=1).update(calendar="working_hours")  # another process
    assert sla.desk_calendar() is ALWAYS  # within check_seconds: the copy in memory
    monkeypatch.setattr(sla.SETTINGS_COPY, "check_seconds", 0)
    assert sla.desk_calendar() is ALWAYS  # the version in the shared cache did not move
    cache.set(sla.SETTINGS_COPY.version_key, "their change")
    assert sla.desk_calendar().always is False


def test_a_committed_change_moves_the_shared_version(head, django_capture_on_commit_callbacks):
    before = cache.get(sla.SETTINGS_COPY.version_key)
    with django_capture_on_commit_callbacks(execute=True):
        save_calendar_day(date(2027, 1, 1), HOLIDAY, "New Year", head)
    assert cache.get(sla.SETTINGS_COPY.version_key) not in (None, before)


def test_a_change_rolled_back_is_not_kept(head, monkeypatch):
    monkeypatch.setattr(sla.SETTINGS_COPY, "check_seconds", 0)
    set_calendar("working_hours", OFFICE, range(5), use_official=True, actor=head)
    seen_inside: dict[date, str] = {}

    def change_then_fail() -> None:
        with transaction.atomic():
            save_calendar_day(date(2027, 1, 1), HOLIDAY, "", head)
            seen_inside.update(sla.desk_calendar().overrides)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        change_then_fail()
    assert seen_inside == {date(2027, 1, 1): HOLIDAY}
    assert sla.desk_calendar().overrides == {}


def test_unusable_stored_windows_leave_the_clock_running_around_the_clock(caplog):
    sla.desk_settings()
    DeskSettings.objects.filter(pk=1).update(
        calendar="working_hours", working_windows=[["18:00", "09:00"]]
    )
    assert sla.desk_calendar() is ALWAYS
    assert "unusable" in caplog.text


# --- the actions' checks ----------------------------------------------------------------------------------


def test_the_sla_settings_are_audited_once_per_change(head):
    set_sla_settings({("", "minor"): 3}, [0.5, 0.8], head)
    set_sla_settings({("", "minor"): 3}, [0.5, 0.8], head)  # nothing new
    records = list(AuditRecord.objects.filter(action="desk.sla_set"))
    assert [(r.actor_label, r.object_type, r.object_id) for r in records] == [
        ("logistics_head", "exceptions.desksettings", "1")
    ]


@pytest.mark.parametrize(
    ("targets", "fractions", "fields"),
    [
        ({("", "minor"): 0}, [0.5], ["sla-all-minor"]),
        ({("lost", "major"): -1}, [0.5], ["sla-lost-major"]),
        ({("lost", "major"): 9000}, [0.5], ["sla-lost-major"]),
        ({("nonsense", "major"): 1}, [0.5], ["sla-nonsense-major"]),
        ({}, [0.8, 0.5], ["warning_fractions"]),
        ({}, [0.5, 0.5], ["warning_fractions"]),
        ({}, [0], ["warning_fractions"]),
        ({}, [1], ["warning_fractions"]),
        ({("", "minor"): 0}, [1.5], ["sla-all-minor", "warning_fractions"]),
    ],
)
def test_bad_sla_settings_are_refused_and_nothing_changes(head, targets, fractions, fields):
    with pytest.raises(InputError) as refused:
        set_sla_settings(targets, fractions, head)
    assert [error.field for error in refused.value.errors] == fields
    assert not SlaTarget.objects.exists()
    assert sla.desk_settings().warning_fractions == [0.5, 0.8]


def test_only_the_desks_managers_change_its_settings(staff):
    with pytest.raises(NotPermittedError):
        set_sla_settings({("", "minor"): 3}, [0.5], staff["logistics_staff"])
    with pytest.raises(NotPermittedError):
        set_calendar("24x7", OFFICE, range(5), use_official=True, actor=staff["leadership"])
    with pytest.raises(NotPermittedError):
        save_calendar_day(date(2027, 1, 1), HOLIDAY, "", staff["logistics_staff"])
    assert not SlaTarget.objects.exists()
    assert not CalendarDay.objects.exists()


@pytest.mark.parametrize(
    ("calendar", "windows", "weekdays", "fields"),
    [
        ("sometimes", OFFICE, range(5), ["calendar"]),
        ("working_hours", [], range(5), ["windows"]),
        ("working_hours", [(time(12), time(9))], range(5), ["windows"]),
        ("working_hours", OFFICE, [], ["weekdays"]),
        ("working_hours", OFFICE, [7], ["weekdays"]),
    ],
)
def test_a_calendar_that_cannot_work_is_refused(head, calendar, windows, weekdays, fields):
    with pytest.raises(InputError) as refused:
        set_calendar(calendar, windows, weekdays, use_official=False, actor=head)
    assert [error.field for error in refused.value.errors] == fields
    assert sla.desk_settings().calendar == "24x7"
