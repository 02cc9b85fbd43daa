"""The desk's permissions in the one role matrix, walked through the actions: each role is
allowed exactly the steps its row holds, and refused (403) the others."""

import pytest

from parcelops.accounts import roles
from parcelops.core.errors import NotPermittedError
from parcelops.exceptions import actions
from parcelops.exceptions.models import Case
from parcelops.exceptions.settings_actions import set_sla_settings
from parcelops.exceptions.tests.conftest import carrier_event, feed, parcel

NUMBER = "ZT1000000001"

# Who may do what (R5.2.3: staff, head and leadership handle; customer service reports
# from customers; analysts read; the head and the administrator set the desk up).
ALLOWED = {
    "report": {
        roles.LOGISTICS_STAFF,
        roles.LOGISTICS_HEAD,
        roles.LEADERSHIP,
        roles.CS_AGENT,
        roles.ADMIN,
    },
    "note": {roles.LOGISTICS_STAFF, roles.LOGISTICS_HEAD, roles.LEADERSHIP, roles.ADMIN},
    "refund": {roles.LOGISTICS_STAFF, roles.LOGISTICS_HEAD, roles.LEADERSHIP, roles.ADMIN},
    "settings": {roles.LOGISTICS_HEAD, roles.ADMIN},
}
STEPS = {
    "report": lambda user, case: actions.report_case(
        user, order=case.order, case_type="other", description="Customer called"
    ),
    "note": lambda user, case: actions.add_note(case, user, "Checked"),
    "refund": lambda user, case: actions.refund(case, user, amount_cents=100),
    "settings": lambda user, case: set_sla_settings({}, [0.5, 0.8], user),
}


@pytest.fixture
def open_case(desk):
    parcel(NUMBER)
    feed(carrier_event(NUMBER, 1, "in_transit"), carrier_event(NUMBER, 2, "exception", "damaged"))
    return Case.objects.get()


@pytest.mark.parametrize("role", roles.ROLES)
@pytest.mark.parametrize("step", sorted(STEPS))
def test_each_role_is_allowed_exactly_the_desk_steps_of_its_row(desk, open_case, role, step):
    user = desk[role]
    if role in ALLOWED[step]:
        STEPS[step](user, open_case)
    else:
        with pytest.raises(NotPermittedError):
            STEPS[step](user, open_case)


@pytest.mark.parametrize("role", roles.ROLES)
def test_who_may_see_the_desk(desk, role):
    may_see = role not in {roles.ORDER_PROCESSOR, roles.ORDER_REVIEWER, roles.WAREHOUSE}
    assert desk[role].has_perm(roles.VIEW_CASE) is may_see
