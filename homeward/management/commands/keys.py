from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from homeward.lib.crypto import KeyRing


class Command(BaseCommand):
    help = "Manage the key file: `homeward keys init` creates one (owner-only permissions) if none exists."
    requires_system_checks: list[str] = []  # the checks refuse to run without keys: this command makes them

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["init", "show-ids"])

    def handle(self, *args, action: str, **options):
        path = Path(settings.KEY_FILE)
        if action == "init":
            if path.exists():
                self.stdout.write(f"Key file already exists: {path}")
                return
            KeyRing.generate().save(path)
            self.stdout.write(f"Created key file {path}. Back it up: without it, the data cannot be read.")
            return
        if not path.exists():
            raise CommandError(f"No key file at {path}")
        ring = KeyRing.from_file(path)
        self.stdout.write(
            f"encryption: primary {ring.encryption.primary}; keys {', '.join(ring.encryption.keys)}"
        )
        self.stdout.write(f"index:      primary {ring.index.primary}; keys {', '.join(ring.index.keys)}")
