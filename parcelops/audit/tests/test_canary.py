"""The key canary: sealed when the database is created, opened by every process at
start, re-encrypted by a rotation; `audit verify` proves the keys open the customer data
(task 17A)."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from parcelops import cli
from parcelops.audit import canary
from parcelops.audit.models import KeyCanary
from parcelops.core import crypto, startup
from parcelops.orders.tests.factories import place_order

pytestmark = pytest.mark.django_db

WRONG_DATA_KEYS = (
    "the configured PARCELOPS_DATA_KEYS do not open this database's key canary: every node "
    "and worker needs the keys the data was written with"
)


@pytest.fixture
def keys(settings):
    """Change one of the configured keys for a test, then back."""

    def change(**values: str) -> None:
        for name, value in values.items():
            setattr(settings, name, value)
        crypto.reset_key_cache()

    yield change
    crypto.reset_key_cache()  # the settings fixture restores the values after this


def test_a_fresh_database_has_a_canary_its_keys_open():
    sealed = KeyCanary.objects.get()
    assert sealed.sealed == canary.KNOWN_VALUE
    with connection.cursor() as cursor:
        cursor.execute("SELECT sealed FROM audit_keycanary")
        assert cursor.fetchone()[0].startswith("gAAAAA")  # stored encrypted
    assert canary.canary_problem() is None
    canary.check_canary_at_start()


def test_other_data_keys_do_not_open_it(keys):
    keys(PARCELOPS_DATA_KEYS=Fernet.generate_key().decode())

    assert canary.canary_problem() == WRONG_DATA_KEYS
    with pytest.raises(canary.KeyMismatchError, match="PARCELOPS_DATA_KEYS do not open"):
        canary.check_canary_at_start()


def test_another_index_key_is_named(keys):
    keys(PARCELOPS_INDEX_KEY="another-index-key")

    assert canary.canary_problem() == (
        "the configured PARCELOPS_INDEX_KEY is not this database's index key: searches by "
        "phone, email or name would find nothing"
    )


def test_another_audit_key_is_named(keys):
    keys(PARCELOPS_AUDIT_KEY="another-audit-key")

    assert canary.canary_problem() == (
        "the configured PARCELOPS_AUDIT_KEY is not this database's audit key: new audit "
        "records would break the chain"
    )


def test_a_command_with_the_wrong_keys_refuses_with_one_line(keys):
    keys(PARCELOPS_DATA_KEYS=Fernet.generate_key().decode())

    with pytest.raises(SystemExit) as refused:
        cli.check_key_canary()

    assert str(refused.value) == f"parcelops: {WRONG_DATA_KEYS}; refusing to start"


def test_the_worker_and_customer_data_commands_open_the_canary_first(keys, monkeypatch):
    for name, value in startup.generate_secrets().items():  # what a production run has
        monkeypatch.setenv(name, value)
    keys(PARCELOPS_DATA_KEYS=Fernet.generate_key().decode())

    for command in ("run_huey", "import_orders", "export_orders", "import_events", "sweep"):
        with pytest.raises(SystemExit) as refused:
            cli.checks_at_start(command, [])
        assert str(refused.value) == f"parcelops: {WRONG_DATA_KEYS}; refusing to start"
    cli.checks_at_start("migrate", [])  # migrating touches no customer data
    cli.checks_at_start("keys", ["generate"])


def test_a_database_not_migrated_yet_has_nothing_to_check(monkeypatch):
    monkeypatch.setattr(canary, "_has_table", lambda using: False)

    assert canary.canary_problem() is None
    assert canary.ensure_canary() is False


@pytest.mark.usefixtures("channel", "frozen_now")
def test_a_database_from_before_the_canary_gets_one_only_if_its_data_opens(keys):
    place_order()
    KeyCanary.objects.all().delete()
    keys(PARCELOPS_DATA_KEYS=Fernet.generate_key().decode())

    with pytest.raises(canary.KeyMismatchError) as refused:
        canary.ensure_canary()

    assert str(refused.value).startswith(
        "the configured PARCELOPS_DATA_KEYS do not decrypt the stored customer data (orders_"
    )
    assert str(refused.value).endswith(
        "): no key canary was written; start with the keys the data was written with"
    )
    assert not KeyCanary.objects.exists()


@pytest.mark.usefixtures("channel", "frozen_now")
def test_a_database_from_before_the_canary_gets_one_under_keys_that_open_it():
    place_order()
    KeyCanary.objects.all().delete()

    assert canary.ensure_canary() is True
    assert canary.ensure_canary() is False  # one canary, never replaced
    assert KeyCanary.objects.count() == 1
    assert canary.canary_problem() is None


def test_a_rotation_re_encrypts_the_canary(keys, capsys):
    old_key = Fernet.generate_key().decode()
    new_key = Fernet.generate_key().decode()
    keys(PARCELOPS_DATA_KEYS=old_key)
    KeyCanary.objects.all().delete()
    canary.ensure_canary()

    keys(PARCELOPS_DATA_KEYS=f"{new_key},{old_key}")
    call_command("keys", "rotate")
    keys(PARCELOPS_DATA_KEYS=new_key)  # the old key dropped after the rotation

    assert canary.canary_problem() is None


# --- audit verify -----------------------------------------------------------------------


def test_audit_verify_with_the_wrong_keys_fails_on_the_canary(keys):
    keys(PARCELOPS_DATA_KEYS=Fernet.generate_key().decode())

    with pytest.raises(CommandError) as failed:
        call_command("audit", "verify")

    assert str(failed.value) == WRONG_DATA_KEYS


def test_audit_verify_without_a_canary_fails():
    KeyCanary.objects.all().delete()

    with pytest.raises(CommandError) as failed:
        call_command("audit", "verify")

    assert str(failed.value) == "this database has no key canary (run `parcelops migrate`)"


@pytest.mark.usefixtures("channel", "frozen_now")
def test_audit_verify_names_a_row_the_keys_do_not_open():
    order = place_order()
    stranger = Fernet(Fernet.generate_key())
    with connection.cursor() as cursor:  # a row restored from a backup under other keys
        cursor.execute(
            "UPDATE orders_customer SET phone = %s WHERE id = %s",
            [stranger.encrypt(b"13812345678").decode(), order.customer_id],
        )

    with pytest.raises(CommandError) as failed:
        call_command("audit", "verify")

    assert str(failed.value) == (
        f"the configured PARCELOPS_DATA_KEYS do not decrypt orders_customer.phone "
        f"#{order.customer_id}: the keys do not open the customer data"
    )


def test_audit_verify_passes_when_the_keys_open_everything(capsys):
    call_command("audit", "verify")

    assert capsys.readouterr().out.splitlines() == [
        "audit chain intact: 0 records verified",
        "keys verified: the key canary and a sample of encrypted rows open",
    ]


# --- keys generate ----------------------------------------------------------------------


def test_keys_generate_prints_a_full_set_as_environment_lines(capsys):
    call_command("keys", "generate")

    lines = capsys.readouterr().out.splitlines()
    assert [line.split("=", 1)[0] for line in lines] == [
        "SECRET_KEY",
        "PARCELOPS_DATA_KEYS",
        "PARCELOPS_INDEX_KEY",
        "PARCELOPS_AUDIT_KEY",
    ]
    Fernet(lines[1].split("=", 1)[1])


def test_keys_generate_data_key_prints_one_fernet_key(capsys):
    call_command("keys", "generate", "--data-key")

    key = capsys.readouterr().out.strip()
    assert len(key) == 44
    Fernet(key)
    assert cli.main(["keys", "generate", "--data-key"]) == 0
    Fernet(capsys.readouterr().out.strip())
