"""`parcelops carriers refresh-scores`: measure every carrier's lanes again from the last
year of tracking history (the worker does it each night), for carrier choice."""

import time

from django.core.management.base import BaseCommand

from parcelops.warehouse.actions import choice


class Command(BaseCommand):
    help = "Carriers: 'refresh-scores' measures transit times and rates per lane again."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("subcommand", choices=["refresh-scores"])

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        lanes = choice.refresh_carrier_scores()
        self.stdout.write(
            f"carrier scores refreshed: {lanes} lanes in {time.perf_counter() - started:.1f} s"
        )
