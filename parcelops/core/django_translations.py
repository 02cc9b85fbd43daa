"""Django's own messages that its Chinese catalogue does not translate (checked on 5.2).

Nothing imports this module: makemessages reads it, which puts the exact message ids into
parcelops/locale, and Django looks there before its own catalogues (LOCALE_PATHS).
Drop an entry once Django's zh_Hans catalogue translates it.
"""

from django.utils.translation import ngettext_lazy

MISSING_IN_DJANGO = (
    # Django 5.1 changed the wording to "%d" (from "%(min_length)d"); its zh_Hans catalogue
    # still has only the old wording, so a short password was refused in English.
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        8,
    ),
)
