"""Panels: the slots of a page that other apps fill, in their order, only when they have
something to show; the order pages get their parcels this way."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory, override_settings

from parcelops.core import panels
from parcelops.orders.slots import ORDER_PAGE
from parcelops.orders.tests.pages import page_for, text
from parcelops.tracking import actions
from parcelops.tracking.tests.conftest import packed_order

LOCAL_TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "OPTIONS": {
            "loaders": [
                (
                    "django.template.loaders.locmem.Loader",
                    {
                        "first.html": "[first {{ thing }}]",
                        "second.html": "[second {{ thing }}]",
                        "case.html": '<section id="cases">{{ cases }} open cases</section>',
                    },
                )
            ],
        },
    }
]


@pytest.fixture
def slot():
    """A slot of the test's own, emptied afterwards."""
    yield "test.page"
    for panel in panels.panels_in("test.page"):
        panels.unregister("test.page", panel.name)


def render(slot: str, thing: str) -> str:
    request = RequestFactory().get("/")
    template = Template("{% load panels %}{% panels slot thing %}")
    return template.render(Context({"slot": slot, "thing": thing, "request": request}))


@override_settings(TEMPLATES=LOCAL_TEMPLATES)
def test_a_slot_renders_its_panels_by_order_then_name(slot):
    panels.register(slot, "b.second", template="second.html", context=lambda r, o: {"thing": o})
    panels.register(
        slot, "a.first", template="first.html", context=lambda r, o: {"thing": o}, order=5
    )
    assert render(slot, "parcel") == "[first parcel][second parcel]"


@override_settings(TEMPLATES=LOCAL_TEMPLATES)
def test_a_panel_with_nothing_to_show_is_left_out(slot):
    panels.register(slot, "a.first", template="first.html", context=lambda r, o: None)
    panels.register(slot, "b.second", template="second.html", context=lambda r, o: {"thing": o})
    assert render(slot, "parcel") == "[second parcel]"


@override_settings(TEMPLATES=LOCAL_TEMPLATES)
def test_registering_a_name_again_replaces_the_panel(slot):
    panels.register(slot, "a.first", template="first.html", context=lambda r, o: {"thing": 1})
    panels.register(slot, "a.first", template="second.html", context=lambda r, o: {"thing": 2})
    assert render(slot, "x") == "[second 2]"


def test_an_empty_slot_renders_nothing(slot):
    assert render(slot, "parcel") == ""


def test_tracking_and_the_desk_fill_the_order_pages_from_their_app_configs():
    assert [panel.name for panel in panels.panels_in(ORDER_PAGE)] == [
        "tracking.parcels",
        # The warehouse's (issue 16): the pick-list stops, the parcel, the reserved stock.
        "warehouse.packing",
        "warehouse.parcel",
        "warehouse.stock",
        "exceptions.cases",
    ]
    assert [panel.name for panel in panels.panels_in("orders.public_lookup")] == [
        "tracking.parcel_links"
    ]


@pytest.fixture
def shipped_order(db, channel, frozen_now, staff, english):
    order = packed_order()
    actions.create_shipment(order, "zto", "75123456789012", staff["warehouse"])
    return order


def test_the_order_page_shows_lines_and_amounts_before_the_parcels(shipped_order, staff):
    html = text(page_for(staff["analyst"]).get(f"/orders/{shipped_order.number}/"))

    lines, total = html.index('id="lines-title"'), html.index('class="amounts-total"')
    parcels = html.index('<h2 id="parcels-title" class="card-title">Parcels')
    assert lines < total < parcels


def test_another_app_adds_its_panel_to_the_order_page_the_same_way(shipped_order, staff):
    # What the exception desk does in its AppConfig.ready(), under a name of its own so
    # the desk's real panel stays registered for the tests after this one.
    panels.register(
        ORDER_PAGE,
        "elsewhere.cases",
        template="tracking/_public_parcel_links.html",
        context=lambda request, order: {
            "parcels": [
                {
                    "carrier": "zto",
                    "carrier_name": f"cases of {order.number}",
                    "tracking_number": "",
                    "status_label": request.user.get_username(),
                }
            ]
        },
        order=20,
    )
    try:
        html = text(page_for(staff["analyst"]).get(f"/orders/{shipped_order.number}/"))
    finally:
        panels.unregister(ORDER_PAGE, "elsewhere.cases")

    assert html.index('id="parcels-title"') < html.index(f"cases of {shipped_order.number}")
    assert "analyst ›" in html


def test_the_parcels_card_is_left_out_for_those_who_cannot_ship_before_hand_over(
    db, channel, frozen_now, staff, english
):
    order = packed_order()
    assert 'id="parcels-title"' not in text(
        page_for(staff["analyst"]).get(f"/orders/{order.number}/")
    )
    assert 'id="parcels-title"' in text(
        page_for(staff["warehouse"]).get(f"/orders/{order.number}/")
    )
