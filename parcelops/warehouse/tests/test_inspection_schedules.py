"""Safety inspections (R3.1.4): schedules, recording with answers, photos and follow-ups,
the next date, and what counts as overdue on the warehouse home page."""

import io
from datetime import date

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from parcelops.audit.models import AuditRecord
from parcelops.core.errors import InputError, NotPermittedError
from parcelops.orders.tests.pages import page_for, text
from parcelops.warehouse import inspection_rules as rules
from parcelops.warehouse.actions import inspections as actions
from parcelops.warehouse.models import (
    FollowUp,
    Inspection,
    InspectionPhoto,
    InspectionSchedule,
    Warehouse,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
WEBP = b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 64
# 10:00 in Shanghai on 2026-11-25
NOON = "2026-11-25T10:00:00+08:00"


@pytest.fixture
def warehouse(db):
    return Warehouse.objects.create(code="SH1", name="上海一号仓", province="上海市", city="上海市")


@pytest.fixture
def schedule(warehouse, staff):
    with time_machine.travel(NOON, tick=False):
        return actions.save_schedule(
            warehouse.pk, "fire", 30, ["Exits clear", "Extinguishers sealed"], date(2026, 11, 25),
            staff["logistics_head"],
        )  # fmt: skip


def all_ok(schedule):
    return dict.fromkeys(schedule.checklist, "ok")


def stored_files():
    root = default_storage.path("")
    import os

    return sorted(
        os.path.relpath(os.path.join(folder, name), root)
        for folder, _dirs, names in os.walk(root)
        for name in names
    )


def test_due_today_is_in_time_and_overdue_from_tomorrow():
    assert rules.is_overdue(date(2026, 11, 25), date(2026, 11, 25)) is False
    assert rules.is_overdue(date(2026, 11, 25), date(2026, 11, 26)) is True
    assert rules.is_due_soon(date(2026, 11, 25), date(2026, 11, 25)) is True
    assert rules.is_due_soon(date(2026, 12, 1), date(2026, 11, 25)) is True
    assert rules.is_due_soon(date(2026, 12, 2), date(2026, 11, 25)) is False
    assert rules.is_due_soon(date(2026, 11, 24), date(2026, 11, 25)) is False


def test_every_kind_has_a_default_checklist_in_both_languages():
    from django.utils import translation

    for kind in ("fire", "theft", "damp", "pests"):
        english = rules.default_checklist(kind)
        with translation.override("zh-hans"):
            chinese = rules.default_checklist(kind)
        assert len(english) >= 5
        assert len(chinese) == len(english)
        assert chinese != english


def test_photos_are_known_by_their_bytes_not_their_name():
    assert [rules.photo_extension(b) for b in (PNG, JPEG, WEBP)] == ["png", "jpg", "webp"]
    assert rules.photo_extension(b"GIF89a" + b"\x00" * 20) is None
    assert rules.photo_extension(b"<svg xmlns=") is None


def test_saving_a_schedule_is_audited_and_needs_the_manager(schedule, staff, warehouse):
    assert (schedule.kind, schedule.every_days, schedule.next_due) == (
        "fire",
        30,
        date(2026, 11, 25),
    )
    assert AuditRecord.objects.filter(action="inspection.schedule_saved").count() == 1
    with pytest.raises(NotPermittedError):
        actions.save_schedule(
            warehouse.pk, "damp", 7, ["Roof dry"], date(2026, 12, 1), staff["warehouse"]
        )


def test_a_bad_schedule_is_refused_naming_each_field(warehouse, staff):
    with pytest.raises(InputError) as refused:
        actions.save_schedule(
            warehouse.pk, "flood", 0, ["Same", "Same"], date(2026, 12, 1), staff["logistics_head"]
        )
    assert [e.field for e in refused.value.errors] == ["kind", "every_days", "checklist"]
    assert not InspectionSchedule.objects.exists()


def test_recording_moves_the_next_date_on_from_the_day_it_was_done(schedule, staff):
    with time_machine.travel(
        "2026-12-03T23:30:00+08:00", tick=False
    ):  # 15:30 UTC, the 3rd in Shanghai
        inspection = actions.record_inspection(
            schedule.pk,
            {"Exits clear": "ok", "Extinguishers sealed": "problem"},
            "Extinguisher 3 unsealed",
            staff["warehouse"],
            photos=[SimpleUploadedFile("a.jpeg", JPEG, "image/jpeg")],
            follow_ups=[
                actions.FollowUpInput(
                    "Replace extinguisher 3", staff["warehouse"].pk, date(2026, 12, 10)
                )
            ],
        )
    schedule.refresh_from_db()
    assert schedule.next_due == date(2027, 1, 2)
    assert inspection.answers == {"Exits clear": "ok", "Extinguishers sealed": "problem"}
    (photo,) = inspection.photos.all()
    name = photo.image.name or ""
    assert name.startswith("inspections/2026/12/")
    assert name.endswith(".jpg")
    assert default_storage.open(name).read() == JPEG
    assert list(inspection.follow_ups.values_list("action", "due_on")) == [
        ("Replace extinguisher 3", date(2026, 12, 10))
    ]
    record = AuditRecord.objects.get(action="inspection.recorded")
    assert record.object_id == str(inspection.pk)


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("x.png", b"GIF89a" + b"\x00" * 30, "image/png"),
            "x.png is not a JPEG, PNG or WebP photo.",
        ),
        (
            SimpleUploadedFile("x.svg", b"<svg></svg>", "image/svg+xml"),
            "x.svg is not a JPEG, PNG or WebP photo.",
        ),
        (
            SimpleUploadedFile("big.png", PNG + b"\x00" * (10 * 1024 * 1024), "image/png"),
            "big.png is larger than 10 MB.",
        ),
    ],
)
def test_a_bad_upload_is_refused_and_nothing_is_stored(schedule, staff, upload, message):
    good = SimpleUploadedFile("ok.png", PNG, "image/png")
    with pytest.raises(InputError) as refused:
        actions.record_inspection(
            schedule.pk, all_ok(schedule), "", staff["warehouse"], photos=[good, upload]
        )
    assert [(e.field, e.message) for e in refused.value.errors] == [("photos", message)]
    assert not Inspection.objects.exists()
    assert not InspectionPhoto.objects.exists()
    assert stored_files() == []
    assert InspectionSchedule.objects.get().next_due == date(2026, 11, 25)


def test_a_photo_of_exactly_10_mb_is_kept(schedule, staff):
    exactly = SimpleUploadedFile(
        "max.png", PNG + b"\x00" * (rules.MAX_PHOTO_BYTES - len(PNG)), "image/png"
    )
    inspection = actions.record_inspection(
        schedule.pk, all_ok(schedule), "", staff["warehouse"], photos=[exactly]
    )
    assert inspection.photos.get().image.size == rules.MAX_PHOTO_BYTES


def test_a_failure_after_storing_removes_the_files(schedule, staff, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(actions, "record_audit", fail)
    with pytest.raises(RuntimeError):
        actions.record_inspection(
            schedule.pk, all_ok(schedule), "", staff["warehouse"],
            photos=[SimpleUploadedFile("a.png", PNG, "image/png")],
        )  # fmt: skip
    assert stored_files() == []
    assert not Inspection.objects.exists()


def test_unanswered_questions_problems_without_findings_and_bad_follow_ups_are_refused(
    schedule, staff
):
    with time_machine.travel(NOON, tick=False), pytest.raises(InputError) as refused:
        actions.record_inspection(
            schedule.pk,
            {"Exits clear": "problem"},
            "  ",
            staff["warehouse"],
            follow_ups=[actions.FollowUpInput("", None, date(2026, 11, 24))],
        )
    assert [e.field for e in refused.value.errors] == [
        "answers[1]", "findings", "follow_ups[0].action", "follow_ups[0].owner", "follow_ups[0].due_on",
    ]  # fmt: skip
    assert not Inspection.objects.exists()
    assert not FollowUp.objects.exists()


def test_recording_needs_the_inspectors_permission(schedule, staff):
    with pytest.raises(NotPermittedError):
        actions.record_inspection(schedule.pk, all_ok(schedule), "", staff["logistics_head"])


def test_the_owner_marks_a_follow_up_done_once(schedule, staff):
    inspection = actions.record_inspection(
        schedule.pk, all_ok(schedule), "", staff["warehouse"],
        follow_ups=[actions.FollowUpInput("Fix the lock", staff["analyst"].pk, date(2099, 1, 1))],
    )  # fmt: skip
    follow_up = inspection.follow_ups.get()
    with pytest.raises(NotPermittedError):
        actions.complete_follow_up(follow_up.pk, staff["cs_agent"])
    done = actions.complete_follow_up(follow_up.pk, staff["analyst"])
    assert done.done_at is not None
    assert AuditRecord.objects.filter(action="inspection.follow_up_done").count() == 1
    from parcelops.core.errors import ActionError

    with pytest.raises(ActionError):
        actions.complete_follow_up(follow_up.pk, staff["warehouse"])


def _home_badges(staff):
    html = text(page_for(staff["warehouse"]).get("/warehouse/"))
    return [
        phrase
        for phrase in (
            "1 inspection overdue",
            "1 inspection due within 7 days",
            "1 follow-up overdue",
            "Safety checks up to date",
        )
        if phrase in html
    ]


def test_the_home_page_shows_due_today_as_due_and_tomorrow_as_overdue(schedule, staff):
    with time_machine.travel("2026-11-25T23:59:00+08:00", tick=False):
        assert _home_badges(staff) == ["1 inspection due within 7 days"]
    with time_machine.travel("2026-11-26T00:00:00+08:00", tick=False):
        assert _home_badges(staff) == ["1 inspection overdue"]


def test_an_open_follow_up_is_overdue_the_day_after_its_due_date(schedule, staff):
    with time_machine.travel(NOON, tick=False):
        actions.record_inspection(
            schedule.pk, all_ok(schedule), "", staff["warehouse"],
            follow_ups=[actions.FollowUpInput("Fix the lock", staff["warehouse"].pk, date(2026, 11, 27))],
        )  # fmt: skip
    with time_machine.travel("2026-11-27T23:00:00+08:00", tick=False):
        assert _home_badges(staff) == ["Safety checks up to date"]
    with time_machine.travel("2026-11-28T08:00:00+08:00", tick=False):
        assert _home_badges(staff) == ["1 follow-up overdue"]


def test_recording_through_the_page_with_a_photo_and_seeing_it(schedule, staff):
    client = page_for(staff["warehouse"])
    with time_machine.travel(NOON, tick=False):
        response = client.post(
            f"/warehouse/inspections/schedules/{schedule.pk}/record/",
            {
                "answer_0": "ok", "answer_1": "problem", "findings": "Seal broken",
                "photos": [io.BytesIO(PNG)],
                "follow_ups-TOTAL_FORMS": "1", "follow_ups-INITIAL_FORMS": "0",
                "follow_ups-0-action": "New seal", "follow_ups-0-owner": str(staff["warehouse"].pk),
                "follow_ups-0-due_on": "2026-11-30",
            },
        )  # fmt: skip
    inspection = Inspection.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/warehouse/inspections/{inspection.pk}/"
    photo = inspection.photos.get()
    shown = client.get(f"/warehouse/inspections/photos/{photo.pk}/")
    assert (shown.status_code, shown["Content-Type"]) == (200, "image/png")
    assert b"".join(shown.streaming_content) == PNG  # type: ignore[attr-defined]
    assert (
        page_for(staff["cs_agent"]).get(f"/warehouse/inspections/photos/{photo.pk}/").status_code
        == 403
    )
    assert page_for(None).get(f"/warehouse/inspections/photos/{photo.pk}/").status_code == 302


def test_a_bad_photo_on_the_page_comes_back_422_with_the_reason(schedule, staff):
    upload = SimpleUploadedFile("evil.png", b"<script>", "image/png")
    response = page_for(staff["warehouse"]).post(
        f"/warehouse/inspections/schedules/{schedule.pk}/record/",
        {
            "answer_0": "ok",
            "answer_1": "ok",
            "photos": [upload],
            "follow_ups-TOTAL_FORMS": "0",
            "follow_ups-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 422
    assert "evil.png is not a JPEG, PNG or WebP photo." in text(response)
    assert stored_files() == []
    assert not Inspection.objects.exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("warehouse", 200),
        ("logistics_head", 200),
        ("analyst", 200),
        ("cs_agent", 403),
        ("order_processor", 403),
    ],
)
def test_who_opens_the_home_and_inspection_pages(schedule, staff, role, status):
    client = page_for(staff[role])
    assert client.get("/warehouse/").status_code == status
    assert client.get("/warehouse/inspections/").status_code == status
