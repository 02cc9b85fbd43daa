"""The email settings from the environment: nothing leaves the machine unless a mail server
is named. Read by a fresh interpreter, as a process starting with that environment would."""

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
READ = (
    "import json; from config import settings as s; print(json.dumps({name: str(getattr(s, name)) "
    "for name in ('EMAIL_BACKEND', 'EMAIL_FILE_PATH', 'EMAIL_HOST', 'EMAIL_PORT', "
    "'EMAIL_USE_TLS', 'EMAIL_USE_SSL', 'EMAIL_TIMEOUT', 'DEFAULT_FROM_EMAIL')}))"
)
EMAIL_VARIABLES = (
    "EMAIL_BACKEND", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS", "EMAIL_USE_SSL", "EMAIL_TIMEOUT", "DEFAULT_FROM_EMAIL",
)  # fmt: skip


def email_settings(data_dir: Path, **variables: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in EMAIL_VARIABLES}
    env.update(PARCELOPS_DATA_DIR=str(data_dir), **variables)
    finished = subprocess.run(
        [sys.executable, "-c", READ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(finished.stdout)


def test_without_a_mail_server_messages_are_files_in_a_private_folder(tmp_path):
    found = email_settings(tmp_path)

    assert found["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"
    assert found["EMAIL_FILE_PATH"] == str(tmp_path.resolve() / "mail")
    assert stat.S_IMODE((tmp_path / "mail").stat().st_mode) == 0o700
    assert found["DEFAULT_FROM_EMAIL"] == "ParcelOps <parcelops@localhost>"
    assert found["EMAIL_TIMEOUT"] == "30"


def test_a_named_mail_server_is_spoken_to_over_smtp_with_starttls(tmp_path):
    found = email_settings(tmp_path, EMAIL_HOST="smtp.shop.example")

    assert found["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (found["EMAIL_HOST"], found["EMAIL_PORT"]) == ("smtp.shop.example", "587")
    assert (found["EMAIL_USE_TLS"], found["EMAIL_USE_SSL"]) == ("True", "False")
    assert not (tmp_path / "mail").exists()


def test_tls_from_the_start_turns_starttls_off(tmp_path):
    found = email_settings(
        tmp_path, EMAIL_HOST="smtp.shop.example", EMAIL_PORT="465", EMAIL_USE_SSL="true"
    )

    assert (found["EMAIL_PORT"], found["EMAIL_USE_TLS"], found["EMAIL_USE_SSL"]) == (
        "465",
        "False",
        "True",
    )
