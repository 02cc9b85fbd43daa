"""`parcelops demo [--orders N] [--seed S] [--password P]`: load the demo shop.

Safe to run again: the same seed adds nothing, and existing logins keep their password
unless --password is given. Some parcels go wrong on the way, so the exception desk's queue
has cases in every severity (parcelops.demo.mishaps, parcelops.demo.desk).
"""

from django.core.management.base import BaseCommand, CommandError

from parcelops.demo.loader import DEFAULT_ORDERS, DEFAULT_SEED, DemoError, load_demo


class Command(BaseCommand):
    help = (
        "Load realistic demo data: a login for every role, channels, products, customers and "
        "orders in every state. The same seed always gives the same data."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument(
            "--orders",
            type=int,
            default=DEFAULT_ORDERS,
            help=f"how many orders to load (default {DEFAULT_ORDERS})",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=f"the random seed: the same seed gives the same data (default {DEFAULT_SEED})",
        )
        parser.add_argument(
            "--password",
            default=None,
            help="set this password on every demo login (default: the stored demo password)",
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        try:
            load_demo(
                orders=options["orders"],
                seed=options["seed"],
                password=options["password"],
                stdout=self.stdout,
                with_exceptions=True,
            )
        except DemoError as error:
            raise CommandError(str(error)) from error
