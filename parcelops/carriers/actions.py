"""Changes to the carrier registry.

STAND-IN, replaced by the carriers branch at merge: there add_provider_code stores the code
on the Carrier table and invalidates the registry's cache. Here it only teaches this
process's registry, which is all the tracking inbox's action and its tests need.
"""

from django.utils.translation import gettext as _

from parcelops.accounts.permissions import Actor
from parcelops.carriers import registry
from parcelops.core.errors import FieldError, InputError


# replaced by the carriers branch at merge
def add_provider_code(carrier_code: str, provider: str, provider_code: str, actor: Actor) -> None:
    """From now on the provider's code names this carrier of ours."""
    code = provider_code.strip().lower()
    if carrier_code not in registry.BY_CODE:
        raise InputError([FieldError("carrier", _("Unknown carrier."))])
    known = registry.from_provider_code(provider, code)
    if known is not None and known != carrier_code:
        raise InputError([FieldError("provider_code", _("This code names another carrier."))])
    registry._provider_index(provider)[code] = carrier_code
