"""Console alerts: once per key, by email too; the unread count on every page in one query;
the alerts page and the outbox page."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.test import Client, RequestFactory

from parcelops.accounts import roles
from parcelops.orders.tests.pages import MODEL_BACKEND, page_for
from parcelops.orders.tests.pages import text as html
from parcelops.outbox import actions
from parcelops.outbox.context import alerts as alerts_context
from parcelops.outbox.models import Alert, OutboxMessage

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


@pytest.fixture
def head(staff):
    person = staff[roles.LOGISTICS_HEAD]
    person.email = "head@shop.example"
    person.save(update_fields=["email"])
    return person


def raise_alert(user, key="case:12:breached:alert", **changes):
    fields = {
        "key": key,
        "kind": "case.breached",
        "text": "Case #12 (Lost, order PO-1) is past its deadline of 2026-11-25 18:00.",
        "link": "/cases/12/",
    }
    return actions.alert(user, **{**fields, **changes})


@time_machine.travel(T0, tick=False)
def test_an_alert_is_kept_once_and_emailed_once(head):
    first = raise_alert(head)
    second = raise_alert(head, text="the same change again")

    assert first is not None
    assert second is None
    assert list(
        Alert.objects.values_list("user", "kind", "text", "link", "created_at", "read_at")
    ) == [
        (
            head.pk,
            "case.breached",
            "Case #12 (Lost, order PO-1) is past its deadline of 2026-11-25 18:00.",
            "/cases/12/",
            T0,
            None,
        )
    ]
    message = OutboxMessage.objects.get()
    assert (message.idempotency_key, message.kind, message.to_address, message.recipient_user) == (
        "case:12:breached:alert:email",
        "case.breached",
        "head@shop.example",
        head,
    )
    assert message.subject == (
        "[ParcelOps] Case #12 (Lost, order PO-1) is past its deadline of 2026-11-25 18:00."
    )
    assert message.body == (
        "Case #12 (Lost, order PO-1) is past its deadline of 2026-11-25 18:00.\n\n"
        "https://ops.shop.example/cases/12/\n\n"
        "ParcelOps"
    )


def many(user, count, kind="case.assigned"):
    return [
        actions.AlertRequest(
            user, f"case:{n}:{kind}:0:{user.pk}", kind, f"Case #{n} is yours.", f"/exceptions/{n}/"
        )
        for n in range(1, count + 1)
    ]


@time_machine.travel(T0, tick=False)
def test_many_alerts_for_one_person_are_emailed_as_one_digest(head, staff, settings):
    settings.LANGUAGE_CODE = "en"
    leader = staff[roles.LEADERSHIP]
    leader.email = "boss@shop.example"
    leader.save(update_fields=["email"])

    records = actions.alert_many(many(head, 32) + many(leader, 1, kind="case.escalated"))

    assert len(records) == 33
    assert Alert.objects.filter(user=head).count() == 32  # the console keeps each
    mine = OutboxMessage.objects.get(recipient_user=head)
    theirs = OutboxMessage.objects.get(recipient_user=leader)
    assert (theirs.idempotency_key, theirs.subject) == (
        f"case:1:case.escalated:0:{leader.pk}:email",
        "[ParcelOps] Case #1 is yours.",
    )
    assert mine.kind == "case.assigned"
    assert mine.idempotency_key.startswith(f"digest:{head.pk}:")
    assert mine.subject == "[ParcelOps] 32 new alerts, the first: Case #1 is yours."
    lines = mine.body.split("\n")
    assert lines[:4] == [
        "32 new alerts",
        "",
        "- Case #1 is yours.",
        "  https://ops.shop.example/exceptions/1/",
    ]
    assert lines[-8:] == [
        "- Case #30 is yours.",
        "  https://ops.shop.example/exceptions/30/",
        "",
        "… and 2 more.",
        "",
        "All your alerts: https://ops.shop.example/alerts/",
        "",
        "ParcelOps",
    ]
    assert "Case #31" not in mine.body


@time_machine.travel(T0, tick=False)
def test_the_same_alerts_again_are_neither_kept_nor_emailed_again(head):
    assert len(actions.alert_many(many(head, 3))) == 3
    assert actions.alert_many(many(head, 3)) == []
    assert len(actions.alert_many(many(head, 4))) == 1  # only #4 is new: its own email

    assert Alert.objects.count() == 4
    keys = sorted(OutboxMessage.objects.values_list("idempotency_key", flat=True))
    assert len(keys) == 2
    assert keys[0] == f"case:4:case.assigned:0:{head.pk}:email"
    assert keys[1].startswith(f"digest:{head.pk}:")


@time_machine.travel(T0, tick=False)
def test_a_digest_is_in_the_sites_language(head, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    actions.alert_many(many(head, 2))

    message = OutboxMessage.objects.get()
    assert message.subject == "[ParcelOps] 2 条新提醒，第一条：Case #1 is yours."
    assert message.body.startswith("2 条新提醒\n")
    assert "全部提醒：https://ops.shop.example/alerts/" in message.body


def test_an_alert_without_email_or_address_stays_in_the_console(head, staff):
    raise_alert(head, key="quiet", email=False)
    raise_alert(staff[roles.LOGISTICS_STAFF], key="no-address")  # the fixture has no email
    head.email = "not an address"
    head.save(update_fields=["email"])
    raise_alert(head, key="bad-address")

    assert Alert.objects.count() == 3
    assert OutboxMessage.objects.count() == 0


def test_the_alert_email_goes_out_after_the_commit(head, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        raise_alert(head)

    assert [m.to for m in mail.outbox] == [["head@shop.example"]]


def test_unread_alerts_are_counted_and_marked_read(head, staff):
    for index in range(3):
        raise_alert(head, key=f"k{index}", email=False)
    other = raise_alert(staff[roles.LEADERSHIP], key="theirs", email=False)
    first = Alert.objects.get(idempotency_key="k0")

    assert actions.unread_count(head) == 3
    assert actions.mark_alerts_read(head, [first.pk, other.pk]) == 1  # never another's
    assert actions.unread_count(head) == 2
    assert actions.mark_alerts_read(head) == 2
    assert actions.unread_count(head) == 0
    assert actions.unread_count(staff[roles.LEADERSHIP]) == 1


def test_the_context_processor_counts_in_one_query_once_per_request(
    head, django_assert_num_queries
):
    raise_alert(head, key="a", email=False)
    raise_alert(head, key="b", email=False)
    request = RequestFactory().get("/orders/")
    request.user = head

    with django_assert_num_queries(1):
        assert alerts_context(request) == {"unread_alerts": 2}
    with django_assert_num_queries(0):  # a panel rendered with the request asks again
        assert alerts_context(request) == {"unread_alerts": 2}


def test_the_context_processor_asks_nothing_for_an_anonymous_visitor(django_assert_num_queries):
    request = RequestFactory().get("/track/")
    request.user = AnonymousUser()

    with django_assert_num_queries(0):
        assert alerts_context(request) == {}


def badge(page: str) -> str:
    match = re.search(r'<a class="alert-badge[^"]*" href="/alerts/".*?</a>', page, re.S)
    assert match, "no alert badge"
    return match.group(0)


def test_every_console_page_shows_the_unread_count_in_the_top_bar(head):
    client = page_for(head)
    assert '<span class="alert-badge-count"' not in badge(html(client.get("/orders/")))

    for index in range(2):
        raise_alert(head, key=f"k{index}", email=False)
    shown = badge(html(client.get("/orders/")))

    assert 'class="alert-badge has-unread"' in shown
    assert '<span class="alert-badge-count" aria-hidden="true">2</span>' in shown
    assert "2 unread" in shown


def test_more_than_99_unread_show_as_99_plus(head):
    Alert.objects.bulk_create(
        Alert(user=head, idempotency_key=f"k{i}", kind="case.warned", text="t", created_at=T0)
        for i in range(100)
    )

    assert '<span class="alert-badge-count" aria-hidden="true">99+</span>' in badge(
        html(page_for(head).get("/orders/"))
    )


def test_the_alerts_page_lists_mine_newest_first_with_the_unread_marked(head, staff):
    with time_machine.travel(T0, tick=False):
        raise_alert(head, key="old", text="Older alert", link="/cases/1/", email=False)
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        raise_alert(head, key="new", text="Newer alert", link="javascript:alert(1)", email=False)
    raise_alert(staff[roles.LEADERSHIP], key="theirs", text="Not mine", email=False)
    actions.mark_alerts_read(head, [Alert.objects.get(idempotency_key="old").pk])

    response = page_for(head).get("/alerts/")

    assert response.status_code == 200
    page = html(response)
    items = re.findall(r'<li class="alert-item( is-unread)?">(.*?)</li>', page, re.S)
    assert [(bool(unread), "Newer alert" in body) for unread, body in items] == [
        (True, True),
        (False, False),
    ]
    assert '<a href="/cases/1/">Older alert</a>' in page
    assert "javascript:" not in page  # a link that is not a path of this site is not a link
    assert "Not mine" not in page
    assert "Mark all read" in page


def test_mark_all_read_empties_the_count(head):
    for index in range(2):
        raise_alert(head, key=f"k{index}", email=False)
    client = page_for(head)

    response = client.post("/alerts/read/")

    assert (response.status_code, response["Location"]) == (302, "/alerts/")
    assert actions.unread_count(head) == 0
    assert "2 alerts marked read." in html(client.get("/alerts/"))


def test_mark_read_takes_one_alert_and_refuses_a_forged_form(head):
    one = raise_alert(head, key="one", email=False)
    raise_alert(head, key="two", email=False)
    client = page_for(head)

    assert client.post("/alerts/read/", {"ids": [str(one.pk)]}).status_code == 302
    assert client.post("/alerts/read/", {"ids": ["x"]}).status_code == 400
    assert client.get("/alerts/read/").status_code == 405

    assert list(
        Alert.objects.filter(read_at__isnull=True).values_list("idempotency_key", flat=True)
    ) == ["two"]


def test_the_alerts_page_needs_a_signed_in_person():
    response = Client().get("/alerts/")

    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=/alerts/")


@pytest.mark.parametrize("role", [roles.ADMIN, roles.LOGISTICS_HEAD])
@pytest.mark.usefixtures("failed_message")
def test_the_outbox_page_lists_failed_messages_with_their_error(staff, role):
    actions.queue_email(
        key="waiting", kind="case.warned", to_address="a@shop.example", subject="Waits", body="b"
    )

    response = page_for(staff[role]).get("/alerts/outbox/")

    assert response.status_code == 200
    page = html(response)
    assert "Order PO-1: your parcel is delayed" in page
    assert "SMTPRecipientsRefused: 550 mailbox unavailable" in page
    assert "customer.case_opened · exceptions.case:12" in page
    assert "Waits" not in page  # on the waiting tab
    assert "xm.wang@example.com" not in page  # the address stays in its encrypted column
    assert re.search(r"Failed <span class=\"count\">1</span>", page)
    assert re.search(r"Waiting <span class=\"count\">1</span>", page)
    assert "Send again" in page


def test_the_outbox_page_shows_what_waits_with_its_next_try(staff):
    with time_machine.travel(T0, tick=False):
        actions.queue_email(
            key="waiting",
            kind="case.warned",
            to_address="a@shop.example",
            subject="Waits",
            body="b",
        )

    page = html(page_for(staff[roles.ADMIN]).get("/alerts/outbox/?show=waiting"))

    assert "Waits" in page
    assert '<time datetime="2026-11-25T10:00:00+08:00">2026-11-25 10:00</time>' in page
    assert "Send again" not in page


@pytest.mark.parametrize(
    "role", [roles.LOGISTICS_STAFF, roles.LEADERSHIP, roles.CS_AGENT, roles.ORDER_PROCESSOR]
)
def test_the_outbox_page_and_its_retry_are_refused_to_other_roles(staff, failed_message, role):
    message = failed_message
    client = page_for(staff[role])

    assert client.get("/alerts/outbox/").status_code == 403
    assert client.post(f"/alerts/outbox/{message.pk}/retry/").status_code == 403
    assert OutboxMessage.objects.get(pk=message.pk).state == "failed"


def test_send_again_from_the_page(staff, failed_message, django_capture_on_commit_callbacks):
    message = failed_message
    client = page_for(staff[roles.LOGISTICS_HEAD])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/alerts/outbox/{message.pk}/retry/")

    assert (response.status_code, response["Location"]) == (302, "/alerts/outbox/")
    assert OutboxMessage.objects.get(pk=message.pk).state == "sent"
    assert [m.subject for m in mail.outbox] == ["Order PO-1: your parcel is delayed"]
    again = client.post(f"/alerts/outbox/{message.pk}/retry/", follow=True)
    assert "Only a message that failed can be sent again." in html(again)
    assert client.post("/alerts/outbox/999999/retry/").status_code == 404


@pytest.mark.usefixtures("failed_message")
def test_the_pages_speak_chinese_to_a_chinese_browser(head):
    raise_alert(head, email=False)
    client = Client(headers={"Accept-Language": "zh-hans"})
    client.force_login(head, backend=MODEL_BACKEND)

    alerts_page = html(client.get("/alerts/"))
    outbox_page = html(client.get("/alerts/outbox/"))

    assert "全部标为已读" in alerts_page
    assert "1 条未读提醒，最新的在前。" in alerts_page
    assert '<span class="alert-badge-label">提醒</span>' in alerts_page
    assert "发送失败 <span" in outbox_page
    assert "重新发送" in outbox_page
    assert "尝试次数" in outbox_page
