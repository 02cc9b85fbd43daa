"""The thresholds page: everyone who sees cases reads it, the desk's managers change it;
bad input is refused with its reason and changes nothing; every change is audited."""

import re
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from parcelops.audit.models import AuditRecord
from parcelops.exceptions import threshold_actions, thresholds
from parcelops.exceptions.kinds import Measure
from parcelops.exceptions.models import DeskSettings, LearnedThreshold, Threshold
from parcelops.orders.tests.pages import error_after, messages_of, page_for, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "frozen_now")]

PAGE = "/exceptions/settings/thresholds/"
SAVE = PAGE + "save/"


@pytest.fixture
def head(staff):
    return page_for(staff["logistics_head"])


@pytest.fixture
def logistics(staff):
    return page_for(staff["logistics_staff"])


def threshold_rows() -> list[tuple[str, str, str, str, str, float]]:
    return [
        (t.measure, t.carrier, t.service, t.origin_province, t.destination_province, t.hours)
        for t in Threshold.objects.order_by("id")
    ]


def audit_actions() -> list[str]:
    return list(AuditRecord.objects.values_list("action", flat=True))


def post_threshold(client, measure: str = "stall", **fields: str):
    data = {"measure": measure, **{f"{measure}-{name}": value for name, value in fields.items()}}
    return client.post(SAVE, data)


# --- reading ---------------------------------------------------------------------------------


def test_the_page_shows_each_measure_with_its_default_for_the_desk(head):
    response = head.get(PAGE)

    assert response.status_code == 200
    html = text(response)
    assert "Detection thresholds" in html
    for measure in Measure:
        assert f'id="measure-{measure.value}"' in html
    stall = html[html.index('id="measure-stall"') : html.index('id="measure-lost"')]
    assert "Hours without a scan in transit" in stall
    assert "Default: 48 h." in stall
    assert "Add a threshold" in stall
    assert "Learn now" in html


def test_logistics_staff_read_the_page_without_the_forms(logistics):
    configure = threshold_actions.save_threshold(
        None, measure=Measure.STALL, hours=36, carrier="ZTO"
    )

    response = logistics.get(PAGE)

    assert response.status_code == 200
    html = text(response)
    assert "ZTO Express" in html
    assert "36" in html
    assert "Add a threshold" not in html
    assert "Learn now" not in html
    assert f"/{configure.pk}/delete/" not in html


@pytest.mark.parametrize("role", ["warehouse", "order_processor"])
def test_roles_that_see_no_cases_are_refused_the_page(staff, role):
    assert page_for(staff[role]).get(PAGE).status_code == 403


def test_a_visitor_is_sent_to_sign_in(db):
    response = page_for(None).get(PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_page_costs_the_same_few_queries_however_many_thresholds(head):
    for carrier in ("zto", "yto", "sto"):
        threshold_actions.save_threshold(None, measure="stall", hours=30, carrier=carrier)
    head.get(PAGE)  # the session and the user
    with CaptureQueriesContext(connection) as few:
        head.get(PAGE)
    for carrier in ("jd", "ems", "deppon"):
        threshold_actions.save_threshold(None, measure="lost", hours=300, carrier=carrier)
    with CaptureQueriesContext(connection) as more:
        head.get(PAGE)

    assert len(more) == len(few)


# --- changing ------------------------------------------------------------------------------------


def test_the_desks_manager_adds_a_threshold_naming_the_carrier_any_way(head):
    response = post_threshold(
        head,
        carrier="中通",
        service="标快",
        origin_province="浙江省",
        destination_province="上海市",
        hours="36.5",
    )

    assert response.status_code == 302
    assert response["Location"] == PAGE + "#measure-stall"
    assert threshold_rows() == [("stall", "zto", "标快", "浙江省", "上海市", 36.5)]
    assert audit_actions()[-1] == "threshold.saved"
    assert thresholds.limits_for("zto", "标快", "浙江", "上海").stall == 36.5
    followed = head.get(PAGE)
    assert messages_of(followed) == ["The threshold is saved."]


def test_a_threshold_is_changed_from_its_row_and_then_deleted(head):
    saved = threshold_actions.save_threshold(None, measure="customs", hours=96, carrier="ems")

    editing = text(head.get(f"{PAGE}?edit={saved.pk}"))
    assert "Change the threshold" in editing
    assert f'name="customs-id" value="{saved.pk}"' in editing
    assert 'name="customs-hours" value="96.0"' in editing
    response = post_threshold(head, "customs", id=str(saved.pk), carrier="ems", hours="120")
    assert response.status_code == 302
    assert threshold_rows() == [("customs", "ems", "", "", "", 120.0)]

    deleted = head.post(f"{PAGE}{saved.pk}/delete/", {"measure": "customs"})

    assert deleted.status_code == 302
    assert deleted["Location"] == PAGE + "#measure-customs"
    assert threshold_rows() == []
    assert audit_actions()[-3:] == ["threshold.saved", "threshold.saved", "threshold.deleted"]


def test_logistics_staff_may_not_change_thresholds(logistics):
    saved = threshold_actions.save_threshold(None, measure="stall", hours=30)

    assert post_threshold(logistics, carrier="zto", hours="12").status_code == 403
    assert logistics.post(f"{PAGE}{saved.pk}/delete/").status_code == 403
    assert logistics.post(PAGE + "learn/").status_code == 403
    assert (
        logistics.post(PAGE + "learning/", {"percentile": "90", "min_samples": "5"}).status_code
        == 403
    )
    assert threshold_rows() == [("stall", "", "", "", "", 30.0)]
    assert not DeskSettings.objects.exists()


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ("-5", "Must be more than 0 and at most 8784 hours."),
        ("0", "Must be more than 0 and at most 8784 hours."),
        ("9000", "Must be more than 0 and at most 8784 hours."),
        ("abc", "Enter a number."),
        ("", "This field is required."),
    ],
)
def test_bad_hours_are_refused_and_change_nothing(head, hours, message):
    before = audit_actions()

    response = post_threshold(head, carrier="zto", hours=hours)

    assert response.status_code == 422
    assert error_after(text(response), "stall-hours") == [message]
    assert threshold_rows() == []
    assert audit_actions() == before


def test_an_unknown_carrier_is_refused_with_the_registrys_words(head):
    response = post_threshold(head, carrier="ZTOO", hours="12")

    assert response.status_code == 422
    [message] = error_after(text(response), "stall-carrier")
    assert message.startswith("Unknown carrier “ZTOO”. The closest known carriers: ")
    assert "ZTO Express (zto)" in message
    assert threshold_rows() == []


def test_a_service_needs_its_carrier_and_a_lane_has_one_threshold_per_measure(head):
    alone = post_threshold(head, service="标快", hours="12")
    assert alone.status_code == 422
    assert error_after(text(alone), "stall-service") == ["A service needs its carrier."]

    assert post_threshold(head, carrier="zto", hours="12").status_code == 302
    again = post_threshold(head, carrier="ZTO Express", hours="20")

    assert again.status_code == 422
    assert error_after(text(again), "stall-hours") == [
        "This carrier, service and lane have a threshold for this measure already."
    ]
    assert threshold_rows() == [("stall", "zto", "", "", "", 12.0)]


def test_an_unknown_measure_or_a_gone_threshold_is_refused(head):
    unknown = head.post(SAVE, {"measure": "speed", "speed-hours": "3"})
    assert unknown.status_code == 422
    assert "Unknown measure." in text(unknown)

    gone = post_threshold(head, id="999", hours="3")
    assert gone.status_code == 422
    assert "This threshold no longer exists." in text(gone)

    deleted = head.post(f"{PAGE}999/delete/")
    assert deleted.status_code == 422
    assert "This threshold no longer exists." in text(deleted)


def test_the_action_refuses_bad_hours_from_any_caller(db):
    with pytest.raises(threshold_actions.InputError) as refused:
        threshold_actions.save_threshold(None, measure="stall", hours=float("inf"))

    assert [e.as_dict() for e in refused.value.errors] == [
        {"field": "hours", "message": "Enter a number of hours."}
    ]


# --- learning ---------------------------------------------------------------------------------


def test_learned_values_stand_beside_the_default_with_their_samples(head):
    LearnedThreshold.objects.create(
        carrier="zto",
        origin_province="浙江省",
        destination_province="上海市",
        measure="stall",
        hours=12.5,
        samples=40,
        computed_at=datetime(2026, 11, 24, 20, 10, tzinfo=UTC),
    )

    html = text(head.get(PAGE))

    stall = html[html.index('id="measure-stall"') : html.index('id="measure-lost"')]
    row = re.sub(r"\s+", " ", stall[stall.index("浙江省") - 200 :])
    assert "ZTO Express" in row
    assert '24 <span class="cell-sub">measured 12.5</span>' in row
    assert ">48<" in row
    assert ">40<" in row
    assert "2026-11-25 04:10" in row  # in the shop's zone
    assert "in use</span>" not in row


def test_the_manager_turns_learning_on_and_learns_now(head):
    response = head.post(
        PAGE + "learning/", {"use_learned": "on", "percentile": "90", "min_samples": "5"}
    )

    assert response.status_code == 302
    desk = DeskSettings.objects.get(pk=1)
    assert (desk.use_learned_thresholds, desk.learning_percentile, desk.learning_min_samples) == (
        True,
        90.0,
        5,
    )
    assert desk.warning_fractions == [0.5, 0.8]  # the desk's defaults for the rest
    learned = head.post(PAGE + "learn/")
    assert learned.status_code == 302
    assert messages_of(head.get(PAGE))[-1] == "Learned from history: 0 lane thresholds."
    assert audit_actions()[-2:] == ["thresholds.learning_set", "thresholds.learned"]


@pytest.mark.parametrize(
    ("percentile", "min_samples", "field", "message"),
    [
        ("0", "5", "percentile", "Must be more than 0 and at most 100."),
        ("101", "5", "percentile", "Must be more than 0 and at most 100."),
        ("90", "0", "min_samples", "Must be a whole number from 1 to 1000000."),
        ("90", "2.5", "min_samples", "Enter a whole number."),
    ],
)
def test_bad_learning_settings_are_refused_and_change_nothing(
    head, percentile, min_samples, field, message
):
    response = head.post(PAGE + "learning/", {"percentile": percentile, "min_samples": min_samples})

    assert response.status_code == 422
    assert error_after(text(response), field) == [message]
    assert not DeskSettings.objects.exists()


def test_the_page_speaks_chinese(staff):
    from django.test import Client

    chinese = Client(headers={"Accept-Language": "zh-hans"})
    chinese.force_login(staff["logistics_head"])
    threshold_actions.save_threshold(None, measure="stall", hours=30, carrier="zto")

    html = text(chinese.get(PAGE))

    assert "异常检测阈值" in html
    assert "运输途中无扫描的小时数" in html
    assert "默认值：48 小时。" in html
    assert "中通快递" in html
    refused = text(post_threshold(chinese, carrier="zto", hours="-1"))
    assert "必须大于 0 且不超过 8784 小时。" in refused
