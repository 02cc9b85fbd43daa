"""API tokens: shown once, stored only as a hash, refused once revoked or for inactive users;
remembered by each process for at most five seconds."""

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group, User
from django.db import connection

from parcelops.accounts import roles
from parcelops.accounts.actions import create_api_token, revoke_api_token, set_staff_roles
from parcelops.accounts.models import ApiToken, hash_token
from parcelops.accounts.tokens import user_for_token
from parcelops.audit.models import AuditRecord

pytestmark = pytest.mark.django_db


def test_a_new_token_is_returned_once_and_only_its_hash_is_stored(make_staff):
    user = make_staff("processor", "order_processor")

    raw = create_api_token(user, name="shop connector")

    assert raw.startswith("pops_")
    assert len(raw) == len("pops_") + 43
    token = ApiToken.objects.get(user=user)
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest() == hash_token(raw)
    assert (token.name, token.prefix, token.revoked_at) == ("shop connector", raw[:12], None)
    assert token.is_active
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apitoken WHERE id = %s", [token.pk])
        row = cursor.fetchone()
    assert raw not in " ".join(str(value) for value in row)
    record = AuditRecord.objects.get(action="token.created")
    assert (record.object_type, record.object_id) == ("accounts.apitoken", str(token.pk))
    assert raw not in str(record.detail)


def test_every_token_is_different(make_staff):
    user = make_staff("processor", "order_processor")

    tokens = {create_api_token(user) for _ in range(5)}

    assert len(tokens) == 5
    assert all(user_for_token(raw) == user for raw in tokens)


@pytest.mark.parametrize("raw", ["", "pops_", "pops_unknown", "Bearer pops_x"])
def test_an_unknown_token_finds_nobody(make_staff, raw):
    create_api_token(make_staff("processor", "order_processor"))

    assert user_for_token(raw) is None


def test_a_revoked_token_is_refused_and_the_others_keep_working(make_staff):
    user = make_staff("processor", "order_processor")
    kept = create_api_token(user, name="kept")
    revoked = create_api_token(user, name="revoked")

    revoke_api_token(ApiToken.objects.get(name="revoked"))

    assert user_for_token(revoked) is None
    assert user_for_token(kept) == user
    token = ApiToken.objects.get(name="revoked")
    assert token.revoked_at is not None
    assert not token.is_active
    assert AuditRecord.objects.filter(action="token.revoked", object_id=str(token.pk)).count() == 1


def test_the_token_of_an_inactive_user_is_refused(make_staff):
    user = make_staff("processor", "order_processor")
    raw = create_api_token(user)
    user.is_active = False
    user.save()

    assert user_for_token(raw) is None


@pytest.mark.django_db
def test_a_token_records_when_it_was_last_used_at_most_once_a_minute(staff, client):
    raw = create_api_token(staff["analyst"])
    headers = {"Authorization": f"Bearer {raw}"}
    with time_machine.travel("2026-11-25T02:00:00Z", tick=False):
        client.get("/api/v1/orders", headers=headers)
    with time_machine.travel("2026-11-25T02:00:59Z", tick=False):
        client.get("/api/v1/orders", headers=headers)
    assert str(ApiToken.objects.get().last_used_at) == "2026-11-25 02:00:00+00:00"
    with time_machine.travel("2026-11-25T02:01:00Z", tick=False):
        client.get("/api/v1/orders", headers=headers)
    assert str(ApiToken.objects.get().last_used_at) == "2026-11-25 02:01:00+00:00"


def test_a_remembered_token_finds_its_user_and_permissions_without_a_query(
    make_staff, django_assert_num_queries
):
    user = make_staff("packer", "warehouse")
    raw = create_api_token(user)
    with time_machine.travel("2026-11-25T02:00:00Z", tick=False):
        with django_assert_num_queries(4):  # token and user, last use, two for permissions
            first = user_for_token(raw)
        with django_assert_num_queries(0):
            again = user_for_token(raw)
            assert again is not None
            assert again.has_perm("orders.ship_order")
            assert not again.has_perm("orders.review_order")
    assert first == again == user
    assert again is not first  # each request gets its own object


def test_a_token_revoked_by_another_process_stops_working_within_five_seconds(make_staff):
    user = make_staff("processor", "order_processor")
    raw = create_api_token(user)
    with time_machine.travel("2026-11-25T02:00:00Z", tick=False) as traveller:
        assert user_for_token(raw) == user
        # Another gunicorn worker (or the admin site) revokes it: this process's memory
        # is not told, and keeps the token for at most TOKEN_MEMORY.
        ApiToken.objects.update(revoked_at=datetime(2026, 11, 25, 2, 0, tzinfo=UTC))
        traveller.shift(timedelta(seconds=4.999))
        assert user_for_token(raw) == user
        traveller.shift(timedelta(milliseconds=1))
        assert user_for_token(raw) is None
        traveller.shift(timedelta(minutes=5))
        assert user_for_token(raw) is None


def test_a_token_revoked_through_the_action_stops_working_at_once_in_this_process(make_staff):
    user = make_staff("processor", "order_processor")
    raw = create_api_token(user)
    with time_machine.travel("2026-11-25T02:00:00Z", tick=False):
        assert user_for_token(raw) == user

        revoke_api_token(ApiToken.objects.get())

        assert user_for_token(raw) is None


def test_a_user_deactivated_elsewhere_is_refused_within_five_seconds(make_staff):
    user = make_staff("processor", "order_processor")
    raw = create_api_token(user)
    with time_machine.travel("2026-11-25T02:00:00Z", tick=False) as traveller:
        assert user_for_token(raw) == user
        User.objects.filter(pk=user.pk).update(is_active=False)
        traveller.shift(timedelta(seconds=5))
        assert user_for_token(raw) is None


def test_a_role_change_applies_at_once_through_the_action_and_within_five_seconds_otherwise(
    make_staff,
):
    user = make_staff("agent", "cs_agent")
    raw = create_api_token(user)
    with time_machine.travel("2026-11-25T02:00:00Z", tick=False) as traveller:
        assert not _user(raw).has_perm("orders.ship_order")

        set_staff_roles(user, [roles.WAREHOUSE])
        assert _user(raw).has_perm("orders.ship_order")

        user.groups.set([Group.objects.get(name=roles.ANALYST)])  # e.g. in the admin site
        assert _user(raw).has_perm("orders.ship_order")
        traveller.shift(timedelta(seconds=5))
        assert not _user(raw).has_perm("orders.ship_order")


def _user(raw: str) -> User:
    user = user_for_token(raw)
    assert user is not None
    return user
