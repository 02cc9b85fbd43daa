"""What the warehouse registers with the floors below it when Django starts."""


def connect() -> None:
    """Register the warehouse's hooks and panels (filled in by the stock and packing work)."""
    from parcelops.warehouse import packing_panels

    packing_panels.register_panels()
