"""API tokens: shown once, stored only as a hash, refused once revoked or for inactive users."""

import hashlib

import pytest
import time_machine
from django.db import connection

from parcelops.accounts.actions import create_api_token, revoke_api_token, user_for_token
from parcelops.accounts.models import ApiToken, hash_token
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
