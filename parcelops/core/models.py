"""The core's one table: the claims that make each periodic run happen once per cluster
(parcelops.core.periodic)."""

from django.db import models


class PeriodicRun(models.Model):
    """One run of a periodic task, claimed by the worker that inserted it first. Every
    worker's scheduler queues each periodic task; the unique (task, slot) lets only one of
    those copies do the work."""

    task = models.CharField(max_length=200)  # "parcelops.exceptions.tasks.sweep"
    slot = models.DateTimeField()  # the scheduled minute (UTC) this run stands for
    claimed_at = models.DateTimeField()
    # host:pid:random, so an operator sees which worker ran it, and a second copy taken by
    # the same worker thread cannot mistake the first copy's claim for its own.
    claimed_by = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "slot"], name="core_periodic_run_once")
        ]

    def __str__(self) -> str:
        return f"{self.task} at {self.slot:%Y-%m-%d %H:%M} by {self.claimed_by}"
