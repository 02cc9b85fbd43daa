"""Periodic tasks run once per scheduled minute across the cluster: the slot a run stands
for (a pure rule, at its boundaries) and the claim that lets only one copy run it."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from huey import crontab

from parcelops.core import periodic
from parcelops.core.models import PeriodicRun

EVERY_MINUTE = crontab()
EVERY_FIVE = crontab(minute="*/5")
NIGHTLY = crontab(minute="10", hour="4")  # learn_thresholds' schedule


def at(hour: int, minute: int, second: int = 0, micro: int = 0, day: int = 7) -> datetime:
    return datetime(2026, 12, day, hour, minute, second, micro, tzinfo=UTC)


@pytest.mark.parametrize(
    ("schedule", "moment", "slot"),
    [
        (EVERY_MINUTE, at(12, 0), at(12, 0)),
        (EVERY_MINUTE, at(12, 0, 59, 999999), at(12, 0)),
        (EVERY_MINUTE, at(12, 1), at(12, 1)),
        (EVERY_FIVE, at(12, 4, 59, 999999), at(12, 0)),
        (EVERY_FIVE, at(12, 5), at(12, 5)),
        (NIGHTLY, at(4, 9, 59, 999999), at(4, 10, day=6)),  # still yesterday's run
        (NIGHTLY, at(4, 10), at(4, 10)),
        (NIGHTLY, at(4, 11), at(4, 10)),  # a copy that started late is the same run
        (NIGHTLY, at(23, 59, 59), at(4, 10)),
    ],
)
def test_the_slot_is_the_latest_scheduled_minute_at_or_before_the_start(schedule, moment, slot):
    assert periodic.scheduled_slot(schedule, moment) == slot


def test_the_slot_is_found_in_utc_whatever_zone_the_start_is_given_in():
    from zoneinfo import ZoneInfo

    shanghai = datetime(2026, 12, 7, 12, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))  # 04:10 UTC
    assert periodic.scheduled_slot(NIGHTLY, shanghai) == at(4, 10)


def test_a_schedule_that_never_fires_within_a_week_takes_the_current_minute():
    assert periodic.scheduled_slot(lambda _: False, at(12, 3, 30)) == at(12, 3)


@pytest.mark.django_db
def test_only_the_first_claim_of_a_slot_wins():
    assert periodic.claim_periodic_run("t", at(12, 0)) is True
    assert periodic.claim_periodic_run("t", at(12, 0)) is False
    assert periodic.claim_periodic_run("other", at(12, 0)) is True
    assert periodic.claim_periodic_run("t", at(12, 1)) is True
    assert PeriodicRun.objects.count() == 3


@pytest.mark.django_db
def test_a_claim_removes_the_same_tasks_claims_older_than_a_week():
    week = periodic.KEEP_CLAIMS
    periodic.claim_periodic_run("t", at(12, 0) - week - timedelta(minutes=1))
    periodic.claim_periodic_run("t", at(12, 0) - week)
    periodic.claim_periodic_run("other", at(12, 0) - week - timedelta(minutes=1))

    periodic.claim_periodic_run("t", at(12, 0))

    assert sorted(PeriodicRun.objects.values_list("task", "slot")) == [
        ("other", at(12, 0) - week - timedelta(minutes=1)),
        ("t", at(12, 0) - week),
        ("t", at(12, 0)),
    ]


@pytest.mark.django_db
def test_a_wrapped_task_runs_once_for_each_scheduled_minute():
    runs: list[datetime] = []

    def task() -> str:
        runs.append(periodic.now())
        return "ran"

    wrapped = periodic.run_once_per_slot(task, "t", EVERY_FIVE)

    with time_machine.travel(at(12, 0, 1), tick=False):
        assert wrapped() == "ran"
        assert wrapped() is None  # the second worker's copy of the same run
    with time_machine.travel(at(12, 4, 59), tick=False):
        assert wrapped() is None  # a copy that started late: still the 12:00 run
    with time_machine.travel(at(12, 5), tick=False):
        assert wrapped() == "ran"

    assert runs == [at(12, 0, 1), at(12, 5)]
    assert [
        slot for _, slot in PeriodicRun.objects.order_by("slot").values_list("task", "slot")
    ] == [
        at(12, 0),
        at(12, 5),
    ]


@pytest.mark.django_db
def test_every_periodic_task_of_the_product_claims_its_run_but_the_witness():
    from huey.contrib.djhuey import HUEY

    from parcelops.audit import tasks as audit_tasks
    from parcelops.exceptions import tasks as desk_tasks
    from parcelops.orders import tasks as order_tasks
    from parcelops.outbox import tasks as outbox_tasks
    from parcelops.tracking import tasks as tracking_tasks
    from parcelops.warehouse import choice_tasks

    once_per_cluster = [
        order_tasks.assign_waiting_orders,
        order_tasks.complete_delivered_orders,
        desk_tasks.sweep,
        desk_tasks.learn_thresholds,
        outbox_tasks.send_due_outbox,
        tracking_tasks.prune_inbound_pushes,
        choice_tasks.refresh_carrier_scores,
    ]

    # A new periodic task fails here until it is listed (and so thought about).
    def name(task):  # type: ignore[no-untyped-def]
        return HUEY._registry.task_to_string(task.task_class)

    assert sorted(
        HUEY._registry.task_to_string(type(t)) for t in HUEY._registry.periodic_tasks
    ) == (
        sorted([name(task) for task in once_per_cluster] + [name(audit_tasks.witness_audit_head)])
    )
    with time_machine.travel(at(12, 0), tick=False):
        for task in once_per_cluster:
            task.call_local()
            assert task.call_local() is None
        audit_tasks.witness_audit_head.call_local()
        audit_tasks.witness_audit_head.call_local()

    assert sorted(PeriodicRun.objects.values_list("task", flat=True)) == sorted(
        name(task) for task in once_per_cluster
    )
