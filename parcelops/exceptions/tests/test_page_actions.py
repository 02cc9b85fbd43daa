"""The case page's forms and the report page: each calls one action, then back to the case
with a message, or the page again with the form's errors (422)."""

import pytest
from django.test import Client
from django.urls import reverse

from parcelops.exceptions import actions, forms
from parcelops.exceptions.kinds import CaseState
from parcelops.exceptions.models import Case


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def act(client, case, action, data):
    return client.post(reverse("exceptions:case_action", args=[case.pk, action]), data)


def test_a_note_goes_on_the_timeline_and_back_to_the_case(queue_desk, staff):
    client = signed_in(staff["logistics_staff"])
    response = act(client, queue_desk.stalled, "note", {"text": "Asked ZTO's hub"})
    assert response.status_code == 302
    assert response["Location"] == reverse("exceptions:case", args=[queue_desk.stalled.pk])
    page = client.get(response["Location"]).content.decode()
    assert f"The note was added to case {queue_desk.stalled.pk}." in page
    assert "Asked ZTO&#x27;s hub" in page


def test_a_refused_form_comes_back_open_with_its_errors(queue_desk, staff):
    client = signed_in(staff["logistics_staff"])
    response = act(client, queue_desk.stalled, "note", {"text": ""})
    assert response.status_code == 422
    html = response.content.decode()
    assert '<details class="action-more" id="action-note" open>' in html
    assert "This field is required." in html


def test_an_action_refusal_lands_on_the_named_field(queue_desk, staff):
    response = act(
        signed_in(staff["logistics_head"]),
        queue_desk.not_shipped,
        "assign",
        {"username": "order_processor"},
    )
    assert response.status_code == 422
    assert '<details class="action-more" id="action-assign" open>' in response.content.decode()


def test_the_contact_form_offers_exactly_the_channels_the_action_takes():
    assert tuple(value for value, _label in forms.CONTACT_CHANNELS) == actions.CONTACT_CHANNELS


def test_a_refund_is_typed_as_money(queue_desk, staff):
    client = signed_in(staff["leadership"])
    bad = act(client, queue_desk.damaged, "refund", {"amount": "12,5", "kind": "refund"})
    assert bad.status_code == 422
    assert "Enter an amount such as 12.50." in bad.content.decode()
    done = act(client, queue_desk.damaged, "refund", {"amount": "12.50", "kind": "compensation"})
    assert done.status_code == 302
    assert Case.objects.get(pk=queue_desk.damaged.pk).refund_cents == 1250
    page = client.get(reverse("exceptions:case", args=[queue_desk.damaged.pk])).content.decode()
    assert "Compensation: ¥12.50" in page


def test_closing_from_the_page(queue_desk, staff):
    client = signed_in(staff["logistics_staff"])
    response = act(
        client,
        queue_desk.stalled,
        "close",
        {
            "resolution": "resolved_by_carrier",
            "cause": "Hub backlog",
            "action_taken": "Waited a day",
            "lesson": "Mondays are slow",
        },
    )
    assert response.status_code == 302
    case = Case.objects.get(pk=queue_desk.stalled.pk)
    assert (case.state, case.resolution) == (CaseState.CLOSED, "resolved_by_carrier")


def test_a_closed_case_says_so_and_changes_nothing(queue_desk, staff):
    client = signed_in(staff["admin"])
    response = act(client, queue_desk.lost, "note", {"text": "late"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "This case is closed." in page


@pytest.mark.parametrize(("role", "action"), [("cs_agent", "note"), ("analyst", "close")])
def test_a_role_without_the_permission_is_refused_403(queue_desk, staff, role, action):
    assert act(signed_in(staff[role]), queue_desk.stalled, action, {"text": "x"}).status_code == 403


def test_an_unknown_action_is_404(queue_desk, staff):
    assert act(signed_in(staff["admin"]), queue_desk.stalled, "teleport", {}).status_code == 404


def test_reporting_a_case_opens_it_and_a_second_report_joins_it(queue_desk, staff):
    client = signed_in(staff["cs_agent"])
    order = queue_desk.orders[1]
    data = {"order": order.number, "type": "damaged", "description": "The vase is broken"}
    first = client.post(reverse("exceptions:report"), data)
    assert first.status_code == 302
    case = Case.objects.get(order=order, type="damaged")
    assert first["Location"] == reverse("exceptions:case", args=[case.pk])
    second = client.post(reverse("exceptions:report"), {**data, "description": "Called again"})
    assert second["Location"] == first["Location"]
    page = client.get(second["Location"]).content.decode()
    assert f"Case {case.pk} was already open: your report is added to it as evidence." in page


def test_a_report_naming_no_order_is_said_on_the_form(queue_desk, staff):
    response = signed_in(staff["cs_agent"]).post(
        reverse("exceptions:report"),
        {"order": "NO-SUCH", "type": "damaged", "description": "x"},
    )
    assert response.status_code == 422
    assert "No order with this number." in response.content.decode()
