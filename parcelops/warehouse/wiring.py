"""What the warehouse registers with the floors below it when Django starts."""


def connect() -> None:
    """Register the warehouse's hooks and panels: the stock keeper that reserves an order's
    stock when it is allocated (parcelops.orders.stock_hooks), and the order page's stock,
    packing and parcel panels."""
    from parcelops.orders import stock_hooks

    # The nightly refresh of the carriers' scores: imported here because Huey discovers
    # only an app's `tasks` module.
    from parcelops.warehouse import (
        choice_tasks,  # noqa: F401
        label_panels,
        packing_panels,
        stock_panels,
    )
    from parcelops.warehouse.actions import stock_reservations

    stock_hooks.set_stock_keeper(stock_reservations.Keeper())
    stock_panels.register_panels()
    packing_panels.register_panels()
    label_panels.register_panels()
