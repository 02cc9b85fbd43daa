"""The exception desk (chapters 4.3 and 5): cases, their evidence and timelines, and the
settings that drive detection and deadlines (thresholds, SLA targets, the calendar)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from parcelops.exceptions.kinds import (
    CaseEventKind,
    CaseSource,
    CaseState,
    CaseType,
    Measure,
    OwnerTier,
    Resolution,
    Severity,
)


class Case(models.Model):
    """One exception on an order or one of its parcels, from discovery to its summary.

    At most one open case per (order, parcel or none, type): a repeated signal adds
    evidence to it. Deadlines are columns the sweep reads (`sla_check_at`), so they
    survive restarts."""

    type = models.CharField(max_length=24, choices=CaseType.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    state = models.CharField(max_length=10, choices=CaseState.choices, default=CaseState.OPEN)
    source = models.CharField(max_length=10, choices=CaseSource.choices)
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="cases")
    shipment = models.ForeignKey(
        "tracking.Shipment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    carrier = models.CharField(max_length=40, blank=True)  # the parcel's, for filters
    owner_tier = models.CharField(max_length=12, choices=OwnerTier.choices)
    owner = models.ForeignKey(  # indexed by (owner, ...) below: case_owner_queue
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_cases",
        db_index=False,
    )
    escalation_level = models.PositiveSmallIntegerField(default=0)
    description = models.TextField(blank=True)  # what the reporter said
    # The people and parcel of a case's facts are never looked up by: not indexed, as
    # each index is one more write of every case a sweep opens (decision 0037).
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    # The clock (R5.3): discovery, the deadline, the warnings given, the breach.
    opened_at = models.DateTimeField()
    due_at = models.DateTimeField()
    warned_at = models.DateTimeField(null=True, blank=True)  # the last warning
    warnings_given = models.PositiveSmallIntegerField(default=0)
    breached_at = models.DateTimeField(null=True, blank=True)  # stays once set
    # Whether breached_at is set: the queue's order (breached first, then by deadline)
    # read off one index on both databases; SQLite sorts "NULLs last" in memory.
    is_breached = models.BooleanField(default=False, db_default=False)
    escalated_at = models.DateTimeField(null=True, blank=True)
    # When the sweep next looks at the case (the next warning or the deadline); None when
    # nothing more can happen to it by the clock.
    sla_check_at = models.DateTimeField(null=True, blank=True)
    # The condition that opened it is gone (a scan after a stall), when it went.
    cleared_at = models.DateTimeField(null=True, blank=True)
    # Actions' facts.
    carrier_reference = models.CharField(max_length=100, blank=True)
    replacement = models.ForeignKey(
        "tracking.Shipment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    refund_cents = models.BigIntegerField(default=0)
    claim_cents = models.BigIntegerField(default=0)
    claim_due_at = models.DateTimeField(null=True, blank=True)
    # Closing (R5.2.4).
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    resolution = models.CharField(max_length=24, choices=Resolution.choices, blank=True)
    cause = models.TextField(blank=True)
    action_taken = models.TextField(blank=True)
    lesson = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["order", "shipment", "type"],
                condition=models.Q(state="open", shipment__isnull=False),
                name="case_one_open_per_shipment_type",
            ),
            models.UniqueConstraint(
                fields=["order", "type"],
                condition=models.Q(state="open", shipment__isnull=True),
                name="case_one_open_per_order_type",
            ),
        ]
        indexes = [
            # The sweep: open cases whose clock is due.
            models.Index(
                fields=["sla_check_at"],
                condition=models.Q(state="open"),
                name="case_sla_check",
            ),
            # The queue: open cases, breached first, then by deadline.
            models.Index(fields=["-is_breached", "due_at", "id"], name="case_queue"),
            # The queue of one state (open, by default on the page) in its order, and the
            # count of that state off the index alone (a count of 100,000 open cases read
            # the table in 95 ms on SQLite).
            models.Index(fields=["state", "-is_breached", "due_at", "id"], name="case_state_queue"),
            # A person's cases ("mine") in the queue's order, of any state (the API's
            # default) or of one, and their count off the index alone (the state last:
            # without it, counting one person's open cases read each of their rows, 23 ms
            # of 100,000 on SQLite; first, the API's sort of all their cases took 100 ms).
            # And a type's cases in the queue's order.
            models.Index(
                fields=["owner", "-is_breached", "due_at", "id", "state"], name="case_owner_queue"
            ),
            models.Index(fields=["type", "-is_breached", "due_at", "id"], name="case_type_queue"),
            # The queue's counts by its filters off one narrow index, never the table: of
            # 100,000 open cases, counting the 33,333 major ones read the rows in 97-140 ms
            # on SQLite, off this index in 1.4 ms; a tier's, read along the open ones, 7 ms.
            models.Index(
                fields=["state", "severity", "owner_tier", "is_breached", "type", "carrier"],
                name="case_counts",
            ),
        ]
        permissions = [
            ("handle_case", "Can work on exception cases (note, contact, notify, close)"),
            ("report_case", "Can report an exception case by hand"),
            ("settle_case", "Can reship, refund, compensate and claim on a case"),
            ("manage_desk", "Can change thresholds, SLA targets and the calendar"),
        ]

    def __str__(self) -> str:
        return f"case {self.pk} {self.type}"

    @property
    def is_open(self) -> bool:
        return self.state == CaseState.OPEN


class CaseEvidence(models.Model):
    """What showed the exception: a carrier event (once per case, by its key), a
    report, or the clock's reading."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evidence")
    at = models.DateTimeField()
    kind = models.CharField(max_length=12)  # event | report | clock
    event_key = models.CharField(max_length=32, blank=True)  # TrackingEvent.dedupe_key
    status = models.CharField(max_length=24, blank=True)
    substatus = models.CharField(max_length=60, blank=True)
    location = models.CharField(max_length=200, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "event_key"],
                condition=~models.Q(event_key=""),
                name="evidence_event_once",
            )
        ]
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.status}"


class CaseEvent(models.Model):
    """One step of a case's timeline, with who and when."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=CaseEventKind.choices)
    at = models.DateTimeField()
    actor = models.ForeignKey(  # not indexed (decision 0037)
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    text = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class Threshold(models.Model):
    """A threshold for a carrier, service and lane ("" matches any); the most specific
    row wins, then the defaults (kinds.DEFAULT_THRESHOLD_HOURS)."""

    carrier = models.CharField(max_length=40, blank=True)
    service = models.CharField(max_length=60, blank=True)
    origin_province = models.CharField(max_length=40, blank=True)
    destination_province = models.CharField(max_length=40, blank=True)
    measure = models.CharField(max_length=20, choices=Measure.choices)
    hours = models.FloatField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "service", "origin_province", "destination_province", "measure"],
                name="threshold_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.measure} {self.carrier or '*'} {self.hours} h"


class LearnedThreshold(models.Model):
    """A threshold measured from the system's own history: a high percentile of a lane's
    scan gaps or transit times, never below a floor (shown beside the default)."""

    carrier = models.CharField(max_length=40)
    origin_province = models.CharField(max_length=40, blank=True)
    destination_province = models.CharField(max_length=40, blank=True)
    measure = models.CharField(max_length=20, choices=Measure.choices)
    hours = models.FloatField()
    samples = models.PositiveIntegerField()
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "origin_province", "destination_province", "measure"],
                name="learned_threshold_unique",
            )
        ]

    def __str__(self) -> str:
        return f"learned {self.measure} {self.carrier} {self.hours} h"


class SlaTarget(models.Model):
    """A handling deadline in business hours, per type ("" any) and severity."""

    case_type = models.CharField(max_length=24, blank=True, choices=CaseType.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    hours = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case_type", "severity"], name="sla_target_unique")
        ]

    def __str__(self) -> str:
        return f"{self.case_type or '*'} {self.severity} {self.hours} h"


class DeskSettings(models.Model):
    """The desk's settings: one row (pk 1), made with the defaults on first read."""

    class CalendarKind(models.TextChoices):
        ALWAYS = "24x7", _("Around the clock")
        WORKING_HOURS = "working_hours", _("Working hours")

    calendar = models.CharField(
        max_length=16, choices=CalendarKind.choices, default=CalendarKind.ALWAYS
    )
    # [["09:00", "12:00"], ["13:30", "18:00"]]: the working windows of a working day.
    working_windows = models.JSONField(default=list, blank=True)
    # Monday 0 .. Sunday 6: the ordinary working days.
    working_weekdays = models.JSONField(default=list, blank=True)
    # China's official holidays and make-up working days from the chinese-calendar
    # package; CalendarDay rows override it (and cover the years it does not know).
    use_official_calendar = models.BooleanField(default=True)
    warning_fractions = models.JSONField(default=list, blank=True)  # [0.5, 0.8]
    # Learned thresholds are used instead of the defaults where a lane has enough history.
    use_learned_thresholds = models.BooleanField(default=False)
    learning_percentile = models.FloatField(default=95)
    learning_min_samples = models.PositiveIntegerField(default=30)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return "desk settings"


class CalendarDay(models.Model):
    """A day the calendar treats otherwise than its weekday: a public holiday, or a
    make-up working day on a weekend."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Public holiday")
        WORKDAY = "workday", _("Make-up working day")

    date = models.DateField(unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=100, blank=True)

    def __str__(self) -> str:
        return f"{self.date} {self.kind}"
