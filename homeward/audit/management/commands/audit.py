from django.core.management.base import BaseCommand, CommandError

from homeward.audit.services import audit_verify


class Command(BaseCommand):
    help = (
        "Audit log tools. `homeward audit verify` checks the hash chain and exits 1 if it was tampered with."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, action: str, **options):
        result = audit_verify()
        if result.ok:
            self.stdout.write(f"Audit chain intact: {result.checked} events verified.")
            if result.head_mac:
                # Keep this line somewhere outside the database (a printed log, another server): it anchors the
                # chain, so that cutting events off the end and rewriting the head is found next time.
                self.stdout.write(f"Head: event {result.checked}, mac {result.head_mac}")
            return
        raise CommandError(
            f"Audit chain broken at event {result.problem_seq}: {result.problem} "
            f"({result.checked} events verified before it)."
        )
