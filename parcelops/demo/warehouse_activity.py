"""The demo warehouse's safety inspections and a week of pick, pack and hand-over
operations by the demo people, so the warehouse home and the rates page have something to
show. Run at the end of the demo loader; a second run adds nothing."""

import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from parcelops.warehouse import inspection_rules
from parcelops.warehouse.models import (
    FollowUp,
    Inspection,
    InspectionSchedule,
    Operation,
    OperationKind,
    Warehouse,
)

WAREHOUSE_CODE = "SH1"
# Who did what on the floor: (username, kind, units per operation, seconds per operation).
WORKERS = (
    ("warehouse", OperationKind.PICK, (1, 4), (40, 150)),
    ("warehouse", OperationKind.PACK, (1, 1), (90, 240)),
    ("admin", OperationKind.PICK, (1, 3), (60, 200)),
    ("admin", OperationKind.PACK, (1, 1), (120, 300)),
    ("logistics_staff", OperationKind.HAND_OVER, (1, 1), (8, 25)),
)


def demo_warehouse() -> Warehouse:
    """The demo's warehouse (the stock part of the demo makes the same one)."""
    warehouse, _created = Warehouse.objects.get_or_create(
        code=WAREHOUSE_CODE,
        defaults={"name": "上海一号仓", "province": "上海市", "city": "上海市"},
    )
    return warehouse


def load_warehouse_activity(moment: datetime, seed: int = 16) -> None:
    with transaction.atomic():
        warehouse = demo_warehouse()
        _inspections(warehouse, moment)
        _operations(moment, random.Random(seed))  # noqa: S311 (demo data, not secrets)


def _inspections(warehouse: Warehouse, moment: datetime) -> None:
    if InspectionSchedule.objects.filter(warehouse=warehouse).exists():
        return
    today = timezone.localdate(moment)
    inspector = User.objects.filter(username="warehouse").first()
    head = User.objects.filter(username="logistics_head").first()
    plans = {  # kind: next due (the fire check is three days overdue)
        "fire": today - timedelta(days=3),
        "theft": today + timedelta(days=2),
        "damp": today + timedelta(days=10),
        "pests": today + timedelta(days=25),
    }
    for kind, next_due in plans.items():
        InspectionSchedule.objects.create(
            warehouse=warehouse,
            kind=kind,
            every_days=inspection_rules.DEFAULT_EVERY_DAYS[kind],  # type: ignore[index]
            checklist=inspection_rules.default_checklist(kind),
            next_due=next_due,
        )
    # The pest check was done five days ago and found gnaw marks: a follow-up, still open.
    pests = InspectionSchedule.objects.get(warehouse=warehouse, kind="pests")
    done_at = moment - timedelta(days=5)
    answers = dict.fromkeys(pests.checklist, "ok")
    answers[pests.checklist[1]] = "problem"
    inspection = Inspection.objects.create(
        schedule=pests,
        inspector=inspector,
        done_at=done_at,
        answers=answers,
        findings="B 区 B-03 货架下发现啮咬痕迹，纸箱一角破损，未见活体。",
    )
    FollowUp.objects.create(
        inspection=inspection,
        action="B 区加放两个捕鼠盒并封堵墙角缝隙",
        owner=head or inspector,
        due_on=today + timedelta(days=2),
    )


def _operations(moment: datetime, rng: random.Random) -> None:
    if Operation.objects.exists():
        return
    people = {
        user.username: user for user in User.objects.filter(username__in=[w[0] for w in WORKERS])
    }
    zone = ZoneInfo(settings.TIME_ZONE)
    today = timezone.localdate(moment)
    rows = []
    for days_ago in range(7, 0, -1):
        day = today - timedelta(days=days_ago)
        for username, kind, (low_units, high_units), (fast, slow) in WORKERS:
            user = people.get(username)
            if user is None:
                continue
            at = datetime.combine(day, time(9, rng.randrange(0, 30)), tzinfo=zone)
            while at.hour < 18:
                if at.hour == 12:  # lunch
                    at = at.replace(hour=13)
                # Slower after lunch and at the end of the day, as people are.
                tired = 1.25 if at.hour in (13, 17) else 1.0
                seconds = int(rng.randint(fast, slow) * tired)
                rows.append(
                    Operation(
                        kind=kind,
                        actor=user,
                        started_at=at,
                        finished_at=at + timedelta(seconds=seconds),
                        units=rng.randint(low_units, high_units),
                    )
                )
                at += timedelta(seconds=seconds + rng.randint(20, 400))
    Operation.objects.bulk_create(rows, batch_size=1000)
