"""The desk's clock on the working-hours calendar (09:00-12:00 and 13:30-18:00, Monday to
Friday, China's official holidays and make-up days), through the real sweep: each warning,
breach and escalation exactly at its moment, one second before and one after, across a
night, a weekend, a public holiday and a make-up working day."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from parcelops.exceptions import actions
from parcelops.exceptions.kinds import CaseEventKind
from parcelops.exceptions.models import Case
from parcelops.exceptions.settings_actions import set_calendar
from parcelops.exceptions.tests.conftest import parcel
from parcelops.orders.models import Order

SHANGHAI = ZoneInfo("Asia/Shanghai")
SECOND = timedelta(seconds=1)


def local(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def working_hours(desk):
    set_calendar(
        "working_hours",
        [(time(9), time(12)), (time(13, 30), time(18))],
        range(5),
        use_official=True,
        actor=desk["logistics_head"],
    )
    return desk


def minor_case_opened_at(moment: datetime, people) -> Case:
    shipment = parcel("ZT1000000009")
    with time_machine.travel(moment, tick=False):
        return actions.report_case(
            people["logistics_staff"],
            order=Order.objects.get(pk=shipment.order_id),
            shipment=shipment,
            case_type="stalled",
            description="No scan since Tuesday",
            severity="minor",
        )


def steps(case: Case, kind: str) -> int:
    return case.events.filter(kind=kind).count()


def assert_fires_exactly_at(case: Case, moment: datetime, kind: str) -> None:
    """Nothing one second before; the step at the moment; nothing more one second after."""
    before = steps(case, kind)
    actions.sweep(moment - SECOND)
    assert steps(case, kind) == before, f"{kind} before {moment}"
    actions.sweep(moment)
    assert steps(case, kind) == before + 1, f"{kind} at {moment}"
    actions.sweep(moment + SECOND)
    assert steps(case, kind) == before + 1, f"{kind} again after {moment}"


def test_over_a_night_and_a_weekend(working_hours):
    # Friday 17:00: one working hour left that day, the next on Monday morning.
    case = minor_case_opened_at(local(2026, 11, 27, 17, 0), working_hours)
    assert case.due_at == local(2026, 11, 30, 10, 0)
    assert_fires_exactly_at(case, local(2026, 11, 27, 18, 0), CaseEventKind.WARNED)  # 50 %
    assert_fires_exactly_at(case, local(2026, 11, 30, 9, 36), CaseEventKind.WARNED)  # 80 %
    assert_fires_exactly_at(case, local(2026, 11, 30, 10, 0), CaseEventKind.BREACHED)
    case.refresh_from_db()
    # Escalated to the head with the head's four working hours: 10-12, then 13:30-15:30.
    assert (case.owner_tier, case.due_at) == ("head", local(2026, 11, 30, 15, 30))
    assert case.breached_at == local(2026, 11, 30, 10, 0)
    assert_fires_exactly_at(case, local(2026, 11, 30, 15, 30), CaseEventKind.ESCALATED)
    case.refresh_from_db()
    assert (case.owner_tier, case.escalation_level) == ("leadership", 2)
    assert case.breached_at == local(2026, 11, 30, 10, 0)  # breached stays breached
    assert steps(case, CaseEventKind.BREACHED) == 1


def test_over_national_day(working_hours):
    # Wednesday 30 September 17:00; 1 to 7 October are public holidays.
    case = minor_case_opened_at(local(2026, 9, 30, 17, 0), working_hours)
    assert case.due_at == local(2026, 10, 8, 10, 0)
    assert_fires_exactly_at(case, local(2026, 9, 30, 18, 0), CaseEventKind.WARNED)
    assert_fires_exactly_at(case, local(2026, 10, 8, 9, 36), CaseEventKind.WARNED)
    assert_fires_exactly_at(case, local(2026, 10, 8, 10, 0), CaseEventKind.BREACHED)
    case.refresh_from_db()
    assert case.due_at == local(2026, 10, 8, 15, 30)


def test_on_a_make_up_working_day(working_hours):
    # Friday 9 October 17:00; Saturday 10 October is a make-up working day.
    case = minor_case_opened_at(local(2026, 10, 9, 17, 0), working_hours)
    assert case.due_at == local(2026, 10, 10, 10, 0)
    assert_fires_exactly_at(case, local(2026, 10, 9, 18, 0), CaseEventKind.WARNED)
    assert_fires_exactly_at(case, local(2026, 10, 10, 9, 36), CaseEventKind.WARNED)
    assert_fires_exactly_at(case, local(2026, 10, 10, 10, 0), CaseEventKind.ESCALATED)
    case.refresh_from_db()
    # The head's four hours: Saturday 10-12 and 13:30-15:30 (a working day like any).
    assert case.due_at == local(2026, 10, 10, 15, 30)


def test_a_restart_loses_nothing_the_clock_lives_in_the_rows(working_hours):
    case = minor_case_opened_at(local(2026, 11, 27, 17, 0), working_hours)
    # No sweep ran all weekend (the worker was down); the first one after catches up.
    report = actions.sweep(local(2026, 11, 30, 10, 0))
    case.refresh_from_db()
    assert report.breached == [case.pk]
    assert report.escalated == [case.pk]
    assert report.warned == []  # warnings past their deadline are no warnings
    assert case.breached_at == local(2026, 11, 30, 10, 0)
