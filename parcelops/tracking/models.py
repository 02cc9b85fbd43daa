"""Shipments (one parcel each), their carrier events, the inbox of events that matched no
shipment yet, raw inbound pushes, and the secrets of provider accounts."""

from django.conf import settings
from django.db import models

from parcelops.core.fields import EncryptedTextField
from parcelops.tracking.status import StatusSource, TrackingStatus


class Shipment(models.Model):
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="shipments")
    carrier = models.CharField(max_length=40)  # a code of parcelops.carriers.registry
    service = models.CharField(max_length=60, blank=True)
    tracking_number = models.CharField(max_length=64)
    is_number_format_known = models.BooleanField(default=True)
    status = models.CharField(max_length=24, choices=TrackingStatus.choices)
    substatus = models.CharField(max_length=60, blank=True)
    status_rank = models.PositiveSmallIntegerField(default=0)
    # The status is the fold of the events, or a provider's verdict on the whole parcel that
    # ran ahead of the events it sent (decision 0020); whose verdict, then.
    status_source = models.CharField(
        max_length=20, choices=StatusSource.choices, default=StatusSource.EVENT
    )
    summary_provider = models.CharField(max_length=20, blank=True)
    # A provider tracks the parcel under another carrier than ours (Kuaidi100's comNew): its
    # carrier code, and when it first said so. Its events still attach by the number.
    carrier_correction = models.CharField(max_length=40, blank=True)
    carrier_corrected_at = models.DateTimeField(null=True, blank=True)
    last_event_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    promised_delivery_date = models.DateField(null=True, blank=True)
    estimated_delivery_date = models.DateField(null=True, blank=True)
    # One more each time ingestion writes the shipment: its writes compare and set it, so
    # events read and folded outside the write lock are never written over newer ones
    # (decision 0015).
    version = models.IntegerField(default=0)
    # When the parcel was handed over to the carrier (the API's shipped_at; it may be
    # recorded later than it happened, never ahead), and when its label was printed.
    created_at = models.DateTimeField()
    label_created_at = models.DateTimeField(null=True, blank=True)
    # Not indexed, as no page or report looks parcels up by it: each index of this table
    # is written again whenever the sweep moves a parcel's next check (decision 0037).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    # The lane, in clear at city level (decision 0028): the sender's province, and the
    # recipient's province and city as the order gave them at hand-over. The street stays
    # encrypted on the order.
    origin_province = models.CharField(max_length=40, blank=True, default="", db_default="")
    destination_province = models.CharField(max_length=40, blank=True, default="", db_default="")
    destination_city = models.CharField(max_length=60, blank=True, default="", db_default="")
    # When the current status began (set by ingestion when the status changes).
    status_changed_at = models.DateTimeField(null=True, blank=True)
    # When the exception desk's sweep next looks at the parcel: ingestion only lowers it,
    # the sweep raises or clears it (decision 0028). Indexed where set.
    next_check_at = models.DateTimeField(null=True, blank=True)
    # Whether an exception case is open on this parcel (kept by the desk).
    has_open_case = models.BooleanField(default=False, db_default=False)
    # The parcel sent in its place (an exception case's reship): a replaced parcel no
    # longer counts toward its order's delivered state. Not indexed (decision 0037).
    replaced_by = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replaces",
        db_index=False,
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "tracking_number"], name="shipment_unique_number_per_carrier"
            )
        ]
        indexes = [
            models.Index(fields=["tracking_number"]),
            models.Index(
                fields=["next_check_at"],
                condition=models.Q(next_check_at__isnull=False),
                name="shipment_next_check",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_number}"


class TrackingEvent(models.Model):
    """One carrier event, stored once (unique dedupe key per shipment), kept raw."""

    # No index of its own: the unique (shipment, dedupe_key) index serves every lookup by
    # shipment, and each extra index cost ingestion a B-tree insert per event (decision 0010).
    shipment = models.ForeignKey(
        Shipment, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    occurred_at = models.DateTimeField()  # UTC
    local_time = models.CharField(max_length=40)  # as the carrier sent it
    offset_source = models.CharField(max_length=20)  # payload | carrier_zone
    received_at = models.DateTimeField()
    provider = models.CharField(max_length=20)
    raw_code = models.CharField(max_length=60, blank=True)
    raw_text = models.TextField(blank=True)
    location = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=24, blank=True)  # "" = unmapped, listed for review
    substatus = models.CharField(max_length=60, blank=True)
    is_regression = models.BooleanField(default=False)  # would have moved the status back
    is_future = models.BooleanField(default=False)  # occurred after it was received
    dedupe_key = models.CharField(max_length=32)
    raw = models.TextField(blank=True)  # the provider's payload for this event (JSON)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shipment", "dedupe_key"], name="event_unique_per_shipment"
            )
        ]
        indexes = [
            # Only unmapped events are indexed, for the mapping review (few, and wanted).
            models.Index(
                fields=["provider", "raw_code"],
                condition=models.Q(status=""),
                name="event_unmapped",
            )
        ]
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.shipment_id} {self.occurred_at:%Y-%m-%d %H:%M} {self.status}"


class UnmatchedEvent(models.Model):
    """An event for a tracking number with no shipment yet: kept until one appears."""

    carrier = models.CharField(max_length=40, blank=True)
    tracking_number = models.CharField(max_length=64, db_index=True)
    occurred_at = models.DateTimeField()
    local_time = models.CharField(max_length=40)
    offset_source = models.CharField(max_length=20)
    received_at = models.DateTimeField()
    provider = models.CharField(max_length=20)
    raw_code = models.CharField(max_length=60, blank=True)
    raw_text = models.TextField(blank=True)
    location = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=24, blank=True)
    substatus = models.CharField(max_length=60, blank=True)
    dedupe_key = models.CharField(max_length=32)
    event_id = models.CharField(max_length=100, blank=True)
    raw = models.TextField(blank=True)
    # The provider's own code of the carrier when it maps to none of ours (carrier is then
    # ""): shown on the unmapped page until staff map it. A database default too, so raw
    # inserts that do not name it still work.
    provider_carrier = models.CharField(max_length=60, blank=True, default="", db_default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "tracking_number", "dedupe_key"], name="unmatched_unique"
            )
        ]

    def __str__(self) -> str:
        return f"unmatched {self.carrier} {self.tracking_number}"


class InboundPush(models.Model):
    """Every signed push as it arrived, with what became of it: written with its events, or
    alone with the error when they could not be stored (replayable).

    The body is encrypted (it names customers); identical bodies are one row, found by a
    keyed digest of the plaintext, counting its deliveries. Rows are deleted
    PARCELOPS_PUSH_RETENTION_DAYS after they arrived (decision 0025)."""

    class Outcome(models.TextChoices):
        PROCESSED = "processed"
        FAILED = "failed"

    provider = models.CharField(max_length=20)
    push_id = models.CharField(max_length=100, blank=True)  # the provider's delivery id
    body = EncryptedTextField()
    # HMAC-SHA256 of the plaintext body under the blind-index key (push_digest()).
    body_digest = models.CharField(max_length=64, blank=True, default="")
    deliveries = models.PositiveIntegerField(default=1)
    received_at = models.DateTimeField(db_index=True)
    last_delivered_at = models.DateTimeField()
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.PROCESSED)
    error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "push_id"],
                condition=~models.Q(push_id=""),
                name="push_unique_delivery",
            ),
            # Not partial: SQLite uses a partial index only when the query repeats its
            # condition, and every push looks its digest up.
            models.UniqueConstraint(fields=["provider", "body_digest"], name="push_unique_body"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} push {self.pk}"


class ProviderAccount(models.Model):
    """The secret a provider signs its pushes with (salt, webhook secret, security key)."""

    provider = models.CharField(max_length=20, unique=True)
    secret = EncryptedTextField()
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.provider


class CodeMapping(models.Model):
    """A provider's raw code that staff mapped to a status once, from the unmapped-codes
    inbox: ingestion consults it (parcelops.tracking.code_mappings) for codes the provider
    modules' tables and keyword rules leave unmapped."""

    provider = models.CharField(max_length=20)
    raw_code = models.CharField(max_length=60)
    status = models.CharField(max_length=24, choices=TrackingStatus.choices)
    substatus = models.CharField(max_length=60, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "raw_code"], name="code_mapping_unique")
        ]
        permissions = [
            ("resolve_tracking_inbox", "Can attach parked carrier events and map codes"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.raw_code} -> {self.status}"
