"""The WSGI application gunicorn serves; each worker imports this module when it starts."""

import os

import django

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


_warm_up()
settle_after_startup()  # after the warm-up: what it loaded lives as long as the worker
