"""The Chinese catalogue: complete, compiled, and what people see in each language.

Chinese (zh-hans) is the default language; English is the other. The pages and the API
answer in the language the browser asks for (Accept-Language or the language cookie).
"""

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from parcelops.orders import actions
from parcelops.orders.models import Order

LC_MESSAGES = Path(settings.LOCALE_PATHS[0]) / "zh_Hans" / "LC_MESSAGES"
PO_FILE = LC_MESSAGES / "django.po"
MO_FILE = LC_MESSAGES / "django.mo"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdr]|%[sdr]|\{\w*\}")
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


@dataclass
class Entry:
    """One message of a .po file."""

    context: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file, the header first; obsolete (#~) entries are left out."""
    entries: list[Entry] = []
    entry, target = Entry(), ""
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if target:
                entries.append(entry)
            entry, target = Entry(), ""
        elif line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            append(entry, target, ast.literal_eval(line))
        else:
            target, _, quoted = line.partition(" ")
            if target.startswith("msgstr"):
                entry.msgstr.append("")
            append(entry, target, ast.literal_eval(quoted))
    return entries


def append(entry: Entry, target: str, text: str) -> None:
    if target == "msgctxt":
        entry.context = (entry.context or "") + text
    elif target == "msgid":
        entry.msgid += text
    elif target == "msgid_plural":
        entry.msgid_plural = (entry.msgid_plural or "") + text
    else:  # msgstr or msgstr[n]
        entry.msgstr[-1] += text


@pytest.fixture(scope="module")
def catalogue() -> list[Entry]:
    header, *messages = read_po(PO_FILE)
    assert header.msgid == ""
    assert "Language: zh_Hans\n" in header.msgstr[0]
    assert "Plural-Forms: nplurals=1; plural=0;\n" in header.msgstr[0]
    assert "fuzzy" not in header.flags
    return messages


# --- the catalogue -----------------------------------------------------------------------------


def test_every_message_has_a_chinese_translation_and_none_is_fuzzy(catalogue):
    untranslated = [e.msgid for e in catalogue if not e.msgstr or not all(e.msgstr)]
    fuzzy = [e.msgid for e in catalogue if "fuzzy" in e.flags]

    assert len(catalogue) > 400  # every app's strings were collected, not one app's
    assert (untranslated, fuzzy) == ([], [])


def test_chinese_has_one_plural_form(catalogue):
    plurals = [e for e in catalogue if e.msgid_plural is not None]

    assert plurals
    assert [e.msgid for e in plurals if len(e.msgstr) != 1] == []


def test_every_translation_keeps_the_placeholders_of_its_message(catalogue):
    broken = [
        e.msgid
        for e in catalogue
        for translated in e.msgstr
        if sorted(PLACEHOLDER.findall(translated))
        != sorted(PLACEHOLDER.findall(e.msgid_plural or e.msgid))
    ]

    assert broken == []


def test_the_compiled_catalogue_has_every_translation_of_the_po_file(catalogue):
    """The committed .mo is what Django reads: a .po edited without compiling is caught."""
    with MO_FILE.open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)

    def looked_up(e: Entry) -> str:
        if e.msgid_plural is not None and e.context is not None:
            return compiled.npgettext(e.context, e.msgid, e.msgid_plural, 1)
        if e.msgid_plural is not None:
            return compiled.ngettext(e.msgid, e.msgid_plural, 1)
        if e.context is not None:
            return compiled.pgettext(e.context, e.msgid)
        return compiled.gettext(e.msgid)

    stale = [e.msgid for e in catalogue if looked_up(e) != e.msgstr[0]]

    assert stale == []


# --- what people see ---------------------------------------------------------------------------


def asking_for(language: str, user=None) -> Client:
    client = Client(headers={"Accept-Language": language})
    if user is not None:
        client.force_login(user, backend=MODEL_BACKEND)
    return client


@pytest.mark.django_db
def test_the_sign_in_page_is_chinese_for_a_chinese_browser():
    html = asking_for("zh-hans").get("/accounts/login/").content.decode()

    assert '<html lang="zh-hans"' in html
    assert "<title>登录 · ParcelOps</title>" in html
    assert "<h1>登录 ParcelOps</h1>" in html
    assert '<label for="id_username">用户名</label>' in html
    assert '<label for="id_password">密码</label>' in html


@pytest.mark.django_db
def test_the_sign_in_page_is_english_for_an_english_browser():
    html = asking_for("en").get("/accounts/login/").content.decode()

    assert '<html lang="en"' in html
    assert "<h1>Sign in to ParcelOps</h1>" in html
    assert '<label for="id_username">Username</label>' in html
    assert "登录" not in html


@pytest.mark.django_db
def test_a_wrong_password_is_refused_in_djangos_own_chinese(staff):
    response = asking_for("zh-hans").post(
        "/accounts/login/", {"username": "order_processor", "password": "wrong"}
    )

    assert response.status_code == 200
    assert (
        "<p>请输入一个正确的用户名和密码。注意，两者都区分大小写。</p>" in response.content.decode()
    )


@pytest.fixture
def an_order(staff, channel, order_payload, frozen_now) -> Order:
    return actions.intake_order(order_payload, None).order


@pytest.mark.django_db
def test_the_order_list_is_chinese_for_a_chinese_browser(staff, an_order):
    response = asking_for("zh-hans", staff["order_processor"]).get("/orders/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>订单</h1>" in html
    assert "共 1 笔订单" in html
    assert '<th scope="col" class="col-secondary">接收时间</th>' in html
    assert "已付款，处理中</span>" in html
    assert '<span class="cell-sub col-secondary">普通订单</span>' in html
    assert '<a class="state-chip is-current" href="/orders/" aria-current="true">全部 ' in html


@pytest.mark.django_db
def test_the_order_list_is_english_for_an_english_browser(staff, an_order):
    response = asking_for("en", staff["order_processor"]).get("/orders/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Orders</h1>" in html
    assert "1 order" in html
    assert "Paid, being processed</span>" in html
    assert '<span class="cell-sub col-secondary">Normal</span>' in html


@pytest.mark.django_db
def test_the_language_cookie_outweighs_a_chinese_browser(staff, an_order):
    client = asking_for("zh-hans", staff["order_processor"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = client.get("/orders/").content.decode()

    assert "<h1>Orders</h1>" in html
    assert "<h1>订单</h1>" not in html


@pytest.mark.django_db
def test_the_public_lookup_is_chinese_for_a_chinese_browser():
    client = asking_for("zh-hans")

    form = client.get("/track/order/").content.decode()
    not_found = client.post(
        "/track/order/", {"number": "PO000000000000", "phone_last4": "5678"}
    ).content.decode()

    assert "<h1>订单查询</h1>" in form
    assert "请输入订单号和下单手机号的后 4 位。" in form
    assert ">查询订单</button>" in form
    assert "未找到与该订单号和手机号匹配的订单。请检查后重试。" in not_found


@pytest.mark.django_db
def test_the_public_lookup_is_english_with_the_english_cookie():
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = client.get("/track/order/").content.decode()

    assert "<h1>Track your order</h1>" in html
    assert ">Show my order</button>" in html
    assert "订单查询" not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "message"), [("zh-hans", "此项为必填项。"), ("en", "This field is required.")]
)
def test_the_api_explains_a_missing_field_in_the_asked_language(
    staff, channel, order_payload, frozen_now, api, language, message
):
    del order_payload["external_id"]

    response = api(staff["order_processor"]).post(
        "/api/v1/orders",
        order_payload,
        content_type="application/json",
        headers={"Accept-Language": language},
    )

    assert response.status_code == 422
    assert response.json() == {"errors": [{"field": "external_id", "message": message}]}
    assert Order.all_objects.count() == 0
