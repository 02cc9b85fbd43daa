"""The desk's pages: who sees them, what they show, and the order page's cases panel."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parcelops.accounts.roles import ROLES
from parcelops.exceptions.tests.queue_cases import a_case, a_parcel, an_order

DESK_ROLES = ["logistics_staff", "logistics_head", "leadership", "cs_agent", "analyst", "admin"]
OTHER_ROLES = [role for role in ROLES if role not in DESK_ROLES]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page_urls(queue_desk) -> list[str]:
    return [
        reverse("exceptions:queue"),
        reverse("exceptions:case", args=[queue_desk.damaged.pk]),
        reverse("exceptions:case", args=[queue_desk.lost.pk]),
        reverse("exceptions:case", args=[queue_desk.not_shipped.pk]),
        reverse("exceptions:wallboard"),
    ]


@pytest.mark.parametrize("role", DESK_ROLES)
def test_every_desk_role_sees_the_desk_pages(queue_desk, staff, role):
    client = signed_in(staff[role])
    for url in page_urls(queue_desk):
        response = client.get(url)
        assert response.status_code == 200, url
        assert 'href="/exceptions/"' in response.content.decode()  # the menu's link


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_roles_without_the_desk_are_refused_and_see_no_link(queue_desk, staff, role):
    client = signed_in(staff[role])
    for url in page_urls(queue_desk):
        assert client.get(url).status_code == 403, url
    orders = client.get(reverse("orders:list")).content.decode()
    assert 'href="/exceptions/"' not in orders


def test_signed_out_the_queue_asks_to_log_in(queue_desk):
    response = Client().get(reverse("exceptions:queue"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def rows(html: str) -> list[str]:
    """The case numbers of the queue, in its order."""
    return re.findall(r'<span class="case-number">#(\d+)</span>', html)


def test_the_queue_lists_open_cases_breached_first_with_their_countdown(queue_desk, staff):
    html = signed_in(staff["logistics_staff"]).get(reverse("exceptions:queue")).content.decode()
    assert rows(html) == [
        str(c.pk)
        for c in (
            queue_desk.damaged,
            queue_desk.stalled,
            queue_desk.not_shipped,
            queue_desk.delayed,
        )
    ]
    assert "4 open cases" in html
    # The deadline as first shown; countdown.js keeps it live from data-deadline.
    assert 'data-deadline="2026-11-25T10:30:00+08:00">30 min 00 s left<' in html
    assert (
        'class="countdown is-overdue" data-deadline="2026-11-25T09:00:00+08:00">1 h 00 min overdue<'
        in html
    )
    assert '<script src="/static/exceptions/countdown.js" defer></script>' in html
    assert 'id="countdown-words"' in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?severity=major", ["damaged"]),
        ("?owner_tier=head", ["delayed"]),
        ("?owner=me", ["stalled"]),
        ("?owner=none", ["damaged", "not_shipped"]),
        ("?breached=true", ["damaged"]),
        ("?type=not_shipped", ["not_shipped"]),
        ("?carrier=zto", ["stalled", "delayed"]),
        ("?q=wuxi", ["lost"]),  # a search looks at closed cases
        ("?state=all", ["damaged", "lost", "stalled", "not_shipped", "delayed"]),
    ],
)
def test_the_queue_filters(queue_desk, staff, query, expected):
    html = signed_in(staff["logistics_staff"]).get(reverse("exceptions:queue") + query)
    assert rows(html.content.decode()) == [str(getattr(queue_desk, n).pk) for n in expected]


def test_a_quick_filter_keeps_the_others_and_lets_go_when_clicked_again(queue_desk, staff):
    html = signed_in(staff["logistics_staff"]).get("/exceptions/?severity=major&owner=me")
    text = html.content.decode()
    assert 'href="/exceptions/?owner=me&amp;severity=minor"' in text  # another severity
    assert re.search(r'href="/exceptions/\?owner=me"[^>]*aria-current="true">Major<', text)


def test_a_bad_filter_is_said_on_the_form(queue_desk, staff):
    response = signed_in(staff["logistics_staff"]).get("/exceptions/?severity=huge")
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode() or "Unknown value" in (
        response.content.decode()
    )


def test_the_case_page_shows_both_timelines_evidence_and_past_cases(queue_desk, staff):
    html = signed_in(staff["logistics_head"]).get(
        reverse("exceptions:case", args=[queue_desk.damaged.pk])
    )
    text = html.content.decode()
    assert "Carrier tracking" in text
    assert "Case timeline" in text
    assert "Evidence" in text
    assert "The handling deadline passed at 2026-11-25 09:00." in text
    assert "It is escalated to Leadership." in text


def test_the_case_page_masks_contacts_for_a_masked_role(queue_desk, staff):
    url = reverse("exceptions:case", args=[queue_desk.damaged.pk])
    full = signed_in(staff["logistics_head"]).get(url).content.decode()
    masked = signed_in(staff["leadership"]).get(url).content.decode()
    assert "13812345678" in full
    assert "13812345678" not in masked
    assert "138****5678" in masked
    assert "w***@example.com" in masked


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        ("logistics_staff", 9),  # handle + settle
        ("leadership", 9),
        ("cs_agent", 0),  # follows and reports, does not act
        ("analyst", 0),
    ],
)
def test_each_role_gets_the_action_forms_it_may_use(queue_desk, staff, role, shown):
    text = signed_in(staff[role]).get(reverse("exceptions:case", args=[queue_desk.damaged.pk]))
    forms = re.findall(r'action="/exceptions/\d+/([a-z-]+)/"', text.content.decode())
    assert len(forms) == shown


def test_a_case_on_the_order_offers_no_reship_or_claim(queue_desk, staff):
    text = signed_in(staff["admin"]).get(
        reverse("exceptions:case", args=[queue_desk.not_shipped.pk])
    )
    forms = re.findall(r'action="/exceptions/\d+/([a-z-]+)/"', text.content.decode())
    assert forms == [
        "note",
        "contact-carrier",
        "notify-customer",
        "assign",
        "severity",
        "refund",
        "close",
    ]


def test_a_closed_case_shows_its_summary_and_no_forms(queue_desk, staff):
    text = signed_in(staff["admin"]).get(reverse("exceptions:case", args=[queue_desk.lost.pk]))
    html = text.content.decode()
    assert "Closing summary" in html
    assert "The sorting centre in Wuxi misrouted the parcel" in html
    assert "A closed case takes no more actions." in html
    assert 'action="/exceptions/' not in html


def test_an_unknown_case_is_404(queue_desk, staff):
    response = signed_in(staff["admin"]).get(reverse("exceptions:case", args=[99999]))
    assert response.status_code == 404


def test_the_wallboard_shows_the_numbers(queue_desk, staff):
    html = signed_in(staff["leadership"]).get(reverse("exceptions:wallboard")).content.decode()
    tiles = re.findall(r'<span class="wall-number">(\d+)</span>', html)
    assert tiles == ["4", "1", "1", "2"]  # open, breached, warned, unassigned
    major = re.search(r'<tr class="wall-row wall-major">(.*?)</tr>', html, re.S)
    assert major is not None
    assert re.findall(r'data-label="[^"]+">(\d+)</td>', major.group(1)) == [
        "0",
        "0",
        "0",
        "1",
        "1",
        "1",
    ]
    assert '<script src="/static/exceptions/wallboard.js" defer></script>' in html
    assert 'data-refresh-seconds="60"' in html


# --- the order page's panel -----------------------------------------------------------------


def test_the_order_page_lists_its_cases_open_first(queue_desk, staff):
    order = queue_desk.orders[2]
    html = signed_in(staff["cs_agent"]).get(reverse("orders:detail", args=[order.number]))
    text = html.content.decode()
    panel = text[text.index('class="card detail-cases"') :]
    assert rows(panel) == [str(queue_desk.damaged.pk), str(queue_desk.lost.pk)]
    assert f'href="/exceptions/report/?order={order.number}"' in panel


def test_the_order_page_has_no_cases_panel_for_roles_without_the_desk(queue_desk, staff):
    order = queue_desk.orders[2]
    html = signed_in(staff["order_processor"]).get(reverse("orders:detail", args=[order.number]))
    assert "detail-cases" not in html.content.decode()


def test_an_order_without_cases_offers_only_the_report_link(queue_desk, staff):
    order = an_order("W-CLEAN")
    text = signed_in(staff["cs_agent"]).get(reverse("orders:detail", args=[order.number]))
    html = text.content.decode()
    assert "No exception case on this order." in html
    analyst = signed_in(staff["analyst"]).get(reverse("orders:detail", args=[order.number]))
    assert "detail-cases" not in analyst.content.decode()


def test_the_report_page_is_for_those_who_may_report(queue_desk, staff):
    url = reverse("exceptions:report") + f"?order={queue_desk.orders[0].number}"
    page = signed_in(staff["cs_agent"]).get(url)
    assert page.status_code == 200
    assert f'value="{queue_desk.orders[0].number}"' in page.content.decode()
    assert signed_in(staff["analyst"]).get(url).status_code == 403


def test_the_queue_page_costs_the_same_for_five_cases_or_thirty(
    queue_desk, staff, django_assert_max_num_queries
):
    client = signed_in(staff["logistics_staff"])
    client.get(reverse("exceptions:queue"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("exceptions:queue"))
    for number in range(25):
        order = an_order(f"W-P{number}")
        a_case(order, a_parcel(order, f"YT60000000{number:02d}", carrier="yto"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(reverse("exceptions:queue")).content.decode()
    assert len(rows(html)) == 25  # a page
