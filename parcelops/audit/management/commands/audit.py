"""`parcelops audit verify | witness [--reset]`: check the hash chain against its witness,
or write its head to the witness now."""

from django.core.management.base import BaseCommand, CommandError

from parcelops.audit import canary, witness
from parcelops.audit.actions import verify_audit_chain, write_witness
from parcelops.audit.models import AuditRecord, KeyCanary
from parcelops.core.keys import undecryptable_sample


class Command(BaseCommand):
    help = (
        "Audit trail tools: 'verify' checks that no record was edited or removed (against "
        "the chain's hashes and its witness file) and that the keys open the customer data "
        "(the key canary and a sample of encrypted rows); 'witness' writes the chain's head to the "
        "witness file now, and with --reset first moves the old witness aside (after "
        "restoring an older backup)."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("subcommand", choices=["verify", "witness"])
        parser.add_argument(
            "--reset",
            action="store_true",
            help="with 'witness': move the old witness file aside and start a new one",
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        if options["subcommand"] == "witness":
            self._witness(reset=options["reset"])
            return
        broken = verify_audit_chain()
        if broken is not None:
            where = f"record {broken.record_id}" if broken.record_id else "the chain's end"
            raise CommandError(f"audit chain broken at {where}: {broken.reason}")
        count = AuditRecord.objects.count()
        self.stdout.write(f"audit chain intact: {count} records verified")
        self._verify_keys()

    def _verify_keys(self) -> None:
        """After a restore, the chain can verify while no customer row opens: prove the
        keys on the canary and on the oldest and newest rows of every encrypted column."""
        problem = canary.canary_problem()
        if problem is None and not KeyCanary.objects.exists():
            problem = "this database has no key canary (run `parcelops migrate`)"
        if problem is not None:
            raise CommandError(problem)
        failures = undecryptable_sample()
        if failures:
            more = f" and {len(failures) - 1} more" if len(failures) > 1 else ""
            raise CommandError(
                f"the configured PARCELOPS_DATA_KEYS do not decrypt {failures[0]}{more}: "
                "the keys do not open the customer data"
            )
        self.stdout.write("keys verified: the key canary and a sample of encrypted rows open")

    def _witness(self, *, reset: bool) -> None:
        if reset:
            aside = witness.reset_witness()
            if aside is not None:
                self.stdout.write(f"old witness moved to {aside}")
        written = write_witness()
        if written is None:
            self.stdout.write("the audit chain has no records yet: nothing to witness")
            return
        count, head_hash = written
        self.stdout.write(f"witness written: {count} records, head {head_hash[:16]}")
