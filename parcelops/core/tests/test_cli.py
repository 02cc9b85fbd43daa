"""The `parcelops` command: dispatch to Django commands, tokens, keys, audit verify."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from parcelops import cli
from parcelops.accounts.models import ApiToken, hash_token
from parcelops.audit.canary import ensure_canary
from parcelops.audit.models import KeyCanary
from parcelops.core import crypto, startup
from parcelops.orders.models import Customer


def test_help_lists_the_commands(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "serve [--port N]" in out
    assert "token create USERNAME" in out


def test_serve_refuses_a_port_that_is_not_a_number():
    with pytest.raises(SystemExit, match="--port must be a number, not 'eighty'"):
        cli.serve(["--port", "eighty"])


def test_serve_runs_two_sync_workers_with_an_access_log_on_stdout_by_default():
    command = cli.gunicorn_command("127.0.0.1", "8000", {})
    assert command[1:] == [
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        "127.0.0.1:8000",
        "--workers",
        "2",
        "--worker-class",
        "sync",
        "--timeout",
        "60",
        "--no-control-socket",
        "--logger-class",
        "parcelops.core.logs.GunicornLogger",
        "--access-logfile",
        "-",
    ]


def test_an_empty_access_log_setting_turns_the_access_log_off():
    command = cli.gunicorn_command("10.0.0.5", "9000", {"ACCESS_LOG": "", "WEB_CONCURRENCY": "4"})
    assert "--access-logfile" not in command
    assert command[command.index("--workers") + 1] == "4"
    assert command[command.index("--bind") + 1] == "10.0.0.5:9000"


def test_hyphenated_names_map_to_management_commands():
    assert cli.ALIASES["import-orders"] == "import_orders"
    assert cli.ALIASES["worker"] == "run_huey"


# Django's command runner closes the connections when it ends, so this one needs real commits.
@pytest.mark.django_db(transaction=True)
def test_token_create_prints_a_token_that_authenticates(staff, capsys, client, monkeypatch):
    for name, value in startup.generate_secrets().items():  # a production run needs them
        monkeypatch.setenv(name, value)
    cli.main(["token", "create", "order_reviewer"])
    token = capsys.readouterr().out.strip()
    assert token.startswith("pops_")
    stored = ApiToken.objects.get(token_hash=hash_token(token))
    assert stored.user.username == "order_reviewer"
    response = client.get("/api/v1/orders", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


@pytest.mark.django_db
def test_token_create_for_an_unknown_user_fails_with_one_line(staff):
    with pytest.raises(CommandError, match="no active user named 'nobody'"):
        call_command("token", "create", "nobody")
    assert ApiToken.objects.count() == 0


@pytest.mark.django_db
def test_token_revoke_makes_the_token_useless(staff, capsys, client):
    call_command("token", "create", "analyst")
    token = capsys.readouterr().out.strip()
    call_command("token", "revoke", token[:12])
    response = client.get("/api/v1/orders", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


@pytest.mark.django_db
def test_audit_verify_reports_an_intact_chain(staff, capsys):
    call_command("token", "create", "analyst")  # writes one audit record
    capsys.readouterr()
    call_command("audit", "verify")
    assert capsys.readouterr().out.splitlines() == [
        "audit chain intact: 1 records verified",
        "keys verified: the key canary and a sample of encrypted rows open",
    ]


@pytest.fixture
def key_file_settings(settings, tmp_path, request):
    settings.DATA_DIR = tmp_path
    settings.PARCELOPS_DATA_KEYS = ""
    crypto.reset_key_cache()
    if "django_db" in request.keywords:  # the database's canary, sealed under the new keys
        KeyCanary.objects.all().delete()
        ensure_canary()
    yield settings
    crypto.reset_key_cache()


@pytest.mark.django_db
def test_keys_rotate_reencrypts_every_value_under_a_new_key(key_file_settings, capsys):
    customer = Customer.objects.create(
        name="李雷", phone="13900001111", email="li@example.com", phone_index="x", email_index="y"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM orders_customer WHERE id = %s", [customer.pk])
        before = cursor.fetchone()[0]
    old_keys = crypto.configured_data_keys()
    assert len(old_keys) == 1

    call_command("keys", "rotate")

    out = capsys.readouterr().out.strip()
    assert (
        out
        == "a new key was added to the key file; 4 encrypted values re-encrypted with the newest key"
    )
    new_keys = crypto.configured_data_keys()
    assert len(new_keys) == 2
    assert new_keys[1] == old_keys[0]
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM orders_customer WHERE id = %s", [customer.pk])
        after = cursor.fetchone()[0]
    assert after != before
    # Only the new key is needed now.
    key_file_settings.PARCELOPS_DATA_KEYS = new_keys[0]
    crypto.reset_key_cache()
    assert Customer.objects.get(pk=customer.pk).phone == "13900001111"


@pytest.mark.django_db
def test_keys_rotate_fails_clearly_when_a_value_cannot_be_decrypted(key_file_settings):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO orders_customer (name, phone, email, phone_index, email_index, name_index, tier, created_at) "
            "VALUES ('not-a-token', 'x', '', 'a', '', '', 'regular', CURRENT_TIMESTAMP)"
        )
    with pytest.raises(CommandError, match="cannot be decrypted with the configured keys"):
        call_command("keys", "rotate")
