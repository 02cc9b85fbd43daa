"""The errors every app speaks, and the one JSON shape the API answers them in.

Actions raise these; the API maps them to 422 / 409 / 403 (parcelops.api), the pages show
their messages. Named for what went wrong, not for the app that noticed it.
"""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FieldError:
    """One bad input field: its path as the sender wrote it (``lines[0].quantity``) and why."""

    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class InputError(Exception):
    """Input failed validation; carries the per-field errors (HTTP 422). Nothing was written."""

    def __init__(self, errors: list[FieldError]):
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


class ActionError(Exception):
    """The action is not allowed for this object now (HTTP 409)."""


class NotPermittedError(Exception):
    """The actor's role does not allow the action (HTTP 403)."""


def errors_body(message: str, field: str = "") -> dict[str, Any]:
    """The API's error body for one message: ``{"errors": [{"field", "message"}]}``."""
    return {"errors": [{"field": field, "message": message}]}
