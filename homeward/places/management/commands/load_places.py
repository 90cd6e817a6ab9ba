from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from homeward.places.services import places_load


class Command(BaseCommand):
    help = "Load countries (ISO 3166-1), Lao provinces and districts and Thai provinces. Safe to run again."

    def handle(self, *args, **options):
        counts = places_load()
        self.stdout.write(
            _(
                "Loaded %(countries)d countries, %(provinces)d provinces, %(districts)d districts and "
                "%(checkpoints)d border checkpoints."
            )
            % counts
        )
