"""The desk's settings pages: everyone on the desk reads them, the logistics head changes
them; refused input comes back as the page with its errors (422) and nothing changed."""

import re
from datetime import date, time

import pytest

from parcelops.audit.models import AuditRecord
from parcelops.exceptions import kinds, sla
from parcelops.exceptions.models import CalendarDay, DeskSettings, SlaTarget
from parcelops.orders.tests.pages import error_after, messages_of, page_for, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "frozen_now")]

SLA_URL = "/exceptions/settings/sla/"
CALENDAR_URL = "/exceptions/settings/calendar/"
DAYS_URL = "/exceptions/settings/calendar/days/"


@pytest.fixture
def head(staff):
    return page_for(staff["logistics_head"])


@pytest.fixture
def logistics(staff):
    return page_for(staff["logistics_staff"])


def sla_form(**changes: str) -> dict[str, str]:
    """The SLA page's form as shown with the defaults, with some inputs changed."""
    data = {
        f"sla-all-{severity}": str(hours) for severity, hours in kinds.DEFAULT_SLA_HOURS.items()
    }
    data.update({f"sla-{t}-{s}": "" for t in kinds.CaseType.values for s in kinds.Severity.values})
    data["warning_fractions"] = "50, 80"
    data.update(changes)
    return data


def calendar_form(windows=(("09:00", "12:00"), ("13:30", "18:00")), **changes) -> dict:
    data = {
        "calendar": "working_hours",
        "weekdays": ["0", "1", "2", "3", "4"],
        "use_official_calendar": "on",
        "windows-TOTAL_FORMS": str(len(windows) + 1),
        "windows-INITIAL_FORMS": "2",
        "windows-MIN_NUM_FORMS": "0",
        "windows-MAX_NUM_FORMS": "8",
    }
    for index, (starts, ends) in enumerate((*windows, ("", ""))):
        data[f"windows-{index}-starts"] = starts
        data[f"windows-{index}-ends"] = ends
    data.update(changes)
    return data


def nothing_changed() -> None:
    assert not SlaTarget.objects.exists()
    assert not CalendarDay.objects.exists()
    row = sla.desk_settings()
    assert (row.calendar, row.warning_fractions) == ("24x7", [0.5, 0.8])
    assert not AuditRecord.objects.filter(action__startswith="desk.").exists()


# --- who sees and who changes -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "button"), [(SLA_URL, "Save SLA targets"), (CALENDAR_URL, "Save calendar")]
)
def test_the_head_sees_each_page_with_its_form(head, url, button):
    response = head.get(url)
    assert response.status_code == 200
    html = text(response)
    assert '<fieldset class="settings-fieldset">' in html
    assert button in html
    assert "Only the logistics department head changes these settings." not in html


@pytest.mark.parametrize("url", [SLA_URL, CALENDAR_URL])
def test_logistics_staff_read_the_settings_without_a_way_to_change_them(logistics, url):
    html = text(logistics.get(url))
    assert '<fieldset class="settings-fieldset" disabled>' in html
    assert "Only the logistics department head changes these settings." in html
    assert "Save SLA targets" not in html
    assert "Save calendar" not in html
    assert "Add the day" not in html


@pytest.mark.parametrize("url", [SLA_URL, CALENDAR_URL])
def test_people_off_the_desk_are_refused_and_strangers_sent_to_sign_in(staff, url):
    assert page_for(staff["warehouse"]).get(url).status_code == 403
    response = page_for(None).get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_logistics_staff_cannot_change_anything(logistics):
    day = CalendarDay.objects.create(date=date(2027, 1, 1), kind="holiday")
    assert logistics.post(SLA_URL, sla_form(**{"sla-all-minor": "3"})).status_code == 403
    assert logistics.post(CALENDAR_URL, calendar_form()).status_code == 403
    assert logistics.post(DAYS_URL, {"date": "2027-02-01", "kind": "holiday"}).status_code == 403
    remove = f"/exceptions/settings/calendar/days/{day.pk}/remove/"
    assert logistics.post(remove).status_code == 403
    day.delete()
    nothing_changed()


# --- SLA targets ---------------------------------------------------------------------------------------


def test_the_sla_page_shows_the_targets_and_the_manuals_defaults(head):
    html = text(head.get(SLA_URL))
    assert 'name="sla-all-minor" value="2"' in html
    assert 'name="warning_fractions" value="50, 80"' in html
    assert "Logistics department head" in html  # the owner of moderate cases
    # No type has its own target: the long per-type list is folded, showing the fallback.
    assert '<details class="per-type">' in html
    assert re.search(r'name="sla-lost-major"[^>]* placeholder="8"', html)

    SlaTarget.objects.create(case_type="lost", severity="major", hours=24)
    html = text(head.get(SLA_URL))
    assert 'name="sla-lost-major" value="24.0"' in html
    assert '<details class="per-type" open>' in html


def test_the_head_saves_targets_and_warnings(head):
    response = head.post(
        SLA_URL,
        sla_form(**{"sla-all-minor": "3", "sla-lost-major": "24", "warning_fractions": "25，75"}),
    )
    assert response.status_code == 302
    assert response["Location"] == SLA_URL
    assert sorted(SlaTarget.objects.values_list("case_type", "severity", "hours")) == [
        ("", "major", 8.0),
        ("", "minor", 3.0),
        ("", "moderate", 4.0),
        ("lost", "major", 24.0),
    ]
    assert sla.desk_settings().warning_fractions == [0.25, 0.75]
    assert sla.sla_hours("lost", "major") == 24
    assert messages_of(head.get(SLA_URL)) == [
        "The SLA targets are saved. New deadlines follow them."
    ]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"sla-all-minor": "0"}, "sla-all-minor", "Give more than 0 and at most 8760 hours."),
        ({"sla-all-minor": ""}, "sla-all-minor", "This field is required."),
        ({"sla-lost-major": "-2"}, "sla-lost-major", "Give more than 0 and at most 8760 hours."),
        ({"sla-lost-major": "soon"}, "sla-lost-major", "Enter a number."),
        (
            {"warning_fractions": "80, 50"},
            "warning_fractions",
            "List the warnings in order, earliest first, each once.",
        ),
        (
            {"warning_fractions": "50, 100"},
            "warning_fractions",
            "Give each warning as a percentage above 0 and below 100.",
        ),
        (
            {"warning_fractions": "half"},
            "warning_fractions",
            "Write percentages separated by commas, such as 50, 80.",
        ),
    ],
)
def test_bad_sla_input_comes_back_with_its_error_and_changes_nothing(head, changes, field, message):
    response = head.post(SLA_URL, sla_form(**changes))
    assert response.status_code == 422
    html = text(response)
    assert error_after(html, field) == [message]
    assert "Nothing was changed. Please correct the marked fields." in html
    nothing_changed()


# --- the calendar -----------------------------------------------------------------------------------------


def test_the_calendar_page_previews_a_case_opened_now(head):
    # 10:00 on Wednesday 25 November 2026 in Shanghai, around the clock.
    html = text(head.get(CALENDAR_URL))
    assert "Opened at 2026-11-25 10:00, with the saved settings:" in html
    assert re.search(r"A minor case \(2 h\) is due at.*2026-11-25 \(Wed\) 12:00", html)
    assert re.search(r"A moderate case \(4 h\) is due at.*2026-11-25 \(Wed\) 14:00", html)


def test_the_head_chooses_working_hours_and_the_preview_follows(head):
    response = head.post(
        CALENDAR_URL,
        calendar_form(windows=(("09:00", "12:00"), ("13:30", "18:00"), ("19:00", "24:00"))),
    )
    assert response.status_code == 302, text(response)
    row = sla.desk_settings()
    assert row.calendar == "working_hours"
    assert row.working_windows == [["09:00", "12:00"], ["13:30", "18:00"], ["19:00", "24:00"]]
    assert row.working_weekdays == [0, 1, 2, 3, 4]
    assert row.use_official_calendar is True
    assert sla.desk_calendar().windows[-1] == (time(19), time(0))
    html = text(head.get(CALENDAR_URL))
    assert "The calendar is saved. New deadlines follow it." in html
    # 4 h from 10:00: two in the morning, two after lunch.
    assert re.search(r"A moderate case \(4 h\) is due at.*2026-11-25 \(Wed\) 15:30", html)
    assert AuditRecord.objects.filter(action="desk.calendar_set").count() == 1


def test_a_window_is_removed_by_ticking_it(head):
    data = calendar_form()
    data["windows-1-DELETE"] = "on"
    assert head.post(CALENDAR_URL, data).status_code == 302
    assert sla.desk_settings().working_windows == [["09:00", "12:00"]]


def test_a_window_emptied_is_removed_too(head):
    data = calendar_form()
    data["windows-0-starts"] = data["windows-0-ends"] = ""
    assert head.post(CALENDAR_URL, data).status_code == 302
    assert sla.desk_settings().working_windows == [["13:30", "18:00"]]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (calendar_form(windows=(("09:00", ""),)), "Give both the start and the end of the window."),
        (
            calendar_form(windows=(("09:00", "25:00"),)),
            "Write a time of day such as 09:00 or 18:30.",
        ),
        (
            calendar_form(windows=(("09:00", "12:00"), ("11:00", "14:00"))),
            "Working windows must be in order of the day and must not overlap.",
        ),
        (
            calendar_form(windows=(("18:00", "09:00"),)),
            "A working window must end after it starts (18:00–09:00).",
        ),
        (calendar_form(weekdays=[]), "Choose at least one working weekday."),
        (calendar_form(calendar="sometimes"), "Select a valid choice. sometimes is not one of"),
    ],
)
def test_a_calendar_that_cannot_work_comes_back_with_its_error(head, data, message):
    response = head.post(CALENDAR_URL, data)
    assert response.status_code == 422
    html = text(response)
    assert message in html
    assert "Nothing was changed. Please correct the marked fields." in html
    nothing_changed()


def test_calendar_days_are_added_listed_and_removed(head):
    response = head.post(
        DAYS_URL, {"date": "2027-10-01", "kind": "holiday", "name": "National Day"}
    )
    assert response.status_code == 302
    day = CalendarDay.objects.get()
    assert (day.date, day.kind, day.name) == (date(2027, 10, 1), "holiday", "National Day")
    html = text(head.get(CALENDAR_URL))
    assert "2027-10-01 is saved." in html
    assert "National Day" in html
    assert "Friday" in html

    response = head.post(f"/exceptions/settings/calendar/days/{day.pk}/remove/", follow=True)
    assert messages_of(response) == [
        "2027-10-01 follows the official calendar and its weekday again."
    ]
    assert not CalendarDay.objects.exists()
    assert [record.action for record in AuditRecord.objects.filter(action__startswith="desk.")] == [
        "desk.calendar_day_added",
        "desk.calendar_day_removed",
    ]
    # A second removal (another tab) says it is gone already.
    response = head.post(f"/exceptions/settings/calendar/days/{day.pk}/remove/", follow=True)
    assert messages_of(response) == ["This calendar day was removed already."]


def test_a_day_listed_again_takes_the_new_kind(head):
    head.post(DAYS_URL, {"date": "2027-10-09", "kind": "holiday"})
    head.post(DAYS_URL, {"date": "2027-10-09", "kind": "workday", "name": "Make-up"})
    assert list(CalendarDay.objects.values_list("kind", "name")) == [("workday", "Make-up")]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"date": "someday", "kind": "holiday"}, "date", "Enter a valid date."),
        ({"date": "2027-10-01", "kind": "party"}, "kind", "Select a valid choice."),
        (
            {"date": "2027-10-01", "kind": "holiday", "name": "x" * 101},
            "name",
            "Ensure this value has at most 100 characters (it has 101).",
        ),
    ],
)
def test_a_bad_calendar_day_comes_back_with_its_error(head, data, field, message):
    response = head.post(DAYS_URL, data)
    assert response.status_code == 422
    assert message in " ".join(error_after(text(response), field))
    nothing_changed()


def test_the_page_says_which_years_the_official_calendar_does_not_know(head):
    # The package knows 2026, not 2027 (the clock stands in November 2026).
    html = text(head.get(CALENDAR_URL))
    assert "China's official calendar for 2027 is not known here yet" in html
    DeskSettings.objects.filter(pk=1).update(use_official_calendar=False)
    assert "is not known here yet" not in text(head.get(CALENDAR_URL))
