"""`parcelops stock check`: prove that every stock level's on-hand is the sum of its moves
and its reserved units the sum of its active reservations; exit 1 naming the first SKU and
bin that disagree."""

from django.core.management.base import BaseCommand, CommandError

from parcelops.warehouse import stock_queries


class Command(BaseCommand):
    help = "Stock: check that on-hand equals the sum of the moves (and reserved the reservations)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("action", choices=["check"], help="check: compare levels and moves")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        result = stock_queries.check_stock()
        wrong = result.disagreement
        if wrong is None:
            self.stdout.write(
                f"OK: {result.levels} stock levels agree with {result.moves} moves "
                f"and {result.reservations} active reservations"
            )
            return
        what = "on hand" if wrong.what == "on_hand" else "reserved"
        source = "the moves" if wrong.what == "on_hand" else "the active reservations"
        message = (
            f"SKU {wrong.sku} in bin {wrong.warehouse}/{wrong.bin}: {what} is {wrong.recorded}, "
            f"{source} add up to {wrong.expected}"
        )
        raise CommandError(f"stock check: {message}")  # one line on stderr, exit status 1
