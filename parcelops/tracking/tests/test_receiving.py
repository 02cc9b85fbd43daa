"""The writes behind the push endpoints, as actions: storing a push with its events
(receive_push) and setting a provider's signing secret (set_provider_secret)."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from parcelops.audit.models import AuditRecord
from parcelops.core.errors import InputError
from parcelops.tracking import actions, ingest
from parcelops.tracking.actions import PushReceipt, receive_push, set_provider_secret
from parcelops.tracking.models import InboundPush, ProviderAccount, TrackingEvent
from parcelops.tracking.secrets import provider_secret
from parcelops.tracking.status import TrackingStatus as T
from parcelops.tracking.tests.conftest import carrier_event

pytestmark = pytest.mark.django_db
NUMBER = "75123456789012"


@pytest.fixture
def shipped(packed, staff):
    return actions.create_shipment(packed, "zto", NUMBER, staff["warehouse"])


def test_a_push_is_stored_with_its_events_in_one_go(shipped):
    events = [carrier_event(NUMBER, 1, T.IN_TRANSIT, "picked_up")]

    assert receive_push("aftership", '{"id": 1}', "delivery-1", events) is PushReceipt.STORED

    assert list(InboundPush.objects.values_list("provider", "push_id", "body", "outcome")) == [
        ("aftership", "delivery-1", '{"id": 1}', "processed")
    ]
    assert TrackingEvent.objects.filter(shipment=shipped).count() == 1


def test_a_retried_delivery_is_already_stored_and_changes_nothing(shipped):
    events = [carrier_event(NUMBER, 1, T.IN_TRANSIT, "picked_up")]
    receive_push("aftership", "{}", "delivery-1", events)

    again = receive_push("aftership", "{}", "delivery-1", events)

    assert again is PushReceipt.ALREADY_STORED
    assert InboundPush.objects.count() == 1
    assert TrackingEvent.objects.count() == 1


def test_a_push_that_fails_is_kept_for_replay_and_stores_no_events(shipped, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ingest, "record_tracking_events", broken)

    receipt = receive_push("kuaidi100", "param=...", "", [carrier_event(NUMBER, 1, T.IN_TRANSIT)])

    assert receipt is PushReceipt.FAILED
    assert list(InboundPush.objects.values_list("provider", "body", "outcome", "error")) == [
        ("kuaidi100", "param=...", "failed", "RuntimeError('disk full')")
    ]
    assert TrackingEvent.objects.count() == 0


def test_setting_a_secret_stores_it_encrypted_and_audits_it(db):
    set_provider_secret("17track", "seventeen-key")

    assert provider_secret("17track") == "seventeen-key"
    assert list(AuditRecord.objects.values_list("action", flat=True)) == ["provider.secret_set"]


@pytest.mark.parametrize(
    ("provider", "secret", "fields"),
    [
        ("dhl", "long-enough", ["provider"]),
        ("kuaidi100", "short", ["secret"]),
        ("", "", ["provider", "secret"]),
    ],
)
def test_a_bad_provider_or_short_secret_is_refused_and_nothing_is_written(
    db, english, provider, secret, fields
):
    with pytest.raises(InputError) as refused:
        set_provider_secret(provider, secret)
    assert [e.field for e in refused.value.errors] == fields
    assert ProviderAccount.objects.count() == AuditRecord.objects.count() == 0


def test_the_providers_command_says_why_in_one_line(db, english):
    with pytest.raises(CommandError) as refused:
        call_command("providers", "set-secret", "kuaidi100", "short")
    assert str(refused.value) == "The secret must have at least 8 characters."
    call_command("providers", "set-secret", "kuaidi100", "long-enough")
    assert provider_secret("kuaidi100") == "long-enough"
