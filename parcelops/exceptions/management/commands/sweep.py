"""`parcelops sweep --once [--now ISO]`: one run of the exception desk's clock, at once,
printing what it did (the worker runs it every minute)."""

from django.core.management.base import BaseCommand, CommandError

from parcelops.core import clock
from parcelops.exceptions import actions


class Command(BaseCommand):
    help = (
        "Run the exception desk's sweep once: time-driven detection on due parcels and "
        "orders, then warnings, breaches and escalations of due cases."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument(
            "--once",
            action="store_true",
            help="run one sweep now and exit (the worker sweeps every minute by itself)",
        )
        clock.add_now_argument(parser)

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        if not options["once"]:
            raise CommandError(
                "sweep runs in the worker every minute; use --once to run one sweep here"
            )
        with clock.clock_from_options(options):
            report = actions.sweep()
        counts = report.as_dict()
        self.stdout.write(
            "checked {checked} parcels; opened {opened}, updated {updated}, cleared {cleared}, "
            "warned {warned}, breached {breached}, escalated {escalated}".format(**counts)
        )
        for label, ids in (
            ("opened", report.opened),
            ("warned", report.warned),
            ("breached", report.breached),
            ("escalated", report.escalated),
        ):
            if ids:
                self.stdout.write(f"  {label}: " + ", ".join(f"#{i}" for i in ids[:50]))
