from django.core.management.base import BaseCommand

from homeward.interop.intake_form import write


class Command(BaseCommand):
    help = "Rebuild homeward/interop/xlsforms/homeward_intake.xlsx from Homeward's lists and translations."
    requires_system_checks: list[str] = []  # a build step: no database, no keys

    def handle(self, *args, **options):
        path = write()
        self.stdout.write(f"Wrote {path}.")
