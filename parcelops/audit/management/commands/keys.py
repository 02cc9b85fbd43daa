"""`parcelops keys rotate`: re-encrypt customer data with a new key; `keys generate`.

In audit, not core: a rotation is an audited operation, and core imports no app."""

from cryptography.fernet import Fernet
from django.core.management.base import BaseCommand, CommandError

from parcelops.audit.actions import record_audit
from parcelops.core.crypto import DecryptionError
from parcelops.core.keys import rotate_data_keys


class Command(BaseCommand):
    help = (
        "Customer-data keys. 'rotate' adds a new key in front of var/data_keys (or, when "
        "PARCELOPS_DATA_KEYS is set, uses its first key) and re-encrypts every stored value; "
        "'generate' prints a new key for PARCELOPS_DATA_KEYS."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("subcommand", choices=["rotate", "generate"])

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        if options["subcommand"] == "generate":
            self.stdout.write(Fernet.generate_key().decode())
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
