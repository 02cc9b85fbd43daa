"""The slots of the order pages that higher apps fill with their panels
(parcelops.core.panels): tracking's parcels now, the exception desk's cases and customer
service's inquiries later. Each panel's context function gets (request, order)."""

# The staff order page, below the lines and amounts.
ORDER_PAGE = "orders.detail"
# The customer's order lookup: no login, so its panels show no personal data.
PUBLIC_ORDER_PAGE = "orders.public_lookup"
