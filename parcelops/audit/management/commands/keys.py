"""`parcelops keys rotate`: re-encrypt customer data with a new key; `keys generate`:
a full set of production secrets, or one new data key.

In audit, not core: a rotation is an audited operation, and core imports no app."""

from django.core.management.base import BaseCommand, CommandError

from parcelops.audit.actions import record_audit
from parcelops.core import startup
from parcelops.core.crypto import DecryptionError
from parcelops.core.keys import rotate_data_keys


class Command(BaseCommand):
    help = (
        "Customer-data keys. 'rotate' adds a new key in front of var/data_keys (or, when "
        "PARCELOPS_DATA_KEYS is set, uses its first key) and re-encrypts every stored value; "
        "'generate' prints a full set of production secrets as NAME=value lines for the "
        "environment file (with --data-key, one new key for PARCELOPS_DATA_KEYS)."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("subcommand", choices=["rotate", "generate"])
        parser.add_argument(
            "--data-key",
            action="store_true",
            help="with 'generate': print one new data key only (to put in front for a rotation)",
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        if options["subcommand"] == "generate":
            made = startup.generate_secrets()
            if options["data_key"]:
                self.stdout.write(made["PARCELOPS_DATA_KEYS"])
                return
            for name, value in made.items():
                self.stdout.write(f"{name}={value}")
            return
        try:
            result = rotate_data_keys()
        except DecryptionError as error:
            raise CommandError(
                f"a stored value cannot be decrypted with the configured keys: {error}"
            ) from error
        record_audit(None, "keys.rotated", ("core.keys", "data"), detail={"values": result.values})
        added = "a new key was added to the key file; " if result.new_key_added else ""
        self.stdout.write(
            f"{added}{result.values} encrypted values re-encrypted with the newest key"
        )
