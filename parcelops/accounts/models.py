"""Staff members: skills, workload limit and shift (R2.2.2); API tokens (R9.1)."""

import hashlib

from django.conf import settings
from django.db import models


class StaffProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    # Order types this person handles: "normal", "large", "special".
    skills = models.JSONField(default=list, blank=True)
    workload_limit = models.PositiveIntegerField(default=50)
    is_on_shift = models.BooleanField(default=True)
    display_name = models.CharField(max_length=100, blank=True)

    def __str__(self) -> str:
        return self.display_name or self.user.get_username()

    def has_skill(self, order_type: str) -> bool:
        return order_type in self.skills


class ShiftWindow(models.Model):
    """One weekly working window of a staff member (Monday 0 .. Sunday 6, local time): a
    person is on shift while now falls in one of theirs, and `is_on_shift` is true (the
    flag is "available": off on leave). A person without windows is on shift whenever
    available, as before schedules existed."""

    profile = models.ForeignKey(StaffProfile, on_delete=models.CASCADE, related_name="shifts")
    weekday = models.PositiveSmallIntegerField()
    starts = models.TimeField()
    ends = models.TimeField()  # may be before starts: the window runs past midnight

    class Meta:
        ordering = ["weekday", "starts"]

    def __str__(self) -> str:
        return f"{self.profile} {self.weekday} {self.starts:%H:%M}-{self.ends:%H:%M}"


def hash_token(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token; only its SHA-256 is stored, the token itself is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
