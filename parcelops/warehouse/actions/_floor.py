"""What the warehouse's actions share: the acting user to store."""

from typing import Any

from parcelops.accounts.permissions import Actor


def user_of(actor: Actor) -> Any:
    """The user to store as who did it; None for the system itself."""
    return actor if actor is not None and actor.is_authenticated else None
