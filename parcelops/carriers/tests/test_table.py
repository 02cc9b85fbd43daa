"""Carriers as data: the table seeded from the built-in list, a carrier added in the admin
without a release, every process seeing the change, and a provider's code mapped by staff."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import transaction
from django.test import Client

from parcelops.audit.models import AuditRecord
from parcelops.carriers import actions, registry
from parcelops.carriers.detection import detect_carriers, guess_is_valid_format
from parcelops.carriers.models import Carrier
from parcelops.core.errors import InputError, NotPermittedError

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

seed_migration = importlib.import_module(
    "parcelops.carriers.migrations.0002_seed_built_in_carriers"
)

ACME = {
    "code": "acme",
    "name_zh": "极速达快递",
    "name_en": "Acme Parcels",
    "country": "CN",
    "time_zone": "Asia/Urumqi",
    "provider_codes": '{"kuaidi100": ["jisuda"], "aftership": ["acme-cn"]}',
    "aliases": '["ACP"]',
    "tracking_number_pattern": r"^AC\d{10}$",
    "is_active": "on",
    # Carrier choice's fields, as the form's defaults fill them in, and its price table.
    "coverage": '["广东省", "HK"]',
    "services": '["insurance"]',
    "default_transit_hours_p50": "48",
    "default_transit_hours_p90": "96",
    "volumetric_divisor": "6000",
    "price_rules-TOTAL_FORMS": "0",
    "price_rules-INITIAL_FORMS": "0",
}


@pytest.fixture
def superuser() -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("root", "root@example.com", "pw-root-123"))
    return client


def test_the_seed_writes_the_built_in_carriers_once():
    Carrier.objects.all().delete()  # as a flushed test database has it
    seed_migration.seed(apps, None)
    seed_migration.seed(apps, None)  # again: nothing doubles

    assert tuple(row.info() for row in Carrier.objects.all()) == registry.CARRIERS


def test_the_carriers_come_from_the_table():
    Carrier.objects.filter(code="ups").update(name_en="UPS United")
    registry.forget_loaded_carriers()

    assert registry.carrier("ups").name_en == "UPS United"


def test_an_empty_table_falls_back_to_the_built_in_list():
    Carrier.objects.all().delete()
    registry.forget_loaded_carriers()

    assert registry.carriers() == registry.CARRIERS


def test_an_administrator_adds_a_carrier_and_every_lookup_knows_it_at_once(superuser):
    registry.carriers()  # this process has loaded the table before

    response = superuser.post("/admin/carriers/carrier/add/", ACME)

    assert response.status_code == 302, response.content.decode()
    assert registry.resolve_carrier("acp") == "acme"
    assert registry.resolve_carrier("极速达") == "acme"  # the usual suffix left out
    assert registry.from_provider_code("kuaidi100", "jisuda") == "acme"
    assert str(registry.carrier_zone("acme")) == "Asia/Urumqi"
    assert detect_carriers("ac-1234567890")[0].code == "acme"
    assert guess_is_valid_format("acme", "AC1234567890")
    assert not guess_is_valid_format("acme", "75123456789012")
    (record,) = AuditRecord.objects.filter(action="carrier.added")
    assert record.object_id == str(Carrier.objects.get(code="acme").pk)


def test_the_carriers_api_lists_the_table(superuser, staff, api):
    superuser.post("/admin/carriers/carrier/add/", ACME)

    body = api(staff["analyst"]).get("/api/v1/carriers").json()

    assert body["count"] == 15
    assert body["results"][-1]["code"] == "acme"
    assert body["results"][-1]["tracking_number_pattern"] == r"^AC\d{10}$"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"code": "Acme Parcels"}, "code", "Lower-case letters, digits and dashes"),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "Not a time zone"),
        ({"country": "cn"}, "country", "Two capital letters"),
        ({"provider_codes": '["jisuda"]'}, "provider_codes", "An object of lists of codes"),
        ({"aliases": '"ACP"'}, "aliases", "A list of names"),
        ({"tracking_number_pattern": "^AC(\\d{10}$"}, "tracking_number_pattern", "Not a regular"),
        ({"aliases": '["YTO"]'}, "aliases", "“YTO” already names yto."),
        (
            {"provider_codes": '{"kuaidi100": ["shunfeng"]}'},
            "provider_codes",
            "kuaidi100 code “shunfeng” is sf-express's.",
        ),
    ],
)
def test_the_admin_refuses_a_carrier_that_cannot_be_right(superuser, changes, field, message):
    response = superuser.post("/admin/carriers/carrier/add/", {**ACME, **changes})

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert message in errors[field][0]
    assert not Carrier.objects.filter(name_en="Acme Parcels").exists()


def test_another_process_sees_a_change_once_the_shared_version_moves(
    monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(registry, "CHECK_SECONDS", 0)  # ask the shared cache at every lookup
    assert registry.carrier("ups").name_en == "UPS"
    # Another process changes the row and moves the version; this one has not heard yet.
    Carrier.objects.filter(code="ups").update(name_en="UPS United")

    with django_assert_num_queries(0):  # same version: the copy in memory answers
        assert registry.carrier("ups").name_en == "UPS"
    cache.set(registry.VERSION_KEY, "moved by another process")
    assert registry.carrier("ups").name_en == "UPS United"


def test_lookups_between_checks_ask_neither_the_cache_nor_the_table(django_assert_num_queries):
    registry.carriers()
    cache.set(registry.VERSION_KEY, "moved")  # seen only at the next check

    with django_assert_num_queries(0):
        for _ in range(1000):
            assert registry.from_provider_code("kuaidi100", "shunfeng") == "sf-express"
            assert str(registry.carrier_zone("dhl")) == "Europe/Berlin"


# --- add_provider_code: staff map a code a push named ------------------------------------


def test_a_provider_code_is_mapped_once_audited_and_used_at_once(staff):
    assert registry.from_provider_code("kuaidi100", "zhongtongkuaiyun") is None

    row = actions.add_provider_code(
        "zto", "kuaidi100", " ZhongTongKuaiYun ", staff["logistics_staff"]
    )
    again = actions.add_provider_code(
        "zto", "kuaidi100", "zhongtongkuaiyun", staff["logistics_staff"]
    )

    assert row.provider_codes["kuaidi100"] == ["zhongtong", "zhongtongkuaiyun"]
    assert again.provider_codes == row.provider_codes
    assert registry.from_provider_code("kuaidi100", "zhongtongkuaiyun") == "zto"
    (record,) = AuditRecord.objects.filter(action="carrier.provider_code_added")
    assert record.actor_label == "logistics_staff"


def test_a_provider_code_of_a_new_provider_starts_its_list(staff):
    actions.add_provider_code("sf-express", "cainiao", "SF", staff["logistics_staff"])

    assert registry.from_provider_code("cainiao", "sf") == "sf-express"


def test_a_code_another_carrier_has_or_an_unknown_carrier_is_refused(staff):
    with pytest.raises(InputError) as taken:
        actions.add_provider_code("zto", "kuaidi100", "shunfeng", staff["logistics_staff"])
    with pytest.raises(InputError) as unknown:
        actions.add_provider_code("pigeon", "kuaidi100", "gezi", staff["logistics_staff"])

    assert [(e.field, e.message) for e in taken.value.errors] == [
        ("provider_code", "kuaidi100 code “shunfeng” is sf-express's.")
    ]
    assert unknown.value.errors[0].field == "carrier"
    assert unknown.value.errors[0].message.startswith("Unknown carrier “pigeon”.")
    assert Carrier.objects.get(code="zto").provider_codes["kuaidi100"] == ["zhongtong"]


def test_mapping_a_provider_code_needs_a_shipping_role(staff):
    with pytest.raises(NotPermittedError):
        actions.add_provider_code("zto", "kuaidi100", "zt", staff["analyst"])


def test_a_committed_change_moves_the_shared_version(staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        actions.add_provider_code("zto", "kuaidi100", "zt", staff["logistics_staff"])

    assert cache.get(registry.VERSION_KEY) is not None


def test_a_rolled_back_change_is_forgotten_at_the_next_check(staff, monkeypatch):
    monkeypatch.setattr(registry, "CHECK_SECONDS", 0)

    def map_then_fail() -> None:
        with transaction.atomic():
            actions.add_provider_code("zto", "kuaidi100", "zt-undone", staff["logistics_staff"])
            assert registry.from_provider_code("kuaidi100", "zt-undone") == "zto"
            raise RuntimeError

    with pytest.raises(RuntimeError):
        map_then_fail()

    assert registry.from_provider_code("kuaidi100", "zt-undone") is None
