"""The warehouse (chapter 3): where stock lies, every move of it, what is reserved for which
order, pick lists, packing, waybill numbers, manifests, inspections and freight bills.

On-hand stock is the sum of its moves (StockLevel.on_hand is kept by the same transaction
that writes the move, and `parcelops stock check` proves they agree). Quantities are whole
units; weights in grams, sizes in millimetres, money in integer cents.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

USER = settings.AUTH_USER_MODEL


class Warehouse(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    # The sender on labels and the origin of the lane (price zones, transit times).
    province = models.CharField(_("province"), max_length=40)
    city = models.CharField(_("city"), max_length=60)
    address = models.CharField(_("address"), max_length=200)
    contact_name = models.CharField(_("contact name"), max_length=60)
    contact_phone = models.CharField(_("contact phone"), max_length=30)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ("code",)
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        permissions = [
            ("manage_stock", "Can receive, move, adjust and return stock"),
            ("pick_orders", "Can make pick lists and pick"),
            ("pack_orders", "Can pack orders and print labels"),
            ("hand_over_parcels", "Can scan parcels into manifests and hand them over"),
            ("inspect_warehouse", "Can record safety inspections"),
            ("manage_warehouse", "Can set up warehouses, number ranges, prices and bills"),
            ("view_warehouse_reports", "Can see stock, rates and freight reports"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Zone(models.Model):
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="zones")
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=100, blank=True)
    # The order a picker walks the zones in.
    walk_order = models.PositiveIntegerField(_("walk order"), default=0)

    class Meta:
        ordering = ("warehouse", "walk_order", "code")
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "code"], name="zone_unique_code"),
        ]

    def __str__(self) -> str:
        return self.code


class Bin(models.Model):
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="bins")
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="bins")
    code = models.CharField(_("code"), max_length=30)  # printed on the shelf, scanned
    # The order a picker walks the bins of its zone in.
    walk_order = models.PositiveIntegerField(_("walk order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ("warehouse", "zone__walk_order", "walk_order", "code")
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "code"], name="bin_unique_code"),
        ]

    def __str__(self) -> str:
        return self.code


class SkuProfile(models.Model):
    """What the warehouse knows of a product (orders.Product is the SKU): its expected
    weight and size for the packing check and volumetric weight, and its stock limits."""

    product = models.OneToOneField(
        "orders.Product", on_delete=models.CASCADE, primary_key=True, related_name="profile"
    )
    weight_grams = models.PositiveIntegerField(_("weight (g)"), default=0)
    length_mm = models.PositiveIntegerField(_("length (mm)"), default=0)
    width_mm = models.PositiveIntegerField(_("width (mm)"), default=0)
    height_mm = models.PositiveIntegerField(_("height (mm)"), default=0)
    min_stock = models.PositiveIntegerField(_("minimum stock"), default=0)  # 0: no alert
    max_stock = models.PositiveIntegerField(_("maximum stock"), default=0)  # 0: no alert

    def __str__(self) -> str:
        return f"Profile of {self.product_id}"


class StockLevel(models.Model):
    """Units of one SKU in one bin: on hand (the sum of its moves) and reserved for orders."""

    product = models.ForeignKey("orders.Product", on_delete=models.PROTECT, related_name="+")
    bin = models.ForeignKey(Bin, on_delete=models.PROTECT, related_name="levels")
    on_hand = models.IntegerField(default=0)
    reserved = models.IntegerField(default=0)

    class Meta:
        ordering = ("product", "bin")
        constraints = [
            models.UniqueConstraint(fields=["product", "bin"], name="stock_unique_bin"),
            models.CheckConstraint(
                condition=models.Q(reserved__gte=0) & models.Q(reserved__lte=models.F("on_hand")),
                name="stock_reserved_within_on_hand",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}@{self.bin_id}: {self.on_hand}/{self.reserved}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class StockMoveKind(models.TextChoices):
    RECEIVE = "receive", _("Received")
    MOVE_OUT = "move_out", _("Moved out")
    MOVE_IN = "move_in", _("Moved in")
    PICK = "pick", _("Picked")
    ADJUST = "adjust", _("Adjusted")
    RETURN = "return", _("Returned to stock")


class StockMove(models.Model):
    """One movement of stock in or out of a bin; never changed, never deleted."""

    product = models.ForeignKey("orders.Product", on_delete=models.PROTECT, related_name="+")
    bin = models.ForeignKey(Bin, on_delete=models.PROTECT, related_name="moves")
    kind = models.CharField(max_length=10, choices=StockMoveKind.choices)
    quantity = models.IntegerField()  # signed: + into the bin, - out of it
    actor = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField()
    reason = models.CharField(max_length=300, blank=True)
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Ties the two halves of a move between bins, or a receipt's lines, together.
    reference = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ("at", "id")
        indexes = [models.Index(fields=["product", "bin", "at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity:+d} {self.product_id}@{self.bin_id}"


class ReservationState(models.TextChoices):
    ACTIVE = "active", _("Reserved")
    PICKED = "picked", _("Picked")
    RELEASED = "released", _("Released")


class Reservation(models.Model):
    """Units of an order line held in one bin; a line may be served from several bins."""

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="+")
    line = models.ForeignKey("orders.OrderLine", on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey("orders.Product", on_delete=models.PROTECT, related_name="+")
    bin = models.ForeignKey(Bin, on_delete=models.PROTECT, related_name="reservations")
    quantity = models.PositiveIntegerField()
    state = models.CharField(
        max_length=10, choices=ReservationState.choices, default=ReservationState.ACTIVE
    )
    created_at = models.DateTimeField()
    picked_quantity = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("id",)
        indexes = [models.Index(fields=["order", "state"])]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.quantity} of {self.product_id}@{self.bin_id}"


class PickListState(models.TextChoices):
    OPEN = "open", _("Being picked")
    DONE = "done", _("Picked")


class PickList(models.Model):
    """A wave of allocated orders, picked in one walk of the warehouse."""

    number = models.CharField(max_length=24, unique=True)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=10, choices=PickListState.choices, default="open")
    created_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return self.number


class PickLine(models.Model):
    """One stop of the walk: take `quantity` of a SKU from a bin for an order's reservation."""

    pick_list = models.ForeignKey(PickList, on_delete=models.CASCADE, related_name="lines")
    reservation = models.OneToOneField(Reservation, on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey("orders.Product", on_delete=models.PROTECT, related_name="+")
    bin = models.ForeignKey(Bin, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    sequence = models.PositiveIntegerField()  # the walk: zone, then bin
    picked_quantity = models.PositiveIntegerField(default=0)
    picked_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    picked_at = models.DateTimeField(null=True, blank=True)
    # A stop the picker could not take (short pick): why, and when. The order stays unpacked.
    short_reason = models.CharField(max_length=300, blank=True)
    short_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("pick_list", "sequence", "id")

    def __str__(self) -> str:
        return f"{self.pick_list_id}#{self.sequence}"


class PackingMaterialKind(models.TextChoices):
    BOX = "box", _("Box")
    FILLER = "filler", _("Filler")
    TAPE = "tape", _("Tape")
    BAG = "bag", _("Bag")


class PackingMaterial(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=10, choices=PackingMaterialKind.choices)
    length_mm = models.PositiveIntegerField(_("length (mm)"), default=0)
    width_mm = models.PositiveIntegerField(_("width (mm)"), default=0)
    height_mm = models.PositiveIntegerField(_("height (mm)"), default=0)
    weight_grams = models.PositiveIntegerField(_("weight (g)"), default=0)
    on_hand = models.IntegerField(_("on hand"), default=0)  # the sum of its moves
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ("kind", "code")

    def __str__(self) -> str:
        return self.code


class MaterialMove(models.Model):
    material = models.ForeignKey(PackingMaterial, on_delete=models.PROTECT, related_name="moves")
    quantity = models.IntegerField()  # signed
    actor = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField()
    reason = models.CharField(max_length=300, blank=True)
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ("at", "id")

    def __str__(self) -> str:
        return f"{self.material_id} {self.quantity:+d}"


class WaybillSource(models.TextChoices):
    RANGE = "range", _("Carrier's number range")
    PROVIDER = "provider", _("E-waybill provider")
    MANUAL = "manual", _("Typed by hand")


class Parcel(models.Model):
    """A packed order's parcel before and at hand-over: what was packed, its weight, the
    carrier chosen, and the waybill number held until the manifest hands it over."""

    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="parcel")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    packed_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    packing_started_at = models.DateTimeField(null=True, blank=True)
    packed_at = models.DateTimeField(null=True, blank=True)
    weight_grams = models.PositiveIntegerField(null=True, blank=True)
    expected_weight_grams = models.PositiveIntegerField(null=True, blank=True)
    weight_override_reason = models.CharField(max_length=300, blank=True)
    length_mm = models.PositiveIntegerField(default=0)
    width_mm = models.PositiveIntegerField(default=0)
    height_mm = models.PositiveIntegerField(default=0)
    materials = models.JSONField(default=list, blank=True)  # [{"code", "quantity"}]
    checklist = models.JSONField(default=dict, blank=True)  # {item: true}
    verified = models.JSONField(default=dict, blank=True)  # {order line id: units counted}
    # Each packing step as taken: [{"step", "by" (user id), "at" (ISO 8601), ...}].
    steps = models.JSONField(default=list, blank=True)
    carrier = models.CharField(max_length=40, blank=True)
    service = models.CharField(max_length=60, blank=True)
    waybill_number = models.CharField(max_length=64, blank=True)
    waybill_source = models.CharField(max_length=10, choices=WaybillSource.choices, blank=True)
    waybill_assigned_at = models.DateTimeField(null=True, blank=True)
    label_printed_at = models.DateTimeField(null=True, blank=True)
    label_print_count = models.PositiveIntegerField(default=0)
    quoted_cents = models.BigIntegerField(null=True, blank=True)  # the price rules' quote
    handed_over_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-packed_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "waybill_number"],
                condition=~models.Q(waybill_number=""),
                name="parcel_unique_waybill",
            ),
        ]

    def __str__(self) -> str:
        return f"Parcel of {self.order_id}"


class NumberRange(models.Model):
    """A block of waybill numbers a carrier issued to the shop (R3.3)."""

    class CheckDigit(models.TextChoices):
        NONE = "", _("None")
        MOD7 = "mod7", _("Remainder of 7 (EMS-style serials)")
        MOD10 = "mod10", _("Luhn (mod 10)")
        MOD11 = "mod11", _("Weighted mod 11 (UPU S10)")

    carrier = models.CharField(_("carrier"), max_length=40)  # a code of the carrier registry
    prefix = models.CharField(_("prefix"), max_length=10, blank=True)
    suffix = models.CharField(_("suffix"), max_length=10, blank=True)
    first = models.BigIntegerField(_("first serial"))
    last = models.BigIntegerField(_("last serial"))
    next_serial = models.BigIntegerField(_("next serial"))
    digits = models.PositiveSmallIntegerField(_("serial digits"))  # zero-padded to this width
    check_digit = models.CharField(
        _("check digit"), max_length=6, choices=CheckDigit.choices, blank=True
    )
    low_alert_at = models.PositiveIntegerField(_("alert when fewer left than"), default=1000)
    low_alerted_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ("carrier", "id")

    def __str__(self) -> str:
        return f"{self.carrier} {self.prefix}{self.first}-{self.last}"


class ManifestState(models.TextChoices):
    OPEN = "open", _("Loading")
    HANDED_OVER = "handed_over", _("Handed over")


class Manifest(models.Model):
    """The parcels one carrier's driver takes at one pickup."""

    number = models.CharField(max_length=24, unique=True)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    carrier = models.CharField(max_length=40)
    state = models.CharField(max_length=12, choices=ManifestState.choices, default="open")
    created_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    handed_over_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handed_over_at = models.DateTimeField(null=True, blank=True)
    driver_name = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return self.number


class ManifestParcel(models.Model):
    manifest = models.ForeignKey(Manifest, on_delete=models.CASCADE, related_name="parcels")
    parcel = models.OneToOneField(Parcel, on_delete=models.PROTECT, related_name="manifest_entry")
    scanned_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    scanned_at = models.DateTimeField()

    class Meta:
        ordering = ("scanned_at", "id")

    def __str__(self) -> str:
        return f"{self.manifest_id}: {self.parcel_id}"


class OperationKind(models.TextChoices):
    PICK = "pick", _("Pick")
    PACK = "pack", _("Pack")
    HAND_OVER = "hand_over", _("Hand-over")


class Operation(models.Model):
    """Who did one warehouse step and how long it took (R3.1.5)."""

    kind = models.CharField(max_length=10, choices=OperationKind.choices)
    actor = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    units = models.PositiveIntegerField(default=1)  # units picked, parcels packed or handed

    class Meta:
        ordering = ("-finished_at", "-id")
        indexes = [models.Index(fields=["kind", "finished_at"])]

    def __str__(self) -> str:
        return f"{self.kind} by {self.actor_id}"


class InspectionKind(models.TextChoices):
    FIRE = "fire", _("Fire safety")
    THEFT = "theft", _("Theft and security")
    DAMP = "damp", _("Damp and leaks")
    PESTS = "pests", _("Pests")


class InspectionSchedule(models.Model):
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.CASCADE, related_name="inspection_schedules"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=InspectionKind.choices)
    every_days = models.PositiveIntegerField(_("every (days)"))
    checklist = models.JSONField(_("checklist"), default=list)  # the questions, in order
    next_due = models.DateField(_("next due"))

    class Meta:
        ordering = ("warehouse", "next_due")
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "kind"], name="inspection_unique_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.warehouse_id} {self.kind}"


class Inspection(models.Model):
    schedule = models.ForeignKey(
        InspectionSchedule, on_delete=models.PROTECT, related_name="inspections"
    )
    inspector = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    done_at = models.DateTimeField()
    answers = models.JSONField(default=dict)  # {question: "ok" | "problem"}
    findings = models.TextField(blank=True)

    class Meta:
        ordering = ("-done_at", "-id")

    def __str__(self) -> str:
        return f"Inspection {self.pk}"


class InspectionPhoto(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to="inspections/%Y/%m/")
    uploaded_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.image.name or ""


class FollowUp(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="follow_ups")
    action = models.CharField(max_length=300)
    owner = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    due_on = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("due_on", "id")

    def __str__(self) -> str:
        return self.action


class FreightBill(models.Model):
    """A carrier's monthly bill as imported, with what matching it found (R4.3)."""

    carrier = models.CharField(max_length=40)
    month = models.DateField()  # the first day of the billed month
    file_name = models.CharField(max_length=200)
    imported_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    imported_at = models.DateTimeField()
    line_count = models.PositiveIntegerField(default=0)
    billed_cents = models.BigIntegerField(default=0)
    quoted_cents = models.BigIntegerField(default=0)
    tolerance_cents = models.BigIntegerField(default=0)
    # The tolerance in force when it was matched (the settings may change later), what the
    # over-billed lines cost beyond their quotes, and how many lines got each verdict: the
    # lists and totals read these instead of counting 100,000 lines.
    tolerance_percent = models.PositiveSmallIntegerField(default=0)
    over_billed_cents = models.BigIntegerField(default=0)
    disputed_cents = models.BigIntegerField(default=0)  # the excess + unknown + duplicates
    verdict_counts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ("-month", "carrier", "-id")
        constraints = [
            # One bill per carrier and month: importing it again replaces it, explicitly.
            models.UniqueConstraint(fields=["carrier", "month"], name="freight_bill_unique_month"),
        ]

    def __str__(self) -> str:
        return f"{self.carrier} {self.month:%Y-%m}"


class BillLineVerdict(models.TextChoices):
    OK = "ok", _("As quoted")
    OVER = "over", _("Over-billed")
    UNDER = "under", _("Under-billed")
    UNKNOWN = "unknown", _("Unknown waybill")
    DUPLICATE = "duplicate", _("Billed twice")
    NO_QUOTE = "no_quote", _("No price rule")


class FreightBillLine(models.Model):
    bill = models.ForeignKey(FreightBill, on_delete=models.CASCADE, related_name="lines")
    row = models.PositiveIntegerField()  # the row of the file, for the dispute
    waybill_number = models.CharField(max_length=64)
    billed_cents = models.BigIntegerField()
    billed_weight_grams = models.PositiveIntegerField(null=True, blank=True)
    destination_province = models.CharField(max_length=40, blank=True)
    shipment = models.ForeignKey(
        "tracking.Shipment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    quoted_cents = models.BigIntegerField(null=True, blank=True)
    verdict = models.CharField(max_length=10, choices=BillLineVerdict.choices)
    ship_date = models.DateField(null=True, blank=True)
    # A duplicate's first billing: the line of this bill or an earlier one of the same
    # carrier that billed the waybill before (both are disputed together).
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )

    class Meta:
        ordering = ("bill", "row")
        indexes = [
            models.Index(fields=["bill", "verdict"]),
            models.Index(fields=["waybill_number"]),
            # The bill page pages through a bill in file order, all lines or one verdict's.
            models.Index(fields=["bill", "row"], name="freight_line_bill_row"),
            models.Index(fields=["bill", "verdict", "row"], name="freight_line_verdict_row"),
        ]

    def __str__(self) -> str:
        return f"{self.bill_id}#{self.row} {self.waybill_number}"


class WarehouseSettings(models.Model):
    """The warehouse's tunable numbers, one row (pk 1), edited on the settings page."""

    # The packing scale: refused beyond this share of the expected weight (override + reason).
    weight_tolerance_percent = models.PositiveSmallIntegerField(default=15)
    weight_tolerance_grams = models.PositiveIntegerField(default=50)  # and at least this
    # Carrier choice: the weights of the score's factors, and when an order needs insurance.
    cost_weight = models.PositiveSmallIntegerField(default=40)
    speed_weight = models.PositiveSmallIntegerField(default=35)
    reliability_weight = models.PositiveSmallIntegerField(default=25)
    insure_above_cents = models.BigIntegerField(default=200000)
    # Freight bills: a line billed more than the quote plus this is over-billed.
    bill_tolerance_cents = models.BigIntegerField(default=50)
    bill_tolerance_percent = models.PositiveSmallIntegerField(default=2)

    def __str__(self) -> str:
        return "Warehouse settings"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> "WarehouseSettings":
        row, _created = cls.objects.get_or_create(pk=1)
        return row


class CarrierScore(models.Model):
    """What a year of the system's own tracking history measured of one carrier on one
    lane (R4.1): transit times, on-time, damage, loss and case rates. Rebuilt by
    `parcelops carriers refresh-scores` and each night, so carrier choice reads one small
    row per carrier instead of a year of parcels (decision 0033).

    Provinces are kept as compared (parcelops.carriers.coverage.province_key): "浙江省"
    and "浙江" are one lane. An empty origin: parcels handed over before the shop's
    province was known."""

    carrier = models.CharField(max_length=40)  # a code of the carrier registry
    origin_province = models.CharField(max_length=40)
    destination_province = models.CharField(max_length=40)
    shipments = models.PositiveIntegerField()  # handed over in the window
    delivered = models.PositiveIntegerField()  # of those, delivered: the transit sample
    transit_hours_p50 = models.FloatField(null=True)  # None: nothing delivered
    transit_hours_p90 = models.FloatField(null=True)
    promised = models.PositiveIntegerField()  # delivered ones with a promised date
    on_time_rate = models.FloatField(null=True)  # of `promised`; None when 0
    damage_rate = models.FloatField()  # of `shipments`
    loss_rate = models.FloatField()
    case_rate = models.FloatField(null=True)  # None: the exception desk is not installed
    window_start = models.DateTimeField()
    refreshed_at = models.DateTimeField()

    class Meta:
        ordering = ("carrier", "origin_province", "destination_province")
        constraints = [
            models.UniqueConstraint(
                fields=["origin_province", "destination_province", "carrier"],
                name="carrier_score_unique_lane",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.carrier} {self.origin_province}->{self.destination_province}"
