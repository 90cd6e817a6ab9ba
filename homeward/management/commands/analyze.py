from django.core.management.base import BaseCommand

from homeward.cases.generate import analyze_tables


class Command(BaseCommand):
    help = (
        "Refresh the database planner's statistics (ANALYZE). Run after bulk imports; on SQLite also weekly "
        "(PostgreSQL's autovacuum does it by itself). Name search depends on it on SQLite (bench/README.md)."
    )

    def handle(self, *args, **options):
        analyze_tables()
        self.stdout.write("Planner statistics refreshed.")
