"""The WSGI application gunicorn serves; each worker imports this module when it starts."""

import os

import django
from django.core.exceptions import ImproperlyConfigured

from parcelops.core import startup

# Before the settings are read: a production node without its keys must not start (and
# an exception here makes gunicorn stop with "Worker failed to boot", not retry).
try:
    startup.check_secrets(os.environ)
except startup.SecretsError as problem:
    raise ImproperlyConfigured(f"parcelops: {problem}") from None

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup(set_prefix=False)

from parcelops.core.handlers import ParcelOpsWSGIHandler  # noqa: E402 (needs the set-up)
from parcelops.core.runtime import settle_after_startup  # noqa: E402

application = ParcelOpsWSGIHandler()


def _warm_up() -> None:
    """Do now, while the worker boots, what Django otherwise does lazily on the first
    request: import every URL module (the API's routers and their schemas, the views)
    and load the translation catalogues. Without it the worker's first request takes
    over a second."""
    from django.conf import settings
    from django.urls import resolve
    from django.utils import translation

    resolve("/api/v1/health")  # imports the whole URL conf
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            translation.gettext("Not found.")


def _check_key_canary() -> None:
    """Once per worker, at boot, never per request: keys that do not open the database's
    canary stop the worker before it writes data no other node can read."""
    from django.db import connection

    from parcelops.audit.canary import KeyMismatchError, check_canary_at_start

    try:
        check_canary_at_start()
    except KeyMismatchError as mismatch:
        raise ImproperlyConfigured(f"parcelops: {mismatch}; refusing to start") from None
    finally:
        connection.close()  # not shared with a process forked after this (--preload)


_check_key_canary()
_warm_up()
settle_after_startup()  # after the warm-up: what it loaded lives as long as the worker
