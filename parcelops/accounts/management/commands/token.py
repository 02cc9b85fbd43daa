"""`parcelops token create USERNAME`: print a new API token (shown once, stored hashed)."""

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from parcelops.accounts.actions import create_api_token, revoke_api_token
from parcelops.accounts.models import ApiToken


class Command(BaseCommand):
    help = "API tokens: 'create USERNAME' prints a new one; 'revoke PREFIX'; 'list [USERNAME]'."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("subcommand", choices=["create", "revoke", "list"])
        parser.add_argument("target", nargs="?", default="")
        parser.add_argument("--name", default="", help="what the token is for")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        subcommand, target = options["subcommand"], options["target"]
        if subcommand == "create":
            user = User.objects.filter(username=target, is_active=True).first()
            if user is None:
                raise CommandError(f"no active user named {target!r}")
            self.stdout.write(create_api_token(user, options["name"]))
        elif subcommand == "revoke":
            token = ApiToken.objects.filter(prefix=target, revoked_at__isnull=True).first()
            if token is None:
                raise CommandError(f"no active token starting with {target!r}")
            revoke_api_token(token)
            self.stdout.write(f"revoked {token.prefix}…")
        else:
            tokens = ApiToken.objects.select_related("user").order_by("created_at")
            if target:
                tokens = tokens.filter(user__username=target)
            for token in tokens:
                state = "active" if token.is_active else "revoked"
                self.stdout.write(
                    f"{token.prefix}…\t{token.user}\t{token.name}\t{state}\t{token.created_at:%Y-%m-%d}"
                )
