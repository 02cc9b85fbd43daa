"""The staff console's pages through the test client: who may see what, sign-in, the order
list, one order, the review queue and my orders."""

import re
from typing import Any

import pytest
from django.http import HttpResponse
from django.urls import include, path

from parcelops.accounts.models import StaffProfile
from parcelops.orders import actions
from parcelops.orders.models import Order
from parcelops.orders.states import OrderState
from parcelops.orders.tests.factories import carrier_reports, ship
from parcelops.orders.tests.pages import page_for, place, text

# --- access ------------------------------------------------------------------------------------


STAFF_PAGES = ["/orders/", "/orders/review/", "/orders/mine/", "/orders/new/"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", STAFF_PAGES)
def test_anonymous_visitors_are_sent_to_the_login_page(url):
    response = page_for(None).get(url)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.django_db
@pytest.mark.parametrize("url", [*STAFF_PAGES, "/orders/PO-ANY/"])
def test_a_signed_in_person_without_a_role_gets_403(make_staff, english, url):
    response = page_for(make_staff("nobody")).get(url)

    assert response.status_code == 403
    assert "Your role does not allow this page" in text(response)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "role"),
    [
        ("/orders/review/", "order_processor"),
        ("/orders/review/", "analyst"),
        ("/orders/mine/", "order_reviewer"),
        ("/orders/mine/", "warehouse"),
        ("/orders/new/", "order_reviewer"),
        ("/orders/new/", "cs_agent"),
    ],
)
def test_pages_of_other_roles_answer_403(people, url, role):
    assert page_for(people[role]).get(url).status_code == 403


@pytest.mark.django_db
def test_the_navigation_shows_only_the_pages_of_the_role(people):
    reviewer_page = text(page_for(people["order_reviewer"]).get("/orders/"))
    processor_page = text(page_for(people["order_processor"]).get("/orders/"))

    assert 'href="/orders/review/"' in reviewer_page
    assert 'href="/orders/mine/"' not in reviewer_page
    assert 'href="/orders/new/"' not in reviewer_page
    assert 'href="/orders/review/"' not in processor_page
    assert 'href="/orders/mine/"' in processor_page
    assert 'href="/orders/new/"' in processor_page


@pytest.mark.django_db
def test_the_top_bar_names_the_person_and_their_roles(people, make_staff):
    both = make_staff("lin", "order_processor", "order_reviewer")

    html = text(page_for(both).get("/orders/"))

    assert '<span class="userbox-name">lin</span>' in html
    assert '<span class="userbox-roles">Order processor, Order reviewer</span>' in html
    assert 'action="/accounts/logout/"' in html
    assert 'action="/i18n/setlang/"' in html


# --- sign-in, lock-out, sign-out ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_login_page_signs_a_person_in(people):
    client = page_for(None)

    assert "Sign in to ParcelOps" in text(client.get("/accounts/login/"))
    response = client.post(
        "/accounts/login/", {"username": "order_processor", "password": "correct-horse-battery"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/orders/"


@pytest.mark.django_db
def test_a_wrong_password_is_refused_with_a_message(people):
    response = page_for(None).post(
        "/accounts/login/", {"username": "order_processor", "password": "wrong"}
    )

    assert response.status_code == 200
    assert "Please enter a correct username and password." in text(response)


@pytest.mark.django_db
def test_five_failed_logins_lock_the_account_with_a_clear_page(people):
    client = page_for(None)
    for _attempt in range(4):
        response = client.post(
            "/accounts/login/", {"username": "order_processor", "password": "wrong"}
        )
        assert response.status_code == 200

    response = client.post("/accounts/login/", {"username": "order_processor", "password": "wrong"})
    assert response.status_code == 429
    assert "Sign-in temporarily locked" in text(response)
    assert "Try again in 30 minutes." in text(response)

    response = client.post(
        "/accounts/login/", {"username": "order_processor", "password": "correct-horse-battery"}
    )
    assert response.status_code == 429


@pytest.mark.django_db
def test_logging_out_takes_a_post(people):
    client = page_for(people["analyst"])

    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert client.get("/orders/").status_code == 302


@pytest.mark.django_db
def test_the_language_switch_sets_the_language(people):
    client = page_for(people["analyst"])

    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/orders/"})

    assert response.status_code == 302
    assert response["Location"] == "/orders/"
    assert response.cookies["django_language"].value == "zh-hans"


# --- order list --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_list_shows_each_order_with_full_customer_names_for_processors(normal_order, people):
    StaffProfile.objects.filter(user=people["order_processor"]).update(display_name="王芳")

    html = text(page_for(people["order_processor"]).get("/orders/"))

    number = normal_order.number
    assert f'<a class="order-link" href="/orders/{number}/">{number}</a>' in html
    assert (
        '<td class="col-secondary"><time datetime="2026-11-25T10:00:00+08:00">'
        "2026-11-25 10:00</time></td>" in html
    )
    assert (
        '<td class="col-customer"><span class="customer-name">王小明</span>'
        '<span class="cell-sub channel-name">Web shop</span></td>' in html
    )
    assert '<span class="cell-sub col-secondary">Normal</span>' in html
    assert '<span class="badge badge-blue">Paid, being processed</span>' in html
    assert ">Not required</span>" not in html  # the review shows only where it matters
    assert '<td class="col-secondary">王芳</td>' in html  # the display name, not the username
    assert '<td class="num col-total">¥365.90</td>' in html
    assert "1 order" in html


@pytest.mark.django_db
def test_the_list_masks_customer_names_for_roles_without_customer_data(normal_order, people):
    html = text(page_for(people["analyst"]).get("/orders/"))

    assert '<span class="customer-name">王**</span>' in html
    assert "王小明" not in html


@pytest.mark.django_db
def test_the_list_filters_by_state_assignee_and_sku(
    people, channel, order_payload, normal_order, vip_order
):
    actions.submit_for_review(vip_order, people["order_processor"])
    unassigned = place(order_payload, external_id="W-2", is_paid=False)
    Order.objects.filter(pk=unassigned.pk).update(assignee=None)
    client = page_for(people["order_reviewer"])

    def numbers(query: str) -> set[str]:
        return set(re.findall(r'class="order-link" href="/orders/(\w+)/"', text(client.get(query))))

    assert numbers("/orders/?state=in_review") == {vip_order.number}
    assert numbers("/orders/?state=paid,awaiting_payment") == {
        normal_order.number,
        unassigned.number,
    }
    assert numbers("/orders/?assignee=none") == {unassigned.number}
    assert numbers("/orders/?review_state=submitted") == {vip_order.number}
    assert numbers("/orders/?q=W-VIP") == {vip_order.number}
    assert numbers("/orders/?q=tea-001") == {
        normal_order.number,
        vip_order.number,
        unassigned.number,
    }
    assert numbers("/orders/?phone=13812345678") == {
        normal_order.number,
        vip_order.number,
        unassigned.number,
    }
    assert numbers("/orders/?phone=13900000000") == set()
    assert numbers("/orders/?date_from=2026-11-26") == set()


@pytest.mark.django_db
def test_an_empty_filtered_list_says_so_and_offers_to_clear(people, normal_order):
    html = text(page_for(people["analyst"]).get("/orders/?state=cancelled"))

    assert "No orders match these filters" in html
    assert '<a href="/orders/">Clear the filters</a>' in html


@pytest.mark.django_db
def test_the_list_pages_by_25_and_keeps_the_filters_in_the_page_links(
    people, channel, order_payload
):
    for index in range(27):
        place(order_payload, external_id=f"W-{index}")
    client = page_for(people["analyst"])

    first = text(client.get("/orders/?state=paid"))
    second = text(client.get("/orders/?state=paid&page=2"))

    assert first.count('class="order-link"') == 25
    assert "Page 1 of 2" in first
    assert 'href="?state=paid&amp;page=2" rel="next"' in first
    assert second.count('class="order-link"') == 2
    assert 'href="?state=paid&amp;page=1" rel="prev"' in second


@pytest.mark.django_db
def test_the_list_needs_the_same_few_queries_for_many_orders(
    people, channel, order_payload, django_assert_max_num_queries
):
    for index in range(30):
        place(order_payload, external_id=f"W-{index}")
    client = page_for(people["order_processor"])
    client.get("/orders/")  # warms the session

    # session, user, permissions (2), count, page, the state counts (one grouped query),
    # channels, filter's processors (2), top bar's profile, roles and unread alerts: none of
    # them per order
    with django_assert_max_num_queries(13):
        response = client.get("/orders/?state=paid")

    assert text(response).count('class="order-link"') == 25


class WithSpreadsheetUrls:
    """The site's pages plus stand-ins for the spreadsheet pages another app provides."""

    urlpatterns = [
        path("accounts/", include("parcelops.accounts.urls")),
        path(
            "files/",
            include(
                (
                    [
                        path("export/", HttpResponse, name="export"),
                        path("import/", HttpResponse, name="import"),
                    ],
                    "spreadsheets",
                )
            ),
        ),
        path("orders/", include("parcelops.orders.urls")),
        path("i18n/", include("django.conf.urls.i18n")),
    ]


class WithoutSpreadsheetUrls:
    urlpatterns = [
        path("accounts/", include("parcelops.accounts.urls")),
        path("orders/", include("parcelops.orders.urls")),
        path("i18n/", include("django.conf.urls.i18n")),
    ]


@pytest.mark.django_db
def test_the_export_link_carries_the_current_filters(people, normal_order, settings):
    settings.ROOT_URLCONF = WithSpreadsheetUrls

    html = text(page_for(people["order_reviewer"]).get("/orders/?state=paid&channel=web&page=1"))

    assert 'href="/files/export/?state=paid&amp;channel=web">Export to Excel</a>' in html
    assert 'href="/files/import/"' not in html  # reviewers do not add orders


@pytest.mark.django_db
def test_the_import_link_shows_for_people_who_add_orders(people, settings):
    settings.ROOT_URLCONF = WithSpreadsheetUrls

    html = text(page_for(people["order_processor"]).get("/orders/"))

    assert '<a href="/files/import/">Import orders</a>' in html


@pytest.mark.django_db
def test_pages_render_without_the_spreadsheet_pages(people, normal_order, settings):
    settings.ROOT_URLCONF = WithoutSpreadsheetUrls

    response = page_for(people["admin"]).get("/orders/")

    assert response.status_code == 200
    assert "Export to Excel" not in text(response)
    assert "Import orders" not in text(response)


@pytest.mark.django_db
def test_roles_without_the_export_permission_see_no_export_link(people, settings):
    settings.ROOT_URLCONF = WithSpreadsheetUrls

    html = text(page_for(people["cs_agent"]).get("/orders/"))

    assert "Export to Excel" not in html


# --- order detail ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_detail_page_shows_the_order_its_amounts_and_its_timeline(normal_order, people):
    html = text(page_for(people["order_processor"]).get(f"/orders/{normal_order.number}/"))

    assert f"<title>Order {normal_order.number} · ParcelOps</title>" in html
    assert "<dd>Normal</dd>" in html
    assert "Normal order, no review needed" in html
    assert "<dd>order_processor</dd>" in html
    assert "<dd>王小明</dd>" in html
    assert '<dd class="mono">13812345678</dd>' in html
    assert "文三路 100 号 5 幢 301<br>" in html
    assert (
        '<span class="line-name">西湖龙井 250g</span><span class="line-sku"><span class="mono">TEA-001</span></span>'
        in html
    )
    assert '<td class="num">¥336.00</td>' in html
    assert "<dt>Subtotal</dt><dd>¥375.90</dd>" in html
    assert "<dt>Discount</dt><dd>−¥20.00</dd>" in html
    assert "<dt>Shipping fee</dt><dd>¥10.00</dd>" in html
    assert "<dt>Total</dt><dd>¥365.90</dd>" in html
    assert "<strong>Order placed</strong>" in html
    assert "Assigned automatically to order_processor" in html
    assert '<time datetime="2026-11-25T10:00:00+08:00">2026-11-25 10:00:00</time>' in html
    assert "Confirm details" in html
    assert "Approve" not in html


@pytest.mark.django_db
def test_the_detail_page_masks_the_customer_for_roles_without_customer_data(normal_order, people):
    html = text(page_for(people["analyst"]).get(f"/orders/{normal_order.number}/"))

    assert "<dd>王**</dd>" in html
    assert '<dd class="mono">138****5678</dd>' in html
    assert "文三路" not in html
    assert "Customer details are masked for your role." in html
    assert "Nothing for your role to do on this order right now." in html


@pytest.mark.django_db
def test_the_detail_page_of_an_order_in_review_offers_the_reviewer_a_decision(
    order_in_review, people
):
    html = text(page_for(people["order_reviewer"]).get(f"/orders/{order_in_review.number}/"))

    assert f'action="/orders/{order_in_review.number}/approve/"' in html
    assert f'action="/orders/{order_in_review.number}/reject/"' in html
    assert f'action="/orders/{order_in_review.number}/reassign/"' in html
    assert '<span class="chip">Customer tier: VIP</span>' in html
    assert '<p class="timeline-comment">Checked the VIP discount.</p>' in html
    assert "Paid, being processed → In review" in html


@pytest.mark.django_db
def test_a_reviewer_who_processed_the_order_is_not_offered_the_decision(vip_order, people):
    admin = people["admin"]
    actions.submit_for_review(vip_order, admin)

    html = text(page_for(admin).get(f"/orders/{vip_order.number}/"))

    assert "/approve/" not in html
    assert "You processed this order: another reviewer must approve or reject it." in html


@pytest.mark.django_db
def test_the_detail_page_offers_the_warehouse_the_next_steps(normal_order, people):
    actions.confirm_order(normal_order, people["order_processor"])

    html = text(page_for(people["warehouse"]).get(f"/orders/{normal_order.number}/"))

    assert '<input type="hidden" name="to_state" value="allocated">' in html
    assert "Move to “Stock allocated”" in html
    assert "Cancel the order" not in html


def packed(order: Order, admin: Any) -> Order:
    order = actions.confirm_order(order, admin)
    for step in ("allocated", "picking", "packed"):
        order = actions.advance_order(order, OrderState(step), admin)
    return order


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["warehouse", "logistics_staff", "admin"])
def test_a_packed_order_offers_the_hand_over_and_no_move_to_shipped(normal_order, people, role):
    order = packed(normal_order, people["admin"])

    html = text(page_for(people[role]).get(f"/orders/{order.number}/"))

    assert 'name="to_state" value="shipped"' not in html
    assert "Move to “Shipped”" not in html
    assert (
        '<a class="btn btn-primary btn-block" href="#hand-over">Hand over to carrier…</a>' in html
    )
    assert '<div class="parcel-hand-over" id="hand-over">' in html
    assert f'<form method="post" action="/tracking/hand-over/{order.number}/"' in html
    assert "/advance/" not in html  # packed has no other step: the hand-over is the one way


@pytest.mark.django_db
def test_a_shipped_order_offers_only_a_delivery_confirmed_by_hand(normal_order, people):
    order = ship(packed(normal_order, people["admin"]), people["warehouse"])

    logistics = text(page_for(people["logistics_staff"]).get(f"/orders/{order.number}/"))
    analyst = text(page_for(people["analyst"]).get(f"/orders/{order.number}/"))

    for to_state in ("shipped", "in_transit"):
        assert f'name="to_state" value="{to_state}"' not in logistics
    assert "Move to “" not in logistics
    assert "<summary>Confirm the delivery by hand…</summary>" in logistics
    assert '<input type="hidden" name="to_state" value="delivered">' in logistics
    assert (
        '<textarea id="deliver-comment" name="comment" rows="2" required></textarea>' in logistics
    )
    assert "Hand over another parcel" in logistics
    assert "Confirm the delivery by hand" not in analyst
    # The timeline says which parcel shipped the order.
    assert "Parcel 75123456789012, ZTO Express" in logistics


@pytest.mark.django_db
def test_an_order_shipped_without_a_parcel_offers_no_delivery_by_hand(normal_order, people):
    # Shipped by hand before hand moves were refused: it gets its parcel first.
    Order.objects.filter(pk=normal_order.pk).update(state=OrderState.SHIPPED)

    html = text(page_for(people["logistics_staff"]).get(f"/orders/{normal_order.number}/"))

    assert "Confirm the delivery by hand" not in html
    assert '<h3 class="parcel-subtitle">Hand over to carrier</h3>' in html


@pytest.mark.django_db
def test_an_order_in_transit_says_it_follows_its_carrier(normal_order, people):
    order = ship(packed(normal_order, people["admin"]), people["warehouse"])
    carrier_reports("in_transit", "picked_up")

    html = text(page_for(people["logistics_staff"]).get(f"/orders/{order.number}/"))

    assert "Following the carrier’s events" in html
    assert "<summary>Confirm the delivery by hand…</summary>" in html


@pytest.mark.django_db
def test_the_warehouse_gets_no_step_before_the_order_is_cleared_to_ship(
    normal_order, vip_order, people
):
    client = page_for(people["admin"])
    actions.submit_for_review(vip_order, people["order_processor"])

    for order in (normal_order, vip_order):
        html = text(client.get(f"/orders/{order.number}/"))
        assert "/advance/" not in html


@pytest.mark.django_db
def test_a_cancelled_order_offers_no_actions(normal_order, people):
    actions.cancel_order(normal_order, people["admin"], "Duplicate.")

    html = text(page_for(people["order_reviewer"]).get(f"/orders/{normal_order.number}/"))

    assert "Nothing for your role to do on this order right now." in html
    assert "/reassign/" not in html


@pytest.mark.django_db
def test_an_unknown_order_number_is_404(people):
    response = page_for(people["analyst"]).get("/orders/PO000000000000/")

    assert response.status_code == 404
    assert "Page not found" in text(response)


@pytest.mark.django_db
def test_a_rejected_order_shows_the_reviewers_comment_on_top(order_in_review, people):
    actions.reject_order(order_in_review, people["order_reviewer"], "The discount is too high.")

    html = text(page_for(people["order_processor"]).get(f"/orders/{order_in_review.number}/"))

    assert "<strong>Rejected in review</strong>" in html
    assert '<p class="callout-quote">The discount is too high.</p>' in html
    assert "Submit for review" in html


# --- review queue and my orders --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_review_queue_lists_orders_in_review_longest_waiting_first(
    people, channel, order_payload, frozen_now
):
    vip = {**order_payload, "customer": {**order_payload["customer"], "tier": "vip"}}
    later = place(vip, external_id="W-LATER")
    earlier = place(vip, external_id="W-EARLIER")
    place(order_payload, external_id="W-NORMAL")
    actions.submit_for_review(earlier, people["order_processor"], "Please check the price.")
    frozen_now.shift(600)
    actions.submit_for_review(later, people["order_processor"])

    html = text(page_for(people["order_reviewer"]).get("/orders/review/"))

    assert re.findall(r'class="order-link" href="/orders/(\w+)/"', html) == [
        earlier.number,
        later.number,
    ]
    assert "2 orders wait for a decision, longest waiting first." in html
    assert '<span class="cell-sub">by order_processor</span>' in html
    assert '<p class="cell-note">“Please check the price.”</p>' in html
    assert f'action="/orders/{earlier.number}/approve/"' in html
    assert '<input type="hidden" name="next" value="/orders/review/">' in html


@pytest.mark.django_db
def test_my_orders_groups_open_orders_and_puts_rejections_first(
    people, channel, order_payload, make_staff
):
    processor, reviewer = people["order_processor"], people["order_reviewer"]
    vip = {**order_payload, "customer": {**order_payload["customer"], "tier": "vip"}}
    rejected = place(vip, external_id="W-REJ")
    actions.submit_for_review(rejected, processor)
    actions.reject_order(rejected, reviewer, "Shipping fee is missing.")
    waiting = place(vip, external_id="W-WAIT")
    actions.submit_for_review(waiting, processor)
    to_process = place(order_payload, external_id="W-TODO")
    unpaid = place(order_payload, external_id="W-UNPAID", is_paid=False)
    done = place(order_payload, external_id="W-DONE")
    actions.confirm_order(done, processor)

    html = text(page_for(processor).get("/orders/mine/"))

    assert re.findall(r'class="order-link" href="/orders/(\w+)/"', html) == [
        rejected.number,
        to_process.number,
        unpaid.number,
        waiting.number,
    ]
    assert "4 open orders assigned to you" in html
    assert "1 order was rejected in review and needs your correction." in html
    assert "Rejected by order_reviewer on 2026-11-25 10:00:" in html
    assert '<span class="rejection-comment">Shipping fee is missing.</span>' in html


@pytest.mark.django_db
def test_my_orders_is_empty_for_a_processor_without_orders(people, make_staff):
    html = text(page_for(make_staff("new_hire", "order_processor")).get("/orders/mine/"))

    assert "You have no open orders" in html


@pytest.mark.django_db
def test_the_review_queue_and_my_orders_need_the_same_few_queries_for_many_orders(
    people, channel, order_payload, django_assert_max_num_queries
):
    vip = {**order_payload, "customer": {**order_payload["customer"], "tier": "vip"}}
    for index in range(30):
        order = place(vip, external_id=f"W-{index}")
        actions.submit_for_review(order, people["order_processor"])
    reviewer, processor = page_for(people["order_reviewer"]), page_for(people["order_processor"])
    reviewer.get("/orders/review/")
    processor.get("/orders/mine/")

    # session, user, permissions (2), (count,) page, top bar's profile, roles and unread
    # alerts

    with django_assert_max_num_queries(9):
        queue = reviewer.get("/orders/review/")
    with django_assert_max_num_queries(8):
        mine = processor.get("/orders/mine/")

    assert text(queue).count('class="order-link"') == 25
    assert text(mine).count('class="order-link"') == 30


def test_the_server_error_page_renders_without_a_request(english):
    from django.template.loader import render_to_string

    html = render_to_string("500.html")

    assert "<h1>Something went wrong</h1>" in html


@pytest.mark.django_db
def test_the_detail_page_names_people_channels_and_carriers_in_words(normal_order, people):
    from django.test import Client

    from parcelops.orders.models import Channel
    from parcelops.orders.tests.pages import MODEL_BACKEND

    StaffProfile.objects.filter(user=people["order_processor"]).update(display_name="Li Na")
    Channel.objects.filter(pk=normal_order.channel_id).update(name="官网", name_en="Web shop")
    Order.objects.filter(pk=normal_order.pk).update(requested_carrier="jd")

    english = text(page_for(people["order_processor"]).get(f"/orders/{normal_order.number}/"))
    client = Client(headers={"Accept-Language": "zh-hans"})
    client.force_login(people["order_processor"], backend=MODEL_BACKEND)
    chinese = text(client.get(f"/orders/{normal_order.number}/"))

    assert "<dd>Li Na</dd>" in english
    assert "Assigned automatically to Li Na" in english
    assert "order_processor" not in english.split("<main", 1)[1]
    assert '<p class="page-sub">Web shop · ' in english
    assert "<dd>JD Logistics</dd>" in english
    assert '<p class="page-sub">官网 · ' in chinese
    assert "<dd>京东物流</dd>" in chinese
