from django.core.management.base import BaseCommand, CommandError

from homeward.audit.models import Action
from homeward.audit.services import audit_record
from homeward.rotation import RotationRefused, rotate


class Command(BaseCommand):
    help = "Re-encrypt all identifying data and re-index names under new keys, without stopping readers."

    def add_arguments(self, parser):
        parser.add_argument(
            "--wait",
            type=float,
            default=None,
            help="seconds to wait after staging new keys (default: twice the reload interval)",
        )
        parser.add_argument(
            "--retire-old-keys",
            action="store_true",
            help="remove the old keys from the key file when every row has been rotated",
        )

    def handle(self, *args, wait, retire_old_keys: bool, **options):
        from django.conf import settings

        wait_seconds = wait if wait is not None else 2 * settings.KEY_RELOAD_SECONDS
        try:
            counts = rotate(wait_seconds=wait_seconds, retire=retire_old_keys, say=self.stdout.write)
        except RotationRefused as exc:
            raise CommandError(str(exc)) from None
        audit_record(
            actor="rotate-keys",
            action=Action.ROTATE,
            fields=["encryption_keys"],
            reason=", ".join(f"{name}={count}" for name, count in sorted(counts.items())),
        )
        self.stdout.write(
            f"Re-encrypted {counts['rows']} rows and {counts['documents']} documents; "
            f"re-indexed {counts['people_reindexed']} people."
        )
