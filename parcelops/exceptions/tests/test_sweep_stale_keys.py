"""One order a process's keys cannot open does not stop the desk's sweep: the clock never
reads customer data (task 17A, keys rotated under a stale worker)."""

from datetime import timedelta

from cryptography.fernet import Fernet
from django.db import connection

from parcelops.exceptions import actions
from parcelops.exceptions.kinds import CaseState, CaseType
from parcelops.exceptions.models import Case
from parcelops.exceptions.tests.conftest import HANDED_OVER, parcel


def test_the_sweep_opens_and_escalates_a_case_whose_order_the_keys_cannot_open(desk):
    shipment = parcel("ZT1000000001")
    stranger = Fernet(Fernet.generate_key())
    with connection.cursor() as cursor:  # written under keys this process does not have
        cursor.execute(
            "UPDATE orders_order SET shipping_address = %s WHERE id = %s",
            [stranger.encrypt(b'{"street": "x"}').decode(), shipment.order_id],
        )
    opened_at = HANDED_OVER + timedelta(hours=24)

    report = actions.sweep(opened_at)

    (case,) = Case.objects.filter(state=CaseState.OPEN)
    assert (case.type, report.opened) == (CaseType.NO_FIRST_SCAN, [case.pk])
    report = actions.sweep(case.due_at)
    assert (report.breached, report.escalated) == ([case.pk], [case.pk])
