"""Adding sales channels: what a fresh production install needs before it takes orders."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import translation

from parcelops.audit.models import AuditRecord
from parcelops.core.errors import FieldError, InputError, NotPermittedError
from parcelops.orders import actions
from parcelops.orders.models import Channel, Order
from parcelops.orders.tests.factories import intake_payload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "frozen_now")]

CODE_RULE = "The code must be 1 to 40 lower-case letters, digits, hyphens or underscores."


def test_the_command_adds_a_channel_that_intake_then_accepts(staff, api, capsys):
    processor: Client = api(staff["order_processor"])
    refused = processor.post("/api/v1/orders", intake_payload(), content_type="application/json")
    assert refused.status_code == 422
    assert refused.json() == {
        "errors": [
            {
                "field": "channel",
                "message": "Unknown or inactive channel “web”: an administrator adds it on the"
                " admin page (/admin/orders/channel/) or with `parcelops channels add web NAME`.",
            }
        ]
    }

    call_command("channels", "add", "web", "官网商城", "--name-en", "Web shop")

    assert capsys.readouterr().out == "channel web added: orders may now name it\n"
    channel = Channel.objects.get(code="web")
    assert (channel.name, channel.name_en, channel.kind, channel.is_active) == (
        "官网商城",
        "Web shop",
        "web",
        True,
    )
    taken = processor.post("/api/v1/orders", intake_payload(), content_type="application/json")
    assert taken.status_code == 201
    assert Order.objects.get().channel == channel


def test_adding_a_channel_is_audited():
    channel = actions.add_channel("jd", "京东", kind="marketplace", name_en="JD.com")

    record = AuditRecord.objects.get(action="channel.added")
    assert (record.object_type, record.object_id) == ("orders.channel", str(channel.pk))
    assert record.detail == {
        "code": "jd",
        "name": "京东",
        "name_en": "JD.com",
        "kind": "marketplace",
    }


def test_the_command_lists_the_channels(capsys):
    actions.add_channel("web", "官网商城")
    actions.add_channel("app", "App", kind="app")
    Channel.objects.filter(code="app").update(is_active=False)

    call_command("channels", "list")

    assert capsys.readouterr().out == "app\tApp\tapp\tinactive\nweb\t官网商城\tweb\tactive\n"


@pytest.mark.parametrize(
    ("code", "name", "kind", "errors"),
    [
        ("Web Shop", "官网", "web", [FieldError("code", CODE_RULE)]),
        ("", "官网", "web", [FieldError("code", CODE_RULE)]),
        ("w" * 41, "官网", "web", [FieldError("code", CODE_RULE)]),
        ("web", "  ", "web", [FieldError("name", "The name must have 1 to 100 characters.")]),
        (
            "web",
            "官网",
            "fax",
            [
                FieldError(
                    "kind",
                    "Unknown kind: choose one of web, app, mini_program, marketplace, offline.",
                )
            ],
        ),
    ],
)
def test_a_bad_channel_is_refused_and_nothing_is_written(code, name, kind, errors):
    with pytest.raises(InputError) as refused:
        actions.add_channel(code, name, kind=kind)

    assert refused.value.errors == errors
    assert Channel.objects.count() == 0
    assert AuditRecord.objects.count() == 0


def test_a_code_taken_already_is_refused_in_one_line():
    actions.add_channel("web", "官网商城")

    with pytest.raises(CommandError) as refused:
        call_command("channels", "add", "web", "Another")

    assert str(refused.value) == "A channel with the code “web” exists already."
    assert list(Channel.objects.values_list("name", flat=True)) == ["官网商城"]
    assert AuditRecord.objects.filter(action="channel.added").count() == 1


def test_only_a_role_that_may_add_channels_adds_one(staff):
    with pytest.raises(NotPermittedError):
        actions.add_channel("web", "官网商城", actor=staff["order_processor"])

    assert Channel.objects.count() == 0


def test_the_unknown_channel_message_is_in_chinese_for_chinese_callers():
    with translation.override("zh-hans"), pytest.raises(InputError) as refused:
        actions.intake_order(intake_payload(channel="jd"))

    assert refused.value.errors == [
        FieldError(
            "channel",
            "未知或已停用的渠道“jd”：请管理员在管理后台（/admin/orders/channel/）添加，"
            "或运行 `parcelops channels add jd 名称`。",
        )
    ]
