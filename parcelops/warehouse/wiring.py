"""What the warehouse registers with the floors below it when Django starts."""


def connect() -> None:
    """Register the warehouse's hooks and panels (filled in by the stock and packing work)."""
    connect_labels()


def connect_labels() -> None:
    """The order page's panel of the parcel's warehouse facts (waybill, label, hand-over)."""
    from parcelops.warehouse import label_panels

    label_panels.register_panels()
