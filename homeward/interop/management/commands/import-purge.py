from django.core.management.base import BaseCommand, CommandParser

from homeward.interop.services import purge_import_files


class Command(BaseCommand):
    help = (
        "Delete the uploaded files of HTCDS imports left unconfirmed (or failed) for longer than --days days "
        "(default 7), and the check reports of imports finished that long ago. Run it daily."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=7)

    def handle(self, *args, **options):
        if options["days"] < 1:
            self.stderr.write("--days must be 1 or more.")
            return
        count = purge_import_files(older_than_days=options["days"])
        self.stdout.write(f"Cleared {count} import(s).")
