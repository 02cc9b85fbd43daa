"""Stored pushes: one row per identical body however often it is delivered, counting its
deliveries; bodies encrypted at rest with a keyed digest of the plaintext; deleted after
the retention by a periodic task, in bounded batches (decision 0025)."""

import hashlib
import hmac
import importlib
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from huey.contrib.djhuey import HUEY
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from parcelops.core import crypto, keys
from parcelops.tracking import actions, ingest
from parcelops.tracking.actions import PushReceipt, prune_inbound_pushes, push_digest, receive_push
from parcelops.tracking.models import InboundPush, TrackingEvent, UnmatchedEvent
from parcelops.tracking.tasks import prune_inbound_pushes as prune_task
from parcelops.tracking.tests.test_push_api import PAYLOADS, sign_aftership
from parcelops.tracking.tests.test_push_limits import (
    SECRET,
    SEVENTEEN_KEY,
    post_signed,
    sign_17track,
)

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


@pytest.fixture
def secrets_set(db):
    actions.set_provider_secret("aftership", SECRET)
    actions.set_provider_secret("17track", SEVENTEEN_KEY)


def stored_bytes() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(sum(length(body)), 0) FROM tracking_inboundpush")
        return int(cursor.fetchone()[0])


def raw_bodies() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM tracking_inboundpush ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.parametrize(
    ("path", "payload", "header", "sign"),
    [
        # 17TRACK pushes carry no delivery id; this AfterShip webhook has none either
        ("17track", "seventeentrack_updated.json", "sign", sign_17track),
        ("aftership", "aftership_tracking_update.json", "aftership-hmac-sha256", sign_aftership),
    ],
)
def test_a_push_without_a_delivery_id_delivered_20_times_is_stored_once(
    secrets_set, client, path, payload, header, sign
):
    body = (PAYLOADS / payload).read_bytes()
    with time_machine.travel(T0, tick=False) as traveller:
        for _delivery in range(20):
            response = post_signed(client, path, body, header, sign)
            assert (response.status_code, response.json()) == (200, {"ok": True})
            traveller.shift(timedelta(minutes=5))

    push = InboundPush.objects.get()
    assert (push.deliveries, push.received_at, push.last_delivered_at) == (
        20,
        T0,
        T0 + timedelta(minutes=19 * 5),
    )
    assert push.body == body.decode()
    assert stored_bytes() == len(raw_bodies()[0])  # one encrypted body, not twenty


def test_a_replay_is_counted_in_one_update_without_ingesting_again(
    secrets_set, client, django_assert_num_queries, monkeypatch
):
    body = (PAYLOADS / "seventeentrack_updated.json").read_bytes()
    headers = {"sign": sign_17track(body)}
    client.post("/api/v1/tracking/push/17track", body, "application/json", headers=headers)
    events = UnmatchedEvent.objects.count()
    monkeypatch.setattr(ingest, "record_tracking_events", pytest.fail)  # not called again

    with django_assert_num_queries(3):  # the secret, the digest's row, the count
        again = client.post(
            "/api/v1/tracking/push/17track", body, "application/json", headers=headers
        )

    assert again.status_code == 200
    assert InboundPush.objects.get().deliveries == 2
    assert UnmatchedEvent.objects.count() == events


def test_different_bodies_and_the_same_body_from_another_provider_are_kept_apart(db):
    receive_push("17track", '{"a": 1}', "", [])
    receive_push("17track", '{"a": 2}', "", [])
    receive_push("aftership", '{"a": 1}', "", [])
    receive_push("17track", '{"a": 1}', "", [])

    assert sorted(InboundPush.objects.values_list("provider", "body", "deliveries")) == [
        ("17track", '{"a": 1}', 2),
        ("17track", '{"a": 2}', 1),
        ("aftership", '{"a": 1}', 1),
    ]


def test_a_failed_push_delivered_again_is_one_row_and_processed_once_it_succeeds(db, monkeypatch):
    real = ingest.record_tracking_events

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ingest, "record_tracking_events", broken)
    assert receive_push("17track", '{"a": 1}', "", []) is PushReceipt.FAILED
    assert receive_push("17track", '{"a": 1}', "", []) is PushReceipt.FAILED
    assert list(InboundPush.objects.values_list("outcome", "deliveries", "error")) == [
        ("failed", 2, "RuntimeError('disk full')")
    ]

    monkeypatch.setattr(ingest, "record_tracking_events", real)
    assert receive_push("17track", '{"a": 1}', "", []) is PushReceipt.STORED
    assert receive_push("17track", '{"a": 1}', "", []) is PushReceipt.ALREADY_STORED
    assert list(InboundPush.objects.values_list("outcome", "deliveries", "error")) == [
        ("processed", 4, "")
    ]


def test_a_delivery_stored_meanwhile_by_another_process_is_counted(db, monkeypatch):
    """Both deliveries missed each other's row: the second's insert collides, is rolled
    back with its events, and counts as a delivery of the first."""
    receive_push("17track", '{"a": 1}', "", [])
    lookup = InboundPush.objects.filter(pk=-1).values_list("pk", "outcome")
    monkeypatch.setattr(
        actions.InboundPush.objects,
        "filter",
        lambda *a, **k: (
            lookup
            if "body_digest" in k
            else InboundPush._default_manager.get_queryset().filter(*a, **k)
        ),
    )

    assert receive_push("17track", '{"a": 1}', "", []) is PushReceipt.ALREADY_STORED
    monkeypatch.undo()
    assert InboundPush.objects.get().deliveries == 2
    assert TrackingEvent.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        '{"data": {"customer_name": "王小明", "emails": ["wang@example.com"]}}',
        '{"phone": "+86 138 0013 8000"}',
    ],
)
def test_the_body_is_encrypted_at_rest_and_its_digest_is_keyed(db, body):
    receive_push("aftership", body, "", [])

    (raw,) = raw_bodies()
    assert body not in raw
    assert "138" not in raw
    assert "wang" not in raw
    assert crypto.decrypt(raw) == body
    push = InboundPush.objects.get()
    assert push.body == body
    assert push.body_digest == push_digest(body)
    assert (
        push.body_digest
        == hmac.new(crypto._index_key(), f"push:{body}".encode(), hashlib.sha256).hexdigest()
    )
    assert push.body_digest != hashlib.sha256(body.encode()).hexdigest()


def test_keys_rotate_reencrypts_push_bodies(db):
    assert ("tracking_inboundpush", "id", "body") in keys.encrypted_columns()
    receive_push("aftership", '{"name": "王小明"}', "", [])
    before = raw_bodies()
    keys.add_new_key_to_file()

    assert keys.reencrypt_all() >= 1

    assert raw_bodies() != before
    assert InboundPush.objects.get().body == '{"name": "王小明"}'


def push_at(when: datetime, body: str, outcome: str = "processed") -> None:
    with time_machine.travel(when, tick=False):
        InboundPush.objects.create(
            provider="17track",
            body=body,
            body_digest=push_digest(body),
            received_at=when,
            last_delivered_at=when,
            outcome=outcome,
        )


def test_pushes_past_the_retention_are_pruned_in_batches_failed_ones_too(
    db, settings, django_assert_num_queries
):
    settings.PARCELOPS_PUSH_RETENTION_DAYS = 90
    cutoff = T0 - timedelta(days=90)
    for i in range(5):
        push_at(cutoff - timedelta(seconds=i + 1), f"old {i}", "failed" if i % 2 else "processed")
    push_at(cutoff, "just kept")
    push_at(T0, "new")

    with time_machine.travel(T0, tick=False), django_assert_num_queries(6):
        assert prune_inbound_pushes(batch_size=2) == 5  # 3 batches: select + delete each

    assert sorted(InboundPush.objects.values_list("body", flat=True)) == ["just kept", "new"]


def test_the_retention_is_a_setting(db, settings):
    push_at(T0 - timedelta(days=8), "eight days")
    push_at(T0 - timedelta(days=6), "six days")
    settings.PARCELOPS_PUSH_RETENTION_DAYS = 7

    with time_machine.travel(T0, tick=False):
        assert prune_task.call_local() == 1

    assert list(InboundPush.objects.values_list("body", flat=True)) == ["six days"]


def test_the_prune_task_runs_daily_at_03_17():
    def due_at(hour: int, minute: int) -> bool:
        due = HUEY.read_periodic(datetime(2026, 11, 25, hour, minute))
        return any(isinstance(task, prune_task.task_class) for task in due)

    assert due_at(3, 17)
    assert not due_at(4, 17)
    assert not due_at(3, 18)


migration = importlib.import_module(
    "parcelops.tracking.migrations.0008_inbound_push_digest_and_encryption"
)


class SchemaEditor:
    connection = connection


def old_row(provider: str, body: str, received: datetime, outcome: str = "processed") -> None:
    """A row as 0007 left it: a plaintext body (the columns 0008 adds filled in by hand,
    which the conversion then overwrites)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO tracking_inboundpush (provider, push_id, body, received_at, outcome,"
            " error, body_digest, deliveries, last_delivered_at)"
            " VALUES (%s, '', %s, %s, %s, %s, %s, 1, %s)",
            # a placeholder digest: the table has its unique index already
            [
                provider,
                body,
                received,
                outcome,
                "boom" if outcome == "failed" else "",
                received,
                T0,
            ],
        )


def test_the_migration_encrypts_old_bodies_and_merges_identical_ones(db):
    day = timedelta(days=1)
    old_row("17track", '{"n": 1}', T0, "failed")
    old_row("17track", '{"n": 1}', T0 + day)
    old_row("17track", '{"n": 1}', T0 + 2 * day)
    old_row("aftership", '{"n": 1}', T0 + 3 * day)
    old_row("17track", '{"phone": "13800138000"}', T0 + 4 * day)

    migration.encrypt_bodies(None, SchemaEditor())

    assert not any('"n"' in raw or "13800138000" in raw for raw in raw_bodies())
    assert list(
        InboundPush.objects.order_by("id").values_list(
            "provider", "body", "body_digest", "outcome", "error", "deliveries", "last_delivered_at"
        )
    ) == [
        ("17track", '{"n": 1}', push_digest('{"n": 1}'), "processed", "", 3, T0 + 2 * day),
        ("aftership", '{"n": 1}', push_digest('{"n": 1}'), "processed", "", 1, T0 + 3 * day),
        (
            "17track",
            '{"phone": "13800138000"}',
            push_digest('{"phone": "13800138000"}'),
            "processed",
            "",
            1,
            T0 + 4 * day,
        ),
    ]

    migration.decrypt_bodies(None, SchemaEditor())

    assert raw_bodies() == ['{"n": 1}', '{"n": 1}', '{"phone": "13800138000"}']


@hypothesis_settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(st.sampled_from(["17track", "aftership", "kuaidi100"]), st.text(max_size=30)),
        max_size=25,
    )
)
def test_any_sequence_of_deliveries_keeps_one_row_per_body_counting_each(db, deliveries):
    InboundPush.objects.all().delete()
    for provider, body in deliveries:
        receive_push(provider, body, "", [])

    stored = {
        (p, b): n for p, b, n in InboundPush.objects.values_list("provider", "body", "deliveries")
    }
    expected: dict[tuple[str, str], int] = {}
    for delivery in deliveries:
        expected[delivery] = expected.get(delivery, 0) + 1
    assert stored == expected
