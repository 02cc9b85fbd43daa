"""`parcelops audit verify`: walk the hash chain and name the first broken record."""

from django.core.management.base import BaseCommand, CommandError

from parcelops.audit.actions import verify_audit_chain
from parcelops.audit.models import AuditRecord


class Command(BaseCommand):
    help = "Audit trail tools: 'verify' checks that no record was edited or removed."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("subcommand", choices=["verify"])

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        broken = verify_audit_chain()
        if broken is not None:
            where = f"record {broken.record_id}" if broken.record_id else "the chain's end"
            raise CommandError(f"audit chain broken at {where}: {broken.reason}")
        count = AuditRecord.objects.count()
        self.stdout.write(f"audit chain intact: {count} records verified")
