"""Orders, their lines, customers, channels, products and the event timeline."""

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from parcelops.core.fields import EncryptedJSONField, EncryptedTextField
from parcelops.core.money import display_money
from parcelops.orders.states import (
    CustomerTier,
    OrderEventType,
    OrderState,
    OrderType,
    ProductType,
    ReviewState,
)


class Channel(models.Model):
    """Where orders come from: web shop, app, mini-program, a marketplace (R2.1.1)."""

    class Kind(models.TextChoices):
        WEB = "web", _("Web shop")
        APP = "app", _("Mobile app")
        MINI_PROGRAM = "mini_program", _("Mini-program")
        MARKETPLACE = "marketplace", _("Marketplace")
        OFFLINE = "offline", _("Phone / offline")

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)  # as the shop calls it, usually in Chinese
    name_en = models.CharField(max_length=100, blank=True, db_default="")  # English pages: "JD.com"
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.WEB)
    is_active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.name

    def label(self, language: str | None = None) -> str:
        """The channel's name in the page's language: the English name on English pages
        when it has one, its own name otherwise."""
        language = language or get_language() or ""
        return self.name_en if language.startswith("en") and self.name_en else self.name


class Customer(models.Model):
    """A shop customer. Name, phone and email are encrypted; the blind indexes find them."""

    name = EncryptedTextField()
    phone = EncryptedTextField()
    email = EncryptedTextField(blank=True)
    phone_index = models.CharField(max_length=64, db_index=True)
    email_index = models.CharField(max_length=64, db_index=True, blank=True)
    name_index = models.CharField(max_length=64, db_index=True, blank=True)
    tier = models.CharField(
        max_length=20, choices=CustomerTier.choices, default=CustomerTier.REGULAR
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # A phone (or, without one, an email) is one customer, even when intakes race.
        constraints = [
            models.UniqueConstraint(
                fields=["phone_index"],
                condition=~models.Q(phone_index=""),
                name="customer_unique_phone",
            ),
            models.UniqueConstraint(
                fields=["email_index"],
                condition=models.Q(phone_index="") & ~models.Q(email_index=""),
                name="customer_unique_email_without_phone",
            ),
        ]

    def __str__(self) -> str:
        return f"Customer {self.pk}"


class Product(models.Model):
    sku = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    product_type = models.CharField(
        max_length=20, choices=ProductType.choices, default=ProductType.STANDARD
    )
    category = models.CharField(max_length=100, blank=True)
    unit_price_cents = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class LiveOrderManager(models.Manager["Order"]):
    def get_queryset(self) -> models.QuerySet["Order"]:
        return super().get_queryset().filter(is_deleted=False)


class Order(models.Model):
    # Fewer indexes, cheaper state changes: a state change is never a HOT update on
    # PostgreSQL (state is indexed), so it inserts into every index of the table; each
    # index below that another one covers, or that no query uses, is left out
    # (decision 0016). Unique by a constraint: unique=True adds a LIKE index on PostgreSQL.
    number = models.CharField(max_length=24)
    # Covered by the unique (channel, external_id) constraint.
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="orders", db_index=False
    )
    external_id = models.CharField(max_length=100)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    customer_tier = models.CharField(max_length=20, choices=CustomerTier.choices)
    shipping_address = EncryptedJSONField()
    placed_at = models.DateTimeField()
    received_at = models.DateTimeField(db_index=True)  # the system's own time of intake (R2.1.2)
    currency = models.CharField(max_length=3, default="CNY")
    subtotal_cents = models.BigIntegerField()
    discount_cents = models.BigIntegerField(default=0)
    shipping_fee_cents = models.BigIntegerField(default=0)
    total_cents = models.BigIntegerField()
    requested_carrier = models.CharField(max_length=40, blank=True)
    # Paid at the door (货到付款): the carrier collects the total, so only a carrier that
    # offers cash on delivery can take the parcel (carrier choice, R4.1).
    cash_on_delivery = models.BooleanField(default=False, db_default=False)
    promised_delivery_date = models.DateField(null=True, blank=True)
    order_type = models.CharField(max_length=10, choices=OrderType.choices)  # a handful of values
    classification_reasons = models.JSONField(default=list, blank=True)
    # No index of its own: (state, received_at) below serves every lookup by state, and on
    # PostgreSQL each index on it (two with the LIKE one) costs every state change an insert.
    state = models.CharField(max_length=20, choices=OrderState.choices)
    review_state = models.CharField(max_length=20, choices=ReviewState.choices)
    assignee = models.ForeignKey(  # indexed by (assignee, state) below
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_orders",
        db_index=False,
    )
    processed_by = models.ForeignKey(  # never looked up by; not indexed (decision 0037)
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="processed_orders",
        db_index=False,
    )
    # Not indexed, so that setting it is an in-place update (decision 0037); the list's
    # filter asks the open cases (parcelops.orders.exception_hooks).
    has_open_exception = models.BooleanField(default=False)
    # Approved but not all its lines could be reserved (R2.2.3): the warehouse lists it and
    # allocates it, oldest first, when stock arrives. A flag, not a state.
    is_backordered = models.BooleanField(default=False, db_default=False)
    completed_at = models.DateTimeField(null=True, blank=True)
    after_sales_until = models.DateTimeField(null=True, blank=True)
    is_deleted = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deletion_reason = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LiveOrderManager()
    all_objects = models.Manager()  # noqa: DJ012 (a manager, not a field: deleted orders included)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="order_unique_number"),
            models.UniqueConstraint(
                fields=["channel", "external_id"], name="order_unique_per_channel"
            ),
        ]
        indexes = [
            models.Index(fields=["state", "received_at"]),
            models.Index(fields=["assignee", "state"]),
            models.Index(
                fields=["received_at"],
                condition=models.Q(is_backordered=True),
                name="order_backordered",
            ),
        ]
        permissions = [
            ("process_order", "Can process orders (confirm, edit, submit for review)"),
            ("review_order", "Can approve or reject orders in review"),
            ("assign_order", "Can reassign orders by hand"),
            ("edit_order_amounts", "Can edit quantities and prices of any order"),
            ("fulfil_order", "Can allocate, pick and pack orders"),
            ("ship_order", "Can hand orders to carriers"),
            ("cancel_order", "Can cancel orders"),
            ("export_orders", "Can export order lists"),
            ("view_customer_data", "Can see customer names, phones and addresses"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def total_display(self) -> str:
        return display_money(self.total_cents, self.currency)

    @property
    def is_locked_for_review(self) -> bool:
        return self.state == OrderState.IN_REVIEW


class OrderRecipient(models.Model):
    """Who the order goes to, as the order said: its own name, phone and email, whatever
    the customer record it is linked to says (decision 0026). A table beside the order, not
    columns on it: its blind indexes would cost every state change of an order an index
    insert on PostgreSQL (decision 0016), and only the list's search reads them."""

    order = models.OneToOneField(
        Order, on_delete=models.CASCADE, primary_key=True, related_name="recipient"
    )
    name = EncryptedTextField()
    phone = EncryptedTextField(blank=True)
    email = EncryptedTextField(blank=True)
    phone_index = models.CharField(max_length=64, db_index=True, blank=True)
    email_index = models.CharField(max_length=64, db_index=True, blank=True)
    name_index = models.CharField(max_length=64, db_index=True, blank=True)

    def __str__(self) -> str:
        return f"Recipient of order {self.pk}"


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, null=True, on_delete=models.SET_NULL, related_name="+")
    sku = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    product_type = models.CharField(max_length=20, choices=ProductType.choices)
    quantity = models.PositiveIntegerField()
    unit_price_cents = models.BigIntegerField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.sku} x{self.quantity}"

    @property
    def line_total_cents(self) -> int:
        return self.quantity * self.unit_price_cents


class OrderEvent(models.Model):
    """One entry of the order's timeline: every transition, with actor and time."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=30, choices=OrderEventType.choices)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()
    comment = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.type}"
