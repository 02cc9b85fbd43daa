"""Safety inspections (R3.1.4): schedules per warehouse and kind (MANAGE_WAREHOUSE),
recording an inspection with its answers, findings, photos and follow-up actions
(INSPECT_WAREHOUSE), and marking a follow-up done. Each checks everything first, then
writes in one transaction with its audit record; refused input changes and stores nothing."""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import User
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parcelops.accounts import roles
from parcelops.accounts.permissions import Actor, require_permission
from parcelops.audit.actions import record_audit
from parcelops.core.clock import now
from parcelops.core.errors import ActionError, FieldError, InputError, NotPermittedError
from parcelops.warehouse import inspection_rules as rules
from parcelops.warehouse.models import (
    FollowUp,
    Inspection,
    InspectionKind,
    InspectionPhoto,
    InspectionSchedule,
    Warehouse,
)

MAX_EVERY_DAYS = 366
MAX_QUESTIONS = 40
QUESTION_LENGTH = 200
ACTION_LENGTH = FollowUp._meta.get_field("action").max_length or 300
FINDINGS_LENGTH = 5000


@dataclass(frozen=True)
class FollowUpInput:
    action: str
    owner_id: int | None
    due_on: date | None


def _checklist_errors(checklist: Sequence[str]) -> list[FieldError]:
    if not checklist:
        return [FieldError("checklist", _("Write at least one question."))]
    if len(checklist) > MAX_QUESTIONS:
        message = _("Keep the checklist to %(count)d questions.") % {"count": MAX_QUESTIONS}
        return [FieldError("checklist", message)]
    if any(len(question) > QUESTION_LENGTH for question in checklist):
        message = _("Keep each question to %(count)d characters.") % {"count": QUESTION_LENGTH}
        return [FieldError("checklist", message)]
    if len(set(checklist)) != len(checklist):
        return [FieldError("checklist", _("Each question once: the answers are kept by it."))]
    return []


def save_schedule(
    warehouse_id: int,
    kind: str,
    every_days: int,
    checklist: Sequence[str],
    next_due: date,
    actor: Actor,
) -> InspectionSchedule:
    """Create or change the warehouse's schedule of this kind: inspect every `every_days`
    days from `next_due`, answering `checklist` (questions in order)."""
    require_permission(actor, roles.MANAGE_WAREHOUSE)
    questions = [question.strip() for question in checklist if question.strip()]
    errors = []
    warehouse = Warehouse.objects.filter(pk=warehouse_id).first()
    if warehouse is None:
        errors.append(FieldError("warehouse", _("There is no such warehouse.")))
    if kind not in InspectionKind.values:
        errors.append(FieldError("kind", _("Choose fire, theft, damp or pests.")))
    if not 1 <= every_days <= MAX_EVERY_DAYS:
        message = _("Give 1 to %(max)d days.") % {"max": MAX_EVERY_DAYS}
        errors.append(FieldError("every_days", message))
    errors += _checklist_errors(questions)
    if errors:
        raise InputError(errors)
    with transaction.atomic():
        existing = (
            InspectionSchedule.objects.select_for_update()
            .filter(warehouse_id=warehouse_id, kind=kind)
            .first()
        )
        before = _schedule_snapshot(existing) if existing else None
        schedule, _created = InspectionSchedule.objects.update_or_create(
            warehouse_id=warehouse_id,
            kind=kind,
            defaults={"every_days": every_days, "checklist": questions, "next_due": next_due},
        )
        after = _schedule_snapshot(schedule)
        if after != before:
            record_audit(actor, "inspection.schedule_saved", schedule, before=before, after=after)
    return schedule


def _schedule_snapshot(schedule: InspectionSchedule) -> dict[str, object]:
    return {
        "warehouse": schedule.warehouse_id,
        "kind": schedule.kind,
        "every_days": schedule.every_days,
        "checklist": list(schedule.checklist),
        "next_due": schedule.next_due.isoformat(),
    }


def _answer_errors(checklist: Sequence[str], answers: Mapping[str, str]) -> list[FieldError]:
    errors = []
    for index, question in enumerate(checklist):
        if answers.get(question) not in rules.ANSWERS:
            errors.append(FieldError(f"answers[{index}]", _("Answer OK or problem.")))
    return errors


def _photo_errors(photos: Sequence[UploadedFile]) -> tuple[list[FieldError], list[str]]:
    """The refusals, and each accepted photo's extension (from its bytes)."""
    if len(photos) > rules.MAX_PHOTOS:
        message = _("Attach at most %(count)d photos.") % {"count": rules.MAX_PHOTOS}
        return [FieldError("photos", message)], []
    errors, extensions = [], []
    for photo in photos:
        name = photo.name or "?"
        photo.seek(0)
        extension = rules.photo_extension(photo.read(16))
        photo.seek(0)
        if (photo.size or 0) > rules.MAX_PHOTO_BYTES:
            message = _("%(name)s is larger than 10 MB.") % {"name": name}
            errors.append(FieldError("photos", message))
        elif extension is None:
            message = _("%(name)s is not a JPEG, PNG or WebP photo.") % {"name": name}
            errors.append(FieldError("photos", message))
        else:
            extensions.append(extension)
    return errors, extensions


def _follow_up_errors(follow_ups: Sequence[FollowUpInput], today: date) -> list[FieldError]:
    errors = []
    owner_ids = {item.owner_id for item in follow_ups if item.owner_id is not None}
    known = set(User.objects.filter(pk__in=owner_ids, is_active=True).values_list("pk", flat=True))
    for index, item in enumerate(follow_ups):
        field = f"follow_ups[{index}]"
        if not item.action.strip():
            errors.append(FieldError(f"{field}.action", _("Say what is to be done.")))
        elif len(item.action.strip()) > ACTION_LENGTH:
            message = _("Use at most %(count)d characters.") % {"count": ACTION_LENGTH}
            errors.append(FieldError(f"{field}.action", message))
        if item.owner_id is None or item.owner_id not in known:
            errors.append(FieldError(f"{field}.owner", _("Choose who does it.")))
        if item.due_on is None:
            errors.append(FieldError(f"{field}.due_on", _("Give the date it is due.")))
        elif item.due_on < today:
            errors.append(FieldError(f"{field}.due_on", _("The due date is in the past.")))
    return errors


def record_inspection(
    schedule_id: int,
    answers: Mapping[str, str],
    findings: str,
    actor: Actor,
    *,
    photos: Sequence[UploadedFile] = (),
    follow_ups: Sequence[FollowUpInput] = (),
) -> Inspection:
    """Record an inspection done now: each checklist question answered "ok" or "problem"
    (findings are required when there is a problem), photos, follow-up actions with their
    owners and due dates. The schedule's next date moves to today plus its interval."""
    require_permission(actor, roles.INSPECT_WAREHOUSE)
    schedule = InspectionSchedule.objects.filter(pk=schedule_id).first()
    if schedule is None:
        raise ActionError(_("This inspection schedule was removed."))
    done_at = now()
    today = timezone.localdate(done_at)
    findings = findings.strip()
    errors = _answer_errors(schedule.checklist, answers)
    if any(answers.get(question) == "problem" for question in schedule.checklist) and not findings:
        errors.append(FieldError("findings", _("Describe the problems you found.")))
    elif len(findings) > FINDINGS_LENGTH:
        message = _("Use at most %(count)d characters.") % {"count": FINDINGS_LENGTH}
        errors.append(FieldError("findings", message))
    photo_errors, extensions = _photo_errors(photos)
    errors += photo_errors + _follow_up_errors(follow_ups, today)
    if errors:
        raise InputError(errors)
    stored: list[str] = []
    try:
        with transaction.atomic():
            schedule = InspectionSchedule.objects.select_for_update().get(pk=schedule.pk)
            inspection = Inspection.objects.create(
                schedule=schedule,
                inspector=actor if isinstance(actor, User) else None,
                done_at=done_at,
                answers={question: answers[question] for question in schedule.checklist},
                findings=findings,
            )
            for photo, extension in zip(photos, extensions, strict=True):
                row = InspectionPhoto(inspection=inspection, uploaded_at=done_at)
                row.image.save(f"{uuid.uuid4().hex}.{extension}", File(photo), save=False)
                stored.append(row.image.name or "")
                row.save()
            created = FollowUp.objects.bulk_create(
                FollowUp(
                    inspection=inspection,
                    action=item.action.strip(),
                    owner_id=item.owner_id,
                    due_on=item.due_on,  # type: ignore[misc]  # checked above
                )
                for item in follow_ups
            )
            before_due = schedule.next_due
            schedule.next_due = rules.next_due_after(today, schedule.every_days)
            schedule.save(update_fields=["next_due"])
            record_audit(
                actor,
                "inspection.recorded",
                inspection,
                after={
                    "schedule": schedule.pk,
                    "problems": sorted(q for q, a in inspection.answers.items() if a != "ok"),
                    "photos": len(stored),
                    "follow_ups": [item.action for item in created],
                    "next_due": schedule.next_due.isoformat(),
                },
                detail={"next_due_before": before_due.isoformat()},
            )
    except BaseException:
        for name in stored:  # the record was undone: so are its files
            default_storage.delete(name)
        raise
    return inspection


def complete_follow_up(follow_up_id: int, actor: Actor) -> FollowUp:
    """Mark a follow-up action done: by its owner, an inspector or a warehouse manager."""
    with transaction.atomic():
        follow_up = FollowUp.objects.select_for_update().filter(pk=follow_up_id).first()
        if follow_up is None:
            raise ActionError(_("This follow-up was removed."))
        is_owner = actor is not None and actor.is_authenticated and actor.pk == follow_up.owner_id
        if (
            not is_owner
            and actor is not None
            and not (
                actor.has_perm(roles.INSPECT_WAREHOUSE) or actor.has_perm(roles.MANAGE_WAREHOUSE)
            )
        ):
            raise NotPermittedError(_("Your role does not allow this action."))
        if follow_up.done_at is not None:
            raise ActionError(_("This follow-up is done already."))
        follow_up.done_at = now()
        follow_up.save(update_fields=["done_at"])
        record_audit(
            actor,
            "inspection.follow_up_done",
            follow_up,
            after={"inspection": follow_up.inspection_id, "action": follow_up.action},
        )
    return follow_up
