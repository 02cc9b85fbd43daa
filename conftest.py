"""Fixtures shared by every app's tests: people in each role, a channel, a valid order."""

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from hypothesis import settings as hypothesis_settings

from parcelops.accounts.models import StaffProfile
from parcelops.accounts.roles import ROLES

# No deadline per example: tests never assert timings (speed is measured in bench/), and a
# busy machine made a 200 ms deadline fail a correct calendar test.
hypothesis_settings.register_profile("parcelops", deadline=None)
hypothesis_settings.load_profile("parcelops")

FIXED_NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


@pytest.fixture(autouse=True)
def _isolated_settings(settings, tmp_path):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True  # tasks run inline, in memory: no queue file, no worker
    settings.MEDIA_ROOT = tmp_path / "uploads"
    settings.PARCELOPS_AUDIT_WITNESS = tmp_path / "audit_witness"  # each test's chain is new
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed
    settings.AXES_ENABLED = True
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _fresh_carriers():
    """Each test reads the Carrier table afresh: a carrier another test added and rolled
    back must not linger in this process's copy."""
    from parcelops.carriers import registry

    registry.forget_loaded_carriers()
    yield
    registry.forget_loaded_carriers()


@pytest.fixture(autouse=True)
def _fresh_desk_settings():
    """Each test reads the desk's SLA settings and calendar afresh, as it does the carriers."""
    from parcelops.exceptions import sla

    sla.forget_desk_settings()
    yield
    sla.forget_desk_settings()


@pytest.fixture(autouse=True)
def _fresh_thresholds():
    """Each test reads the thresholds afresh: rows another test wrote and rolled back must
    not linger in this process's copy (parcelops.exceptions.thresholds)."""
    from parcelops.exceptions import thresholds

    thresholds.forget_loaded_thresholds()
    yield
    thresholds.forget_loaded_thresholds()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """Load the carriers and the desk's thresholds before the test body (so no
    query-counting block pays for them); a test without the database gets the built-in
    carriers and the default thresholds, as a process before migrate does."""
    from parcelops.carriers import registry
    from parcelops.exceptions import thresholds

    try:
        registry.carriers()
        thresholds.lowest_limits("")
    except RuntimeError:  # pytest-django: this test may not use the database
        with registry.built_in_carriers_only(), thresholds.default_thresholds_only():
            yield
        return
    yield


@pytest.fixture
def make_staff(db):
    def make(
        username: str,
        *roles: str,
        skills: list[str] | None = None,
        workload_limit: int = 50,
        on_shift: bool = True,
    ) -> User:
        user = User.objects.create_user(username=username, password="correct-horse-battery")
        user.groups.set(Group.objects.filter(name__in=roles))
        StaffProfile.objects.create(
            user=user,
            skills=skills if skills is not None else ["normal", "large", "special"],
            workload_limit=workload_limit,
            is_on_shift=on_shift,
        )
        return user

    return make


@pytest.fixture
def staff(make_staff) -> dict[str, User]:
    """One person per role, named after the role."""
    return {role: make_staff(role, role) for role in ROLES}


@pytest.fixture
def channel(db):
    from parcelops.orders.models import Channel

    return Channel.objects.create(code="web", name="Web shop", kind="web")


VALID_ORDER: dict[str, Any] = {
    "channel": "web",
    "external_id": "W-1001",
    "placed_at": "2026-11-25T09:30:00+08:00",
    "customer": {
        "name": "王小明",
        "phone": "13812345678",
        "email": "xm.wang@example.com",
        "tier": "regular",
    },
    "shipping_address": {
        "province": "浙江省",
        "city": "杭州市",
        "district": "西湖区",
        "street": "文三路 100 号 5 幢 301",
        "postal_code": "310012",
        "country": "CN",
    },
    "lines": [
        {"sku": "TEA-001", "name": "西湖龙井 250g", "quantity": 2, "unit_price": "168.00"},
        {"sku": "CUP-002", "name": "玻璃茶杯", "quantity": 1, "unit_price": "39.90"},
    ],
    "discount": "20.00",
    "shipping_fee": "10.00",
    "total": "365.90",
    "currency": "CNY",
}


@pytest.fixture
def order_payload() -> dict[str, Any]:
    return copy.deepcopy(VALID_ORDER)


@pytest.fixture
def frozen_now():
    import time_machine

    with time_machine.travel(FIXED_NOW, tick=False) as traveller:
        yield traveller


def api_client(user: User | None = None) -> Client:
    """A client speaking to the API with a bearer token of the user."""
    if user is None:
        return Client()
    from parcelops.accounts.actions import create_api_token

    return Client(headers={"Authorization": f"Bearer {create_api_token(user)}"})


@pytest.fixture
def api():
    return api_client


@pytest.fixture
def english(settings):
    """Answers and messages in English, so tests can assert exact texts once translations exist."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _stocked_shelves(request):
    """Orders of other apps' tests walk through allocation without being about stock: the
    keeper tops their stock up first (parcelops.warehouse.testing), then reserves for real.
    The warehouse's and the demo's own tests, and any test marked `real_stock`, keep the
    shelves as they made them."""
    path = str(request.node.path)
    if request.node.get_closest_marker("real_stock") or any(
        part in path for part in ("/parcelops/warehouse/", "/parcelops/demo/")
    ):
        yield
        return
    from parcelops.orders import stock_hooks
    from parcelops.warehouse.actions.stock_reservations import Keeper
    from parcelops.warehouse.testing import StockedShelvesKeeper

    stock_hooks.set_stock_keeper(StockedShelvesKeeper())
    yield
    stock_hooks.set_stock_keeper(Keeper())
