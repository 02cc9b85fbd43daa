"""How the desk plugs into the floors below it, called from ExceptionsConfig.ready()."""


def connect() -> None:
    """Filled in by the desk's detection (ingestion's hooks) and panels."""
    from parcelops.exceptions import panels

    panels.register_panels()
