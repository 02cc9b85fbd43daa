"""`parcelops providers set-secret PROVIDER SECRET`: the key a provider signs pushes with."""

from django.core.management.base import BaseCommand, CommandError

from parcelops.core.errors import InputError
from parcelops.tracking.actions import set_provider_secret
from parcelops.tracking.secrets import PUSH_PROVIDERS


class Command(BaseCommand):
    help = "Push providers: 'set-secret PROVIDER SECRET' stores the signing secret (encrypted); 'list'."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("subcommand", choices=["set-secret", "list"])
        parser.add_argument("provider", nargs="?", default="")
        parser.add_argument("secret", nargs="?", default="")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        from parcelops.tracking.models import ProviderAccount

        if options["subcommand"] == "list":
            configured = set(ProviderAccount.objects.values_list("provider", flat=True))
            for provider in PUSH_PROVIDERS:
                state = "secret set" if provider in configured else "no secret: pushes are refused"
                self.stdout.write(f"{provider}\t{state}")
            return
        provider, secret = options["provider"], options["secret"]
        try:
            set_provider_secret(provider, secret)
        except InputError as error:
            raise CommandError(" ".join(e.message for e in error.errors)) from error
        self.stdout.write(f"secret for {provider} stored")
