"""`parcelops channels add CODE NAME` and `parcelops channels list`: the sales channels
intake accepts. A fresh production install has none until the operator adds them."""

from django.core.management.base import BaseCommand, CommandError

from parcelops.core.errors import InputError
from parcelops.orders.actions import add_channel
from parcelops.orders.models import Channel


class Command(BaseCommand):
    help = "Sales channels: 'add CODE NAME [--kind K] [--name-en N]' adds one; 'list'."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("subcommand", choices=["add", "list"])
        parser.add_argument("code", nargs="?", default="")
        parser.add_argument("name", nargs="?", default="")
        parser.add_argument("--kind", default=Channel.Kind.WEB, help=", ".join(Channel.Kind.values))
        parser.add_argument("--name-en", default="", help="the name on English pages")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        if options["subcommand"] == "list":
            for channel in Channel.objects.order_by("code"):
                state = "active" if channel.is_active else "inactive"
                self.stdout.write(f"{channel.code}\t{channel.name}\t{channel.kind}\t{state}")
            return
        try:
            channel = add_channel(
                options["code"], options["name"], kind=options["kind"], name_en=options["name_en"]
            )
        except InputError as error:
            raise CommandError(" ".join(e.message for e in error.errors)) from error
        self.stdout.write(f"channel {channel.code} added: orders may now name it")
